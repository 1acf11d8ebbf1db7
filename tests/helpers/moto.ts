import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, LOOPBACK, waitForPortClosed, waitUntil } from './ports';

/** A moto server (an independent AWS API emulator) on loopback. */
export interface MotoServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash); use it as the AWS endpoint. */
  url: string;
  port: number;
  /** True when MOTO_URL pointed at a server we did not start (stop is then a no-op). */
  external: boolean;
  /** Last lines moto printed (empty for an external server). */
  output(): string;
  /** Kills the server and its children and waits until its port is closed. Idempotent. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Deadline for moto to answer HTTP (default 30 s; it imports a lot of Python on start). */
  timeoutMs?: number;
  /** The executable (default: moto_server on PATH). */
  command?: string;
}

export const MOTO_INSTALL_REMEDY = 'pip install "moto[server]"';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it answers GET /moto-api/.
 * If MOTO_URL is set, uses that server instead: it is reset (POST /moto-api/reset) so each caller
 * starts from an empty state, and stop() leaves it running.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const external = process.env.MOTO_URL;
  if (external) return useExternalMoto(external);

  const attempts = 3;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await spawnMoto(await freePort(), options);
    } catch (err) {
      // Another process may take the free port between our check and moto's bind: try a new one.
      if (!(err instanceof PortInUseError)) throw err;
      lastError = err;
    }
  }
  throw lastError ?? new Error('startMoto: could not start moto_server');
}

class PortInUseError extends Error {}

async function useExternalMoto(rawUrl: string): Promise<MotoServer> {
  const url = rawUrl.replace(/\/+$/, '');
  const parsed = new URL(url);
  try {
    const res = await fetch(`${url}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    await res.arrayBuffer();
  } catch (err) {
    throw new Error(`MOTO_URL=${url} did not accept POST /moto-api/reset: ${errorText(err)}`, { cause: err });
  }
  return {
    url,
    port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
    external: true,
    output: () => '',
    stop: async () => undefined,
  };
}

async function spawnMoto(port: number, options: StartMotoOptions): Promise<MotoServer> {
  const command = options.command ?? 'moto_server';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const url = `http://${LOOPBACK}:${port}`;

  // Own process group, so stop() can signal moto and anything it spawned in one go.
  const child = spawn(command, ['-H', LOOPBACK, '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  installExitHook();
  live.add(child);

  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    // Always drain the pipes (a full pipe would block moto); keep only the tail for error messages.
    lines.push(...chunk.toString('utf8').split(/\r?\n/).filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const output = () => lines.join('\n');

  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      exit ??= { code: null, signal: null, error };
      live.delete(child);
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit ??= { code, signal };
      live.delete(child);
      resolve();
    });
  });

  const stop = async () => {
    if (!exit) {
      signalGroup(child, 'SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) {
        signalGroup(child, 'SIGKILL');
        await exited;
      }
    }
    // Any process of the group still alive (e.g. a reloader's child) goes too.
    signalGroup(child, 'SIGKILL');
    await waitForPortClosed(port, 5_000);
  };

  try {
    await waitUntil(async () => exit !== undefined || (await answers(url)), {
      timeoutMs,
      intervalMs: 100,
      what: `moto_server to answer GET ${url}/moto-api/`,
    });
  } catch (err) {
    await stop().catch(() => undefined);
    throw new Error(`${errorText(err)}\nmoto_server output:\n${output()}`, { cause: err });
  }

  if (exit) {
    const { code, signal, error } = exit;
    if (error?.code === 'ENOENT' || code === 127) {
      throw new Error(
        `moto_server is not installed (${command} not found on PATH). Install it with: ${MOTO_INSTALL_REMEDY} ` +
          '(or set MOTO_URL to a running moto server).',
      );
    }
    const text = output();
    if (/address already in use/i.test(text)) throw new PortInUseError(`port ${port} is in use:\n${text}`);
    throw new Error(
      `moto_server exited before answering (code ${code}, signal ${signal}${error ? `, ${error.message}` : ''}). ` +
        `If it is missing or incomplete, install it with: ${MOTO_INSTALL_REMEDY}\nmoto_server output:\n${text}`,
    );
  }

  return { url, port, external: false, output, stop: once(stop) };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone.
  }
}

/** If the test process exits without calling stop(), take the servers down with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) signalGroup(child, 'SIGKILL');
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
