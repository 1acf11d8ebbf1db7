import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CredentialSources,
  DB,
  DbTarget,
  MigrationError,
  initDatabase,
  migrate,
  pgEnv,
  readMigrations,
  secretForms,
  waitForDatabase,
} from '@slipway/db';
import { ClientFactory, Clock, ConfigurationError, SlipwayError, systemClock } from '@slipway/kit';
import { Bastion, TUNNEL, TunnelContext, TunnelSettings, startShell } from '@slipway/tunnel';
import { resolveCredentials } from './credentials';
import { openDatabaseTunnel } from './database-tunnel';
import type { Finished } from './finished';
import type { Teardown } from './teardown';

export interface MigrationRequest extends TunnelSettings {
  credentials: CredentialSources;
  ssl: boolean;
  init: {
    createIfMissing: boolean;
    reset: boolean;
    resetConfirmation?: string;
    environment?: string;
    allowProductionReset: boolean;
    extensions: string[];
  };
  command?: string;
  migrationsDir?: string;
  dryRun: boolean;
  lockTimeoutMs: number;
  historyTable?: string;
  seedCommand?: string;
  workingDirectory: string;
  /** GITHUB_REPOSITORY and GITHUB_RUN_ID, so a lock holder in pg_stat_activity names the run. */
  run?: { repository?: string; runId?: string };
}

/** The tunnel's clients and hooks, Secrets Manager for the credentials, and the teardown that closes all. */
export interface MigrationContext extends TunnelContext {
  secretsManager: ClientFactory<SecretsManagerClient>;
  teardown: Teardown;
  clock?: Clock;
}

export interface MigrationOutcome {
  mode: 'ssm' | 'ssh';
  bastion: Bastion;
  applied: string[];
  pending: string[];
  /** The SQL migration that failed: rolled back, unless it opted out of the transaction. */
  failed?: { name: string; rolledBack: boolean };
  ran: string[];
  durationMs: number;
}

/** A SQL migration failed: the error as the migrator reported it, with the outcome up to it. */
export class MigrationRunError extends SlipwayError {
  constructor(
    readonly outcome: MigrationOutcome,
    cause: MigrationError,
  ) {
    super(cause.code, cause.message, { remedy: cause.remedy, evidence: cause.evidence, cause });
  }
}

/** `slipway-migrate owner/repo run 123`, within Postgres's 63 bytes: the repository is cut, never the run. */
export function applicationName(role: string, run: MigrationRequest['run'] = {}): string {
  const head = `slipway-${role}`;
  const tail = run.runId ? ` run ${run.runId}` : '';
  const room = 63 - head.length - tail.length - 1;
  const repository = run.repository && room > 0 ? ` ${run.repository.slice(-room)}` : '';
  return `${head}${repository}${tail}`.slice(0, 63);
}

/**
 * run-migrations-via-bastion: finds the bastion, opens a tunnel to the database, proves it with SELECT 1,
 * runs the init steps, the migrations and the seed, and always closes the tunnel (here, or through the
 * teardown on a signal). A failed SQL migration still has an outcome: what was applied before it.
 */
export async function runMigrations(
  request: MigrationRequest,
  context: MigrationContext,
): Promise<Finished<MigrationOutcome>> {
  try {
    return { result: await migrateThroughTunnel(request, context) };
  } catch (error) {
    if (error instanceof MigrationRunError) return { result: error.outcome, failure: error };
    throw error;
  }
}

async function migrateThroughTunnel(
  request: MigrationRequest,
  context: MigrationContext,
): Promise<MigrationOutcome> {
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const { logger } = context;
  // A wrong directory is found before anything is touched.
  const files = request.migrationsDir ? await readMigrationsInput(request.migrationsDir) : [];
  const database = await resolveCredentials(request.credentials, context, context.secrets);
  const { bastion, tunnel, local: reached } = await openDatabaseTunnel(request, context, database);
  const ran: string[] = [];
  const outcome = (extra: Partial<MigrationOutcome> = {}): MigrationOutcome => ({
    mode: tunnel.mode,
    bastion,
    applied: [],
    pending: [],
    ran,
    durationMs: clock.now() - started,
    ...extra,
  });
  try {
    const local: DbTarget = { ...reached, ssl: request.ssl };
    for (const form of secretForms(local)) context.secrets.register(form);
    const maintenance = request.init.createIfMissing || request.init.reset;
    await waitForDatabase(maintenance ? { ...local, database: 'postgres' } : local, {
      timeoutMs: request.readyTimeoutMs,
    });
    const init = await initDatabase(local, {
      ...request.init,
      dryRun: request.dryRun,
      lockTimeoutMs: request.lockTimeoutMs,
      applicationName: applicationName('init', request.run),
      logger,
    });
    ran.push(
      ...(init.created ? [`created database ${database.database}`] : []),
      ...(init.reset ? [`reset database ${database.database}`] : []),
      ...init.extensions.map((e) => `extension ${e}`),
      ...init.planned.map((p) => `${p.step} ${p.name} (not run: dry run)`),
    );
    let applied: string[] = [];
    let pending: string[] = [];
    // A dry run that would create the database or reset it has no database to read the history from.
    if (init.planned.some((p) => p.step !== 'create extension')) {
      pending = files.map((file) => file.name);
    } else if (request.migrationsDir) {
      try {
        const result = await migrate(local, {
          dir: request.migrationsDir,
          dryRun: request.dryRun,
          lockTimeoutMs: request.lockTimeoutMs,
          historyTable: request.historyTable,
          applicationName: applicationName('migrate', request.run),
          logger,
        });
        applied = result.applied;
        pending = result.pending;
      } catch (error) {
        if (error instanceof MigrationError) {
          throw new MigrationRunError(
            outcome({ applied: error.applied, failed: { name: error.file, rolledBack: error.rolledBack } }),
            error,
          );
        }
        throw error;
      }
    }
    for (const [what, command] of [
      ['migration command', request.command],
      ['seed command', request.seedCommand],
    ] as const) {
      if (!command) continue;
      if (request.dryRun) {
        ran.push(`${what} (not run: dry run): ${command}`);
        continue;
      }
      await runShell(what, command, local, request.workingDirectory, context);
      ran.push(`${what}: ${command}`);
    }
    return outcome({ applied, pending });
  } finally {
    const failures = await context.teardown.run();
    for (const failure of failures) logger.warning(`Teardown: ${failure}`);
  }
}

async function readMigrationsInput(dir: string) {
  try {
    return await readMigrations(dir);
  } catch (error) {
    if (error instanceof SlipwayError && error.code === DB.NO_MIGRATIONS) {
      throw new ConfigurationError(error.code, `Input "migrations-dir": ${error.message}`, {
        remedy: error.remedy,
      });
    }
    throw error;
  }
}

async function runShell(
  what: string,
  command: string,
  target: DbTarget,
  cwd: string,
  context: MigrationContext,
): Promise<void> {
  const env = pgEnv(target);
  context.secrets.register(env.DATABASE_URL);
  const shell = startShell(command, {
    cwd,
    env: { ...process.env, ...env },
    onLine: (line) => context.logger.info(context.secrets.redact(line)),
  });
  context.teardown.add(`stop the ${what}`, () => shell.stop());
  const exitCode = await context.logger.group(`${what}: ${command}`, () => shell.exited);
  if (exitCode !== 0) {
    throw new SlipwayError(
      TUNNEL.COMMAND_FAILED,
      `The ${what} failed with exit code ${exitCode}${exitCode > 128 ? ` (killed by signal ${exitCode - 128})` : ''}.`,
      {
        remedy: 'Its output is in the log group above; the tunnel is closed.',
      },
    );
  }
}
