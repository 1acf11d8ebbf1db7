/**
 * Our in-process SSH tunnel (ssh2, host key pinned) against the OpenSSH client doing `ssh -N -L` (host
 * key pinned too), in one run, through the same bastion to the same database: the time from asking for a
 * tunnel to the first successful SELECT 1 (polled by the same loop), one query's round trip over 200
 * queries on one connection, and the SQL migrator applying 50 migrations into a fresh database.
 *
 *   npm run bench:tunnel -- [--runs 10]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DbTarget, migrate, targetFromUrl } from '@slipway/db';
import { memoryLogger } from '@slipway/kit';
import { freeLocalPort, openSshTunnel, parseHostKeyPin } from '@slipway/tunnel';
import { startPostgres } from '../tests/helpers/postgres';
import { Bastion, startBastion } from '../tests/helpers/sshd';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const QUERIES = 200;
const MIGRATIONS = 50;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Connect and SELECT 1 every 10 ms until one succeeds: the one readiness check both tunnels get. */
async function firstSelect(database: DbTarget, port: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const client = new Client({ ...database, host: '127.0.0.1', port, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A forward's local end, however it was opened. */
interface Forward {
  port: number;
  close(): Promise<void>;
}

async function openOurs(bastion: Bastion, database: DbTarget): Promise<Forward> {
  const tunnel = await openSshTunnel({
    host: bastion.host,
    port: bastion.port,
    username: bastion.user,
    privateKey: bastion.privateKey,
    hostKeys: parseHostKeyPin(bastion.knownHostsLine),
    remoteHost: database.host,
    remotePort: database.port,
    timeoutMs: 10_000,
  });
  return { port: tunnel.localPort, close: tunnel.close };
}

/** `ssh -N -L`; it is open once a SELECT 1 gets through (OpenSSH says nothing when its forward is ready). */
async function openOpenssh(bastion: Bastion, database: DbTarget, dir: string): Promise<Forward> {
  const port = await freeLocalPort();
  const ssh: ChildProcess = spawn(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-N',
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      '-o',
      'ExitOnForwardFailure=yes',
      '-i',
      join(dir, 'id'),
      '-p',
      String(bastion.port),
      '-L',
      `127.0.0.1:${port}:${database.host}:${database.port}`,
      `${bastion.user}@${bastion.host}`,
    ],
    { stdio: 'ignore' },
  );
  const close = async () => {
    if (ssh.exitCode !== null || ssh.signalCode !== null) return;
    const exited = new Promise((resolve) => ssh.once('exit', resolve));
    ssh.kill();
    await exited;
  };
  try {
    await firstSelect(database, port);
  } catch (error) {
    await close();
    throw error;
  }
  return { port, close };
}

/** Start → first SELECT 1 through a fresh forward. */
async function firstSelectTime(open: () => Promise<Forward>, database: DbTarget): Promise<number> {
  const started = performance.now();
  const forward = await open();
  try {
    await firstSelect(database, forward.port);
    return performance.now() - started;
  } finally {
    await forward.close();
  }
}

/** Mean time of one `SELECT 1` over QUERIES sequential queries on one connection. */
async function roundTrip(port: number, database: DbTarget): Promise<number> {
  const client = new Client({ ...database, host: '127.0.0.1', port });
  await client.connect();
  try {
    await client.query('SELECT 1');
    const started = performance.now();
    for (let i = 0; i < QUERIES; i++) await client.query('SELECT 1');
    return (performance.now() - started) / QUERIES;
  } finally {
    await client.end();
  }
}

/** MIGRATIONS files applied by the SQL migrator, through the forward, into a fresh database. */
async function migrations(port: number, database: DbTarget, dir: string, name: string): Promise<number> {
  const admin = new Client({ ...database, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const started = performance.now();
    await migrate(
      { ...database, host: '127.0.0.1', port, database: name },
      { dir, dryRun: false, lockTimeoutMs: 10_000, logger: memoryLogger() },
    );
    return performance.now() - started;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main() {
  const [pg, bastion] = await Promise.all([startPostgres('bench-tunnel'), startBastion()]);
  const database = targetFromUrl(pg.url);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
  const migrationsDir = join(dir, 'migrations');
  await mkdir(migrationsDir);
  for (let i = 1; i <= MIGRATIONS; i++) {
    await writeFile(
      join(migrationsDir, `${i}_table.sql`),
      `CREATE TABLE t${i} (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);\nINSERT INTO t${i} (name) VALUES ('a'), ('b');\n`,
    );
  }
  await writeFile(join(dir, 'id'), bastion.privateKey);
  await chmod(join(dir, 'id'), 0o600);
  await writeFile(join(dir, 'known_hosts'), `${bastion.knownHostsLine}\n`);
  const tunnels = {
    ours: () => openOurs(bastion, database),
    openssh: () => openOpenssh(bastion, database, dir),
  };
  type Who = keyof typeof tunnels;
  const times = {
    first: { ours: [] as number[], openssh: [] as number[] },
    query: { ours: [] as number[], openssh: [] as number[] },
    migrations: { ours: [] as number[], openssh: [] as number[] },
  };
  let databases = 0;
  const measure = async (who: Who, counted: boolean) => {
    const first = await firstSelectTime(tunnels[who], database);
    const forward = await tunnels[who]();
    try {
      const query = await roundTrip(forward.port, database);
      const migrated = await migrations(forward.port, database, migrationsDir, `bench_${who}_${databases++}`);
      if (!counted) return;
      times.first[who].push(first);
      times.query[who].push(query);
      times.migrations[who].push(migrated);
    } finally {
      await forward.close();
    }
  };
  try {
    // One uncounted round warms both up; then alternate who goes first.
    await measure('ours', false);
    await measure('openssh', false);
    for (let i = 0; i < runs; i++) {
      const order: Who[] = i % 2 ? ['openssh', 'ours'] : ['ours', 'openssh'];
      for (const who of order) await measure(who, true);
    }
  } finally {
    await Promise.all([pg.stop(), bastion.stop(), rm(dir, { recursive: true, force: true })]);
  }
  const ms = (x: number) => (x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);
  console.log(
    `\nThrough an SSH tunnel to PostgreSQL, host key pinned: slipway (ssh2) against OpenSSH \`ssh -N -L\` ` +
      `(${runs} runs each, medians; same bastion, database and client)\n`,
  );
  console.log(
    '| measure | slipway (ssh2) | OpenSSH (baseline) | ratio | target | verdict |\n|---|---|---|---|---|---|',
  );
  const row = (what: string, xs: { ours: number[]; openssh: number[] }, target: number) => {
    const ratio = median(xs.ours) / median(xs.openssh);
    console.log(
      `| ${what} | ${ms(median(xs.ours))} | ${ms(median(xs.openssh))} | ${ratio.toFixed(2)}× | ≤ ${target}× | ${ratio <= target ? '✅ pass' : '❌ fail'} |`,
    );
  };
  row('start → first SELECT 1', times.first, 1.2);
  row(`one SELECT 1 round trip (mean of ${QUERIES})`, times.query, 1.5);
  row(`${MIGRATIONS} migrations (SQL migrator)`, times.migrations, 1.5);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
