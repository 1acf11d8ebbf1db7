import { ChildProcess, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import {
  SSMClient,
  StartSessionCommand,
  StartSessionCommandInput,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';
import {
  Clock,
  SlipwayError,
  awsErrorName,
  done,
  failed,
  notYet,
  systemClock,
  waitUntil,
} from '@slipway/kit';
import { TUNNEL } from './codes';
import { Tunnel } from './tunnel';

export interface SsmTunnelOptions {
  ssm: SSMClient;
  region: string;
  instanceId: string;
  remoteHost: string;
  remotePort: number;
  timeoutMs: number;
  /** The plugin executable (default: session-manager-plugin on PATH). */
  plugin?: string;
  /**
   * Told the plugin's pid, the session id and how to close both as soon as the plugin is spawned, before
   * its port listens, so a teardown or a post step can clean up whenever the process dies.
   */
  onStarted?: (started: { pid: number; sessionId: string; close: () => Promise<void> }) => void;
  /** Where AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
}

export const PLUGIN_INSTALL =
  'Install the Session Manager plugin (preinstalled on GitHub-hosted ubuntu runners): https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';

/** The env var through which the AWS CLI hands the session to the plugin, keeping the token out of argv. */
export const SESSION_ENV = 'AWS_SSM_START_SESSION_RESPONSE';

/**
 * The SSM endpoint the plugin talks to, as the AWS CLI would pass it: the SDK's endpoint overrides first,
 * else the regional endpoint with the partition's DNS suffix.
 */
export function ssmEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.AWS_ENDPOINT_URL_SSM || env.AWS_ENDPOINT_URL;
  if (override) return override.replace(/\/+$/, '');
  return `https://ssm.${region}.${dnsSuffix(region)}`;
}

function dnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  return 'amazonaws.com';
}

/** What a refused StartSession usually means, by the error's name. */
const START_SESSION_REMEDIES: Record<string, string> = {
  AccessDeniedException:
    'Allow the role ssm:StartSession on the bastion instance and on the document AWS-StartPortForwardingSessionToRemoteHost (see docs/iam).',
  TargetNotConnected:
    'The bastion is not connected to Systems Manager: check that the SSM agent runs, that its instance profile has AmazonSSMManagedInstanceCore, and that it reaches the SSM endpoints.',
  InvalidDocument: 'The region has no AWS-StartPortForwardingSessionToRemoteHost document; check the region.',
};

async function startSession(ssm: SSMClient, request: StartSessionCommandInput, instanceId: string) {
  try {
    return await ssm.send(new StartSessionCommand(request));
  } catch (error) {
    const name = awsErrorName(error) ?? 'Error';
    throw new SlipwayError(
      TUNNEL.SSM_REFUSED,
      `Session Manager refused to start a session on ${instanceId}: ${name}: ${(error as Error).message}`,
      {
        remedy:
          START_SESSION_REMEDIES[name] ??
          'Check ssm:StartSession for the role, the SSM agent on the bastion, and the region.',
        cause: error,
      },
    );
  }
}

/** Asks the OS for a free loopback port; the plugin binds it a moment later. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Port forwarding through Session Manager without the AWS CLI: StartSession with the
 * AWS-StartPortForwardingSessionToRemoteHost document, then the plugin, invoked as the CLI does.
 */
export async function openSsmTunnel(options: SsmTunnelOptions): Promise<Tunnel> {
  const localPort = await freeLocalPort();
  const request = {
    Target: options.instanceId,
    DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
    Parameters: {
      host: [options.remoteHost],
      portNumber: [String(options.remotePort)],
      localPortNumber: [String(localPort)],
    },
  };
  const session = await startSession(options.ssm, request, options.instanceId);
  const sessionId = session.SessionId!;
  const terminate = () =>
    options.ssm.send(new TerminateSessionCommand({ SessionId: sessionId })).then(() => undefined);

  const endpoint = ssmEndpoint(options.region, options.env);
  const response = JSON.stringify({
    SessionId: sessionId,
    TokenValue: session.TokenValue,
    StreamUrl: session.StreamUrl,
  });
  const plugin: ChildProcess = spawn(
    options.plugin ?? 'session-manager-plugin',
    [SESSION_ENV, options.region, 'StartSession', '', JSON.stringify(request), endpoint],
    { env: { ...process.env, [SESSION_ENV]: response }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  plugin.stdout?.on('data', (chunk) => (output += chunk));
  plugin.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => plugin.once('exit', () => resolve()));
  const missing = new Promise<never>((_, reject) =>
    plugin.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new SlipwayError(TUNNEL.PLUGIN_MISSING, 'session-manager-plugin is not installed.', {
              remedy: PLUGIN_INSTALL,
            })
          : error,
      ),
    ),
  );
  const gone = () => plugin.exitCode !== null || plugin.signalCode !== null;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (plugin.pid !== undefined && !gone()) {
        plugin.kill('SIGTERM');
        const killer = setTimeout(() => plugin.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(killer);
      }
      await terminate();
    })());
  if (plugin.pid !== undefined) options.onStarted?.({ pid: plugin.pid, sessionId, close });
  try {
    await Promise.race([
      listening(localPort, options.timeoutMs, gone, options.clock ?? systemClock),
      missing,
    ]);
  } catch (error) {
    await close().catch(() => undefined);
    if (error instanceof SlipwayError) throw error;
    throw new SlipwayError(
      TUNNEL.SSM_FAILED,
      `The Session Manager tunnel did not open: ${(error as Error).message}. Plugin said: ${output.trim().slice(-500) || 'nothing'}`,
      {
        remedy:
          'Check that the SSM agent runs on the bastion, the role may ssm:StartSession on it, and the bastion reaches the database.',
      },
    );
  }
  return { mode: 'ssm', localPort, close };
}

async function listening(
  port: number,
  timeoutMs: number,
  gaveUp: () => boolean,
  clock: Clock,
): Promise<void> {
  const waited = await waitUntil(
    async () => {
      if (gaveUp()) return failed(new Error('the plugin exited'));
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1')
          .once('connect', () => (socket.destroy(), resolve(true)))
          .once('error', () => resolve(false));
      });
      return open ? done(true) : notYet(false);
    },
    // Quick at first: the plugin usually binds its port within a fraction of a second.
    { deadline: clock.now() + timeoutMs, clock, backoff: (attempt) => Math.min(25 * 2 ** attempt, 250) },
  );
  if (waited.kind !== 'done') throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
