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
  /** One known_hosts line per host key, in the order of `hostKeyTypes` (what ssh-keyscan prints). */
  knownHostsLines: string[];
  log(): string;
  stop(): Promise<void>;
}

/** `hostKeyTypes`: the host keys sshd offers, as ssh-keygen -t names them; the first is `fingerprint`'s. */
export async function startBastion({ hostKeyTypes = ['ed25519'] } = {}): Promise<Bastion> {
  // sshd insists on its privilege-separation directory, which Debian creates only for the service.
  await mkdir('/run/sshd', { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'slipway-sshd-'));
  const hostKeys = hostKeyTypes.map((type) => join(dir, `host_${type}`));
  hostKeyTypes.forEach((type, i) =>
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', hostKeys[i]!]),
  );
  const hostKey = hostKeys[0]!;
  const client = ed25519KeyPair();
  await writeFile(join(dir, 'authorized_keys'), `${client.public}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      ...hostKeys.map((key) => `HostKey ${key}`),
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
  const knownHostsLines = await Promise.all(
    hostKeys.map(
      async (key) =>
        `[127.0.0.1]:${port} ${(await readFile(`${key}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ')}`,
    ),
  );
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])
    .toString()
    .split(' ')[1]!;
  return {
    host: '127.0.0.1',
    port,
    user,
    privateKey: client.private,
    fingerprint,
    knownHostsLine: knownHostsLines[0]!,
    knownHostsLines,
    log: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await waitForPortClosed(port, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
