import { resolve } from 'node:path';
import { ConfigurationError, InputSource, input, parseInputs } from '@slipway/kit';
import { TUNNEL } from './codes';
import { parseHostKeyPin } from './hostkey';
import { MigrationRequest, TunnelSettings } from './migrations';

/** How to reach the bastion: the inputs run-migrations-via-bastion and sync-prompts share. */
export const tunnelInputs = {
  mode: input.choice(['ssm', 'ssh'], { default: 'ssm' }),
  'bastion-instance-id': input.string(),
  // Empty by default: with "ssh-endpoint" and "ssh-private-key" alone, the endpoint is the bastion.
  'bastion-tag': input.string(),
  'ssh-endpoint': input.string(),
  'ssh-user': input.string({ default: 'ec2-user' }),
  'ssh-private-key': input.string(),
  'ssh-host-key': input.string(),
  'tunnel-timeout': input.integer({ default: 30, min: 1 }),
  region: input.string(),
};

export function readTunnelSettings(source: InputSource): TunnelSettings {
  const i = parseInputs(source, tunnelInputs);
  return {
    mode: i.mode,
    bastion: { instanceId: i['bastion-instance-id'], tag: i['bastion-tag'] },
    ssh: {
      endpoint: i['ssh-endpoint'] ? parseEndpoint(i['ssh-endpoint']) : undefined,
      user: i['ssh-user'],
      privateKey: i['ssh-private-key'],
      hostKeys: i.mode === 'ssh' ? parseHostKeyPin(i['ssh-host-key']) : undefined,
    },
    readyTimeoutMs: i['tunnel-timeout'] * 1000,
    // Resolved only by what asks AWS: a bastion outside EC2 with inputs for credentials needs no region.
    region: i.region,
  };
}

/** run-migrations-via-bastion's inputs, as action.yml declares them (the action and the CLI parse with this). */
export const migrationInputs = {
  ...tunnelInputs,
  'db-host': input.string(),
  'db-port': input.integer({ min: 1, max: 65535 }),
  'db-user': input.string(),
  'db-password': input.string(),
  'db-name': input.string(),
  'db-secret-id': input.string(),
  'db-parameters': input.list({ default: [] }),
  'db-ssl': input.boolean({ default: false }),
  command: input.string(),
  'migrations-dir': input.string(),
  'history-table': input.string(),
  'dry-run': input.boolean({ default: false }),
  'lock-timeout': input.integer({ default: 300, min: 0 }),
  'create-database': input.boolean({ default: false }),
  reset: input.boolean({ default: false }),
  'reset-confirmation': input.string(),
  environment: input.string(),
  'allow-production-reset': input.boolean({ default: false }),
  extensions: input.list({ default: [] }),
  'seed-command': input.string(),
};

export function readMigrationRequest(
  source: InputSource,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): MigrationRequest {
  const i = parseInputs(source, migrationInputs);
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
    migrationsDir: i['migrations-dir'] ? resolve(workspace, i['migrations-dir']) : undefined,
    dryRun: i['dry-run'],
    lockTimeoutMs: i['lock-timeout'] * 1000,
    historyTable: i['history-table'],
    seedCommand: i['seed-command'],
    workingDirectory: workspace,
    run: { repository: env.GITHUB_REPOSITORY, runId: env.GITHUB_RUN_ID },
  };
}

function parseEndpoint(raw: string): { host: string; port: number } {
  const match = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(raw.trim());
  if (!match) {
    throw new ConfigurationError(
      TUNNEL.CONFLICTING_INPUTS,
      `Input "ssh-endpoint" is not host[:port]: got "${raw}".`,
      {
        remedy: 'For example 10.0.1.5 or bastion.internal:2222.',
      },
    );
  }
  return { host: match[1]!, port: Number(match[2] ?? 22) };
}
