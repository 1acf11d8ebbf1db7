import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
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
import {
  ClientFactory,
  Clock,
  ConfigurationError,
  Logger,
  Secrets,
  SlipwayError,
  resolveRegion,
  systemClock,
} from '@slipway/kit';
import type { Bastion } from './bastion';
import { TUNNEL } from './codes';
import type { HostKeyPin } from './hostkey';
import { startShell } from './command';
import { resolveCredentials } from './credentials';
import { Teardown, Tunnel } from './tunnel';

/** How to reach a private database: through which bastion, by SSM or SSH. */
export interface TunnelSettings {
  mode: 'ssm' | 'ssh';
  /** Neither given: ssh mode with an endpoint and a key of its own uses the endpoint, else Name=bastion. */
  bastion: { instanceId?: string; tag?: string };
  ssh: {
    endpoint?: { host: string; port: number };
    user: string;
    privateKey?: string;
    /** The pinned host keys (ssh mode). */
    hostKeys?: HostKeyPin[];
  };
  readyTimeoutMs: number;
  /** The "region" input; AWS_REGION and AWS_DEFAULT_REGION stand in when a call to AWS needs one. */
  region?: string;
}

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

/**
 * The clients are made on first use. The modules behind each way of reaching the bastion (EC2, SSM,
 * ssh2, Instance Connect) are loaded only when the chosen way needs them: they are most of the code.
 */
export interface MigrationContext {
  ec2: ClientFactory<EC2Client>;
  ssm: ClientFactory<SSMClient>;
  secretsManager: ClientFactory<SecretsManagerClient>;
  instanceConnect: ClientFactory<EC2InstanceConnectClient>;
  secrets: Secrets;
  logger: Logger;
  teardown: Teardown;
  /** Told what a post step must clean up if this process dies before its own teardown. */
  onSsmSession?: (session: { pid: number; sessionId: string }) => void;
  /** Told when the teardown has closed that session, so the post step has nothing left to do. */
  onSsmSessionClosed?: () => void;
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
 * Finds the bastion, opens a tunnel to the database, proves it with SELECT 1, runs the init steps, the
 * migrations and the seed, and always closes the tunnel (here, or through the teardown on a signal).
 */
export async function runMigrations(
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

export type TunnelContext = Pick<
  MigrationContext,
  | 'ec2'
  | 'ssm'
  | 'instanceConnect'
  | 'secrets'
  | 'logger'
  | 'teardown'
  | 'onSsmSession'
  | 'onSsmSessionClosed'
>;

/**
 * Finds the bastion and opens a tunnel to `database` through it; the teardown closes it. Returns the
 * database as reached through the tunnel's local end.
 */
export async function openDatabaseTunnel(
  settings: TunnelSettings,
  context: TunnelContext,
  database: DbTarget,
): Promise<{ bastion: Bastion; tunnel: Tunnel; local: DbTarget }> {
  const bastion = await locateBastion(settings, context);
  context.logger.info(`Bastion ${bastion.instanceId} (${bastion.address || 'no address'}).`);
  if (bastion.passedOver)
    context.logger.warning(
      `Several running bastions match; using the newest, ${bastion.instanceId}. Passed over: ${bastion.passedOver.join('; ')}.`,
    );
  const tunnel = await openTunnel(settings, context, bastion, database);
  // The SSM tunnel registered itself as soon as its plugin was spawned.
  if (tunnel.mode === 'ssh') context.teardown.add('close the ssh tunnel', tunnel.close);
  context.logger.info(
    `Tunnel (${tunnel.mode}) open: 127.0.0.1:${tunnel.localPort} → ${database.host}:${database.port}.`,
  );
  return { bastion, tunnel, local: { ...database, host: '127.0.0.1', port: tunnel.localPort } };
}

/**
 * With an SSH endpoint and a key of its own, and no instance id or tag, the endpoint is the bastion (one
 * outside EC2): nothing to look up. Otherwise EC2 is asked for the newest running instance the inputs select
 * (Name=bastion by default), and an SSH endpoint only overrides the address connected to.
 */
async function locateBastion(request: TunnelSettings, context: TunnelContext): Promise<Bastion> {
  const { endpoint, privateKey } = request.ssh;
  const selected = request.bastion.instanceId || request.bastion.tag;
  if (request.mode === 'ssh' && endpoint && privateKey && !selected) {
    return { instanceId: `${endpoint.host}:${endpoint.port}`, address: endpoint.host };
  }
  const { findBastion } = await import('./bastion');
  return findBastion(await context.ec2(), request.bastion);
}

async function openTunnel(
  request: TunnelSettings,
  context: TunnelContext,
  bastion: Bastion,
  database: DbTarget,
): Promise<Tunnel> {
  const remote = { remoteHost: database.host, remotePort: database.port, timeoutMs: request.readyTimeoutMs };
  if (request.mode === 'ssm') {
    const { openSsmTunnel } = await import('./ssm');
    return openSsmTunnel({
      ssm: await context.ssm(),
      region: resolveRegion(request.region),
      instanceId: bastion.instanceId,
      ...remote,
      onStarted: (started) => {
        context.onSsmSession?.({ pid: started.pid, sessionId: started.sessionId });
        context.teardown.add('close the ssm tunnel', async () => {
          await started.close();
          context.onSsmSessionClosed?.();
        });
      },
    });
  }
  const privateKey = request.ssh.privateKey ?? (await pushEphemeralKey(context, bastion, request.ssh.user));
  context.secrets.register(privateKey);
  const { openSshTunnel } = await import('./ssh');
  return openSshTunnel({
    host: request.ssh.endpoint?.host ?? bastion.address,
    port: request.ssh.endpoint?.port ?? 22,
    username: request.ssh.user,
    privateKey,
    hostKeys: request.ssh.hostKeys!,
    ...remote,
  });
}

/** A fresh ed25519 key, valid on the bastion for 60 s through EC2 Instance Connect; used at once. */
export async function pushEphemeralKey(
  context: Pick<MigrationContext, 'instanceConnect' | 'logger'>,
  bastion: Bastion,
  user: string,
): Promise<string> {
  const { ed25519KeyPair } = await import('./keys');
  const { SendSSHPublicKeyCommand } = await import('@aws-sdk/client-ec2-instance-connect');
  const key = ed25519KeyPair('slipway-ephemeral');
  const answer = await (
    await context.instanceConnect()
  ).send(
    new SendSSHPublicKeyCommand({
      InstanceId: bastion.instanceId,
      InstanceOSUser: user,
      SSHPublicKey: key.public,
      AvailabilityZone: bastion.availabilityZone,
    }),
  );
  if (!answer.Success)
    throw new SlipwayError(
      TUNNEL.SSH_FAILED,
      `EC2 Instance Connect refused the key for ${user}@${bastion.instanceId}.`,
    );
  context.logger.info(`Pushed an ephemeral key for ${user}@${bastion.instanceId} (valid 60 s).`);
  return key.private;
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
