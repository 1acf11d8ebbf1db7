import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOOPBACK = '127.0.0.1';

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago (bind :0, read the port, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected server address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 50 ms). */
  intervalMs?: number;
  /** What is being waited for; named in the timeout error. */
  what?: string;
}

/**
 * Polls `check` until it returns a truthy value (which is returned) or the deadline passes.
 * A check that throws counts as "not yet"; the last error is quoted in the timeout error.
 */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(intervalMs, remaining));
  }
  const cause = lastError === undefined ? '' : `; last error: ${errorText(lastError)}`;
  throw new Error(`Timed out after ${Date.now() - started} ms waiting for ${what}${cause}`);
}

/**
 * Reads until `done` holds, failing with the last value seen after 10 s; an error thrown by `read` fails
 * at once (unlike waitUntil, which counts it as "not yet").
 */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

/** True if something accepts TCP connections on host:port right now. */
export function isPortOpen(port: number, host = LOOPBACK, connectTimeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(connectTimeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 10_000, host = LOOPBACK): Promise<void> {
  await waitUntil(() => isPortOpen(port, host), { timeoutMs, what: `${host}:${port} to accept connections` });
}

/** Waits until nothing accepts TCP connections on 127.0.0.1:port any more. */
export async function waitForPortClosed(port: number, timeoutMs = 10_000, host = LOOPBACK): Promise<void> {
  await waitUntil(async () => !(await isPortOpen(port, host)), {
    timeoutMs,
    what: `${host}:${port} to stop accepting connections`,
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
