import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519KeyPair } from '@slipway/tunnel';
import { execFileSync } from 'node:child_process';
import { freePort, waitForPort, waitForPortClosed } from './ports';

/** OpenSSH's sshd on loopback, standing in for a bastion: key login only, TCP forwarding allowed. */
export interface Bastion {
  host: string;
  port: number;
  user: string;
  /** The private key whose public half is authorised, OpenSSH format. */
  privateKey: string;
  /** The host key's `SHA256:…` fingerprint and a known_hosts line, the two pin forms we accept. */
  fingerprint: string;
  knownHostsLine: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startBastion(): Promise<Bastion> {
  // sshd insists on its privilege-separation directory, which Debian creates only for the service.
  await mkdir('/run/sshd', { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'slipway-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const client = ed25519KeyPair();
  await writeFile(join(dir, 'authorized_keys'), `${client.public}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'UsePAM no',
      'LogLevel VERBOSE',
    ].join('\n'),
  );
  const user = (await import('node:os')).userInfo().username;
  let log = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitForPort(port, 10_000);
  const publicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])
    .toString()
    .split(' ')[1]!;
  return {
    host: '127.0.0.1',
    port,
    user,
    privateKey: client.private,
    fingerprint,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey.split(' ').slice(0, 2).join(' ')}`,
    log: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await waitForPortClosed(port, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
