/**
 * Time from "open a tunnel" to the first `SELECT 1` through it: our in-process SSH tunnel (ssh2, host
 * key pinned) against the OpenSSH client doing `ssh -N -L` (host key pinned too), in one run. Both are
 * timed from the moment the tunnel is asked for to the first successful SELECT 1, polled by the same loop.
 *
 *   npm run bench:tunnel -- [--runs 10]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DbTarget, targetFromUrl } from '@slipway/db';
import { freeLocalPort, openSshTunnel } from '@slipway/tunnel';
import { startPostgres } from '../tests/helpers/postgres';
import { Bastion, startBastion } from '../tests/helpers/sshd';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const TARGET_MS = 1_000;
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

async function ours(bastion: Bastion, database: DbTarget): Promise<number> {
  const started = performance.now();
  const tunnel = await openSshTunnel({
    host: bastion.host,
    port: bastion.port,
    username: bastion.user,
    privateKey: bastion.privateKey,
    hostKeyFingerprint: bastion.fingerprint,
    remoteHost: database.host,
    remotePort: database.port,
    timeoutMs: 10_000,
  });
  try {
    await firstSelect(database, tunnel.localPort);
    return performance.now() - started;
  } finally {
    await tunnel.close();
  }
}

async function openssh(bastion: Bastion, database: DbTarget, dir: string): Promise<number> {
  const started = performance.now();
  const port = await freeLocalPort();
  let ssh: ChildProcess | undefined;
  try {
    ssh = spawn(
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
    await firstSelect(database, port);
    return performance.now() - started;
  } finally {
    if (ssh && ssh.exitCode === null && ssh.signalCode === null) {
      const exited = new Promise((resolve) => ssh!.once('exit', resolve));
      ssh.kill();
      await exited;
    }
  }
}

async function main() {
  const [pg, bastion] = await Promise.all([startPostgres('bench-tunnel'), startBastion()]);
  const database = targetFromUrl(pg.url);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
  await writeFile(join(dir, 'id'), bastion.privateKey);
  await chmod(join(dir, 'id'), 0o600);
  await writeFile(join(dir, 'known_hosts'), `${bastion.knownHostsLine}\n`);
  const times = { ours: [] as number[], openssh: [] as number[] };
  try {
    // One uncounted round warms both up; then alternate who goes first.
    await ours(bastion, database);
    await openssh(bastion, database, dir);
    for (let i = 0; i < runs; i++) {
      const measure = [
        async () => times.ours.push(await ours(bastion, database)),
        async () => times.openssh.push(await openssh(bastion, database, dir)),
      ];
      for (const run of i % 2 ? measure.reverse() : measure) await run();
    }
  } finally {
    await Promise.all([pg.stop(), bastion.stop(), rm(dir, { recursive: true, force: true })]);
  }
  const ms = (x: number) => `${(x / 1000).toFixed(3)} s`;
  const verdict = (xs: number[]) => (Math.max(...xs) <= TARGET_MS ? '✅ pass' : '❌ fail');
  console.log(
    `\nStart → first SELECT 1 through an SSH tunnel, host key pinned (${runs} runs each, same bastion, database and poll loop)\n`,
  );
  console.log(
    `| tunnel | median | max | target (every run ≤ ${ms(TARGET_MS)}) | ratio to OpenSSH |\n|---|---|---|---|---|`,
  );
  const row = (name: string, xs: number[]) =>
    console.log(
      `| ${name} | ${ms(median(xs))} | ${ms(Math.max(...xs))} | ${verdict(xs)} | ${(median(xs) / median(times.openssh)).toFixed(2)} |`,
    );
  row('slipway (ssh2)', times.ours);
  row('OpenSSH `ssh -N -L` (baseline)', times.openssh);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
