/**
 * Time from "open a tunnel" to the first `SELECT 1` through it: our in-process SSH tunnel (ssh2, host
 * key pinned) against the OpenSSH client doing `ssh -N -L` as the seeds' scripts do, in one run.
 *
 *   npm run bench:tunnel -- [--runs 10]
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DbTarget, targetFromUrl, waitForDatabase } from '@slipway/db';
import { freeLocalPort, openSshTunnel } from '@slipway/tunnel';
import { startPostgres } from '../tests/helpers/postgres';
import { startBastion } from '../tests/helpers/sshd';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const [pg, bastion] = await Promise.all([startPostgres('bench-tunnel'), startBastion()]);
  const database = targetFromUrl(pg.url);
  const keyFile = join(await mkdtemp(join(tmpdir(), 'slipway-bench-')), 'id');
  await writeFile(keyFile, bastion.privateKey);
  await chmod(keyFile, 0o600);
  const through = (port: number): DbTarget => ({ ...database, host: '127.0.0.1', port });
  const ours: number[] = [];
  const openssh: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      let started = performance.now();
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
      await waitForDatabase(through(tunnel.localPort), { timeoutMs: 10_000 });
      ours.push(performance.now() - started);
      await tunnel.close();

      started = performance.now();
      const port = await freeLocalPort();
      const ssh = spawn(
        'ssh',
        [
          '-N',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'ExitOnForwardFailure=yes',
          '-i',
          keyFile,
          '-p',
          String(bastion.port),
          '-L',
          `127.0.0.1:${port}:${database.host}:${database.port}`,
          `${bastion.user}@${bastion.host}`,
        ],
        { stdio: 'ignore' },
      );
      await waitForDatabase(through(port), { timeoutMs: 10_000 });
      openssh.push(performance.now() - started);
      ssh.kill();
    }
  } finally {
    await Promise.all([pg.stop(), bastion.stop()]);
  }
  const ms = (x: number) => `${(x / 1000).toFixed(3)} s`;
  console.log(
    `\nStart → first SELECT 1 through an SSH tunnel (${runs} runs each, same bastion and database)\n`,
  );
  console.log('| tunnel | median | max | ratio to OpenSSH |\n|---|---|---|---|');
  console.log(
    `| slipway (ssh2, host key pinned) | ${ms(median(ours))} | ${ms(Math.max(...ours))} | ${(median(ours) / median(openssh)).toFixed(2)} |`,
  );
  console.log(
    `| OpenSSH \`ssh -N -L\` (baseline) | ${ms(median(openssh))} | ${ms(Math.max(...openssh))} | 1.00 |`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
