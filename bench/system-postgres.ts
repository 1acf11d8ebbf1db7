/**
 * A throwaway PostgreSQL server from the system's binaries (the ones pg_dump and psql belong to, so
 * that a pg_dump baseline talks to a server of its own major version), tuned like the test servers.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../tests/helpers/ports';

export interface SystemPostgres {
  url: string;
  stop(): Promise<void>;
}

const bindir = () => execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
const asPostgres = (command: string, args: string[]) =>
  process.getuid?.() === 0
    ? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] }
    : { command, args };

export async function startSystemPostgres(): Promise<SystemPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'bench\n', { mode: 0o644 });
  const initdb = asPostgres(join(bindir(), 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--pwfile',
    pwfile,
    '--auth=scram-sha-256',
    '--no-sync',
    '--encoding=UTF8',
    '--locale=C',
  ]);
  execFileSync(initdb.command, initdb.args, { stdio: 'ignore' });
  const port = await freePort();
  const server = asPostgres(join(bindir(), 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]);
  const child = spawn(server.command, server.args, { stdio: 'ignore' });
  const url = `postgres://postgres:bench@127.0.0.1:${port}/postgres`;
  for (let attempt = 0; ; attempt++) {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // runuser does not pass signals on: stop the postmaster itself (fast shutdown).
      process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
