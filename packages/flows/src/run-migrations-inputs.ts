import { refuseUnsafeReset } from '@slipway/db';
import {
  ConfigurationError,
  InputSource,
  hostname,
  input,
  onlyWith,
  parseInputs,
  pattern,
  sameRegion,
  secretId,
  sqlIdentifier,
  ssmParameter,
  workspacePath,
} from '@slipway/kit';
import { TUNNEL, readTunnelSettings, tunnelInputs } from '@slipway/tunnel';
import type { MigrationRequest } from './run-migrations';

const dbUser = pattern(
  'a database user (letters, digits and _ . @ -)',
  /^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$/,
  'is not a user name',
);
const environmentName = pattern(
  'an environment name (letters, digits and _ . -)',
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
  'is not an environment name',
);

/** run-migrations-via-bastion's inputs, as action.yml declares them (the CLI runs the bundle, which reads them with this). */
export const migrationInputs = {
  ...tunnelInputs,
  'db-host': input.value(hostname),
  'db-port': input.integer({ min: 1, max: 65535 }),
  'db-user': input.value(dbUser),
  'db-password': input.string({ secret: true }),
  'db-name': input.value(sqlIdentifier),
  'db-secret-id': input.value(secretId),
  'db-parameters': input.list({ default: [], item: ssmParameter, unique: true }),
  'db-ssl': input.boolean({ default: false }),
  command: input.string({ multiline: true }),
  'migrations-dir': input.string(),
  'history-table': input.value(sqlIdentifier),
  'dry-run': input.boolean({ default: false }),
  'lock-timeout': input.integer({ default: 300, min: 0, max: 86400 }),
  'create-database': input.boolean({ default: false }),
  reset: input.boolean({ default: false }),
  'reset-confirmation': input.string(),
  environment: input.value(environmentName),
  'allow-production-reset': input.boolean({ default: false }),
  extensions: input.list({ default: [], item: sqlIdentifier, unique: true }),
  'seed-command': input.string({ multiline: true }),
};

export function readMigrationRequest(
  source: InputSource,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): MigrationRequest {
  const i = parseInputs(source, migrationInputs);
  onlyWith(
    source,
    migrationInputs,
    ['history-table'],
    'migrations-dir',
    Boolean(i['migrations-dir']),
    'only the built-in migrator keeps a history table',
  );
  onlyWith(
    source,
    migrationInputs,
    ['reset-confirmation', 'allow-production-reset'],
    'reset',
    i.reset,
    'they confirm a reset',
  );
  sameRegion(source, [
    ['db-secret-id', i['db-secret-id']],
    ...i['db-parameters'].map((p): [string, string] => ['db-parameters', p]),
  ]);
  // A reset's confirmation is checked now where the name is known; a name from a secret is checked again once read.
  if (i.reset) {
    refuseUnsafeReset(i['db-name'] ?? i['reset-confirmation'] ?? '', {
      resetConfirmation: i['reset-confirmation'],
      environment: i.environment,
      allowProductionReset: i['allow-production-reset'],
    });
  }
  const migrationsDir = i['migrations-dir']
    ? workspacePath('migrations-dir', i['migrations-dir'], workspace, 'directory')
    : undefined;
  if (
    !i.command &&
    !i['migrations-dir'] &&
    !i['create-database'] &&
    !i.reset &&
    !i.extensions.length &&
    !i['seed-command']
  ) {
    throw new ConfigurationError(
      TUNNEL.CONFLICTING_INPUTS,
      'Nothing to run: give "command" or "migrations-dir" (or an init step).',
      {
        remedy:
          'For example command: "alembic upgrade head", or migrations-dir: db/migrations for the built-in SQL migrator.',
      },
    );
  }
  return {
    ...readTunnelSettings(source),
    credentials: {
      given: {
        host: i['db-host'],
        port: i['db-port'],
        user: i['db-user'],
        password: i['db-password'],
        database: i['db-name'],
      },
      secretId: i['db-secret-id'],
      parameters: i['db-parameters'],
    },
    ssl: i['db-ssl'],
    init: {
      createIfMissing: i['create-database'],
      reset: i.reset,
      resetConfirmation: i['reset-confirmation'],
      environment: i.environment,
      allowProductionReset: i['allow-production-reset'],
      extensions: i.extensions,
    },
    command: i.command,
    migrationsDir,
    dryRun: i['dry-run'],
    lockTimeoutMs: i['lock-timeout'] * 1000,
    historyTable: i['history-table'],
    seedCommand: i['seed-command'],
    workingDirectory: workspace,
    run: { repository: env.GITHUB_REPOSITORY, runId: env.GITHUB_RUN_ID },
  };
}
