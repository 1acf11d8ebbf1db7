import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CredentialSources, DbTarget, initDatabase, migrate, pgEnv, waitForDatabase } from '@slipway/db';
import { Clock, Logger, Secrets, SlipwayError, runCommand, systemClock } from '@slipway/kit';
import { utils } from 'ssh2';
import { Bastion, findBastion } from './bastion';
import { TUNNEL } from './codes';
import { resolveCredentials } from './credentials';
import { openSshTunnel } from './ssh';
import { openSsmTunnel } from './ssm';
import { Teardown, Tunnel } from './tunnel';

/** How to reach a private database: through which bastion, by SSM or SSH. */
export interface TunnelSettings {
  mode: 'ssm' | 'ssh';
  bastion: { instanceId?: string; tag: string };
  ssh: {
    endpoint?: { host: string; port: number };
    user: string;
    privateKey?: string;
    hostKeyFingerprint?: string;
  };
  readyTimeoutMs: number;
  region: string;
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
}

export interface MigrationContext {
  ec2: () => EC2Client;
  ssm: () => SSMClient;
  secretsManager: () => SecretsManagerClient;
  instanceConnect: () => EC2InstanceConnectClient;
  secrets: Secrets;
  logger: Logger;
  teardown: Teardown;
  /** Told what a post step must clean up if this process dies before its own teardown. */
  onSsmSession?: (session: { pid: number; sessionId: string }) => void;
  clock?: Clock;
}

export interface MigrationOutcome {
  mode: 'ssm' | 'ssh';
  bastion: Bastion;
  applied: string[];
  pending: string[];
  ran: string[];
  durationMs: number;
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
  const database = await resolveCredentials(request.credentials, context, context.secrets);
  const { bastion, tunnel, local: reached } = await openDatabaseTunnel(request, context, database);
  try {
    const local: DbTarget = { ...reached, ssl: request.ssl };
    await waitForDatabase(request.init.createIfMissing ? { ...local, database: 'postgres' } : local, {
      timeoutMs: request.readyTimeoutMs,
    });
    const init = await initDatabase(local, { ...request.init, logger });
    const ran: string[] = [
      ...(init.created ? [`created database ${database.database}`] : []),
      ...(init.reset ? [`reset database ${database.database}`] : []),
      ...init.extensions.map((e) => `extension ${e}`),
    ];
    let applied: string[] = [];
    let pending: string[] = [];
    if (request.migrationsDir) {
      const result = await migrate(local, {
        dir: request.migrationsDir,
        dryRun: request.dryRun,
        lockTimeoutMs: request.lockTimeoutMs,
        historyTable: request.historyTable,
        logger,
      });
      applied = result.applied;
      pending = result.pending;
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
    return { mode: tunnel.mode, bastion, applied, pending, ran, durationMs: clock.now() - started };
  } finally {
    const failures = await context.teardown.run();
    for (const failure of failures) logger.warning(`Teardown: ${failure}`);
  }
}

export type TunnelContext = Pick<
  MigrationContext,
  'ec2' | 'ssm' | 'instanceConnect' | 'secrets' | 'logger' | 'teardown' | 'onSsmSession'
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
  const tunnel = await openTunnel(settings, context, bastion, database);
  context.teardown.add(`close the ${tunnel.mode} tunnel`, tunnel.close);
  context.logger.info(
    `Tunnel (${tunnel.mode}) open: 127.0.0.1:${tunnel.localPort} → ${database.host}:${database.port}.`,
  );
  return { bastion, tunnel, local: { ...database, host: '127.0.0.1', port: tunnel.localPort } };
}

/**
 * With an SSH endpoint and a key of its own, the endpoint is the bastion (one outside EC2, or behind a
 * fixed name): nothing to look up. Otherwise the one running instance the inputs select.
 */
function locateBastion(request: TunnelSettings, context: TunnelContext): Promise<Bastion> {
  const { endpoint, privateKey } = request.ssh;
  if (request.mode === 'ssh' && endpoint && privateKey && !request.bastion.instanceId) {
    return Promise.resolve({ instanceId: `${endpoint.host}:${endpoint.port}`, address: endpoint.host });
  }
  return findBastion(context.ec2(), request.bastion);
}

async function openTunnel(
  request: TunnelSettings,
  context: TunnelContext,
  bastion: Bastion,
  database: DbTarget,
): Promise<Tunnel> {
  const remote = { remoteHost: database.host, remotePort: database.port, timeoutMs: request.readyTimeoutMs };
  if (request.mode === 'ssm') {
    return openSsmTunnel({
      ssm: context.ssm(),
      region: request.region,
      instanceId: bastion.instanceId,
      ...remote,
      onStarted: context.onSsmSession,
    });
  }
  const privateKey = request.ssh.privateKey ?? (await pushEphemeralKey(context, bastion, request.ssh.user));
  context.secrets.register(privateKey);
  return openSshTunnel({
    host: request.ssh.endpoint?.host ?? bastion.address,
    port: request.ssh.endpoint?.port ?? 22,
    username: request.ssh.user,
    privateKey,
    hostKeyFingerprint: request.ssh.hostKeyFingerprint!,
    ...remote,
  });
}

/** A fresh ed25519 key, valid on the bastion for 60 s through EC2 Instance Connect; used at once. */
export async function pushEphemeralKey(
  context: Pick<MigrationContext, 'instanceConnect' | 'logger'>,
  bastion: Bastion,
  user: string,
): Promise<string> {
  const key = utils.generateKeyPairSync('ed25519', { comment: 'slipway-ephemeral' });
  const answer = await context.instanceConnect().send(
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
  const cancel = new AbortController();
  context.teardown.add(`stop the ${what}`, async () => cancel.abort());
  const result = await context.logger.group(`${what}: ${command}`, () =>
    runCommand('/bin/sh', ['-c', command], {
      cwd,
      signal: cancel.signal,
      env: { ...process.env, ...pgEnv(target) },
      logger: { ...context.logger, info: (line) => context.logger.info(context.secrets.redact(line)) },
    }),
  );
  if (result.exitCode !== 0) {
    throw new SlipwayError(
      TUNNEL.COMMAND_FAILED,
      `The ${what} failed with exit code ${result.exitCode}${result.exitCode > 128 ? ` (killed by signal ${result.exitCode - 128})` : ''}.`,
      {
        remedy: 'Its output is in the log group above; the tunnel is closed.',
      },
    );
  }
}
