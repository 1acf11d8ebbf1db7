import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DbTarget, targetFromUrl } from '@slipway/db';
import { HostKeyPin, openSshTunnel, parseHostKeyPin } from '@slipway/tunnel';
import { PgServer, startPostgres } from '../../helpers/postgres';
import { Bastion, startBastion } from '../../helpers/sshd';

let pg: PgServer;
let database: DbTarget;
let bastion: Bastion;

beforeAll(async () => {
  [pg, bastion] = await Promise.all([
    startPostgres('tunnel-ssh'),
    startBastion({ hostKeyTypes: ['ed25519', 'ecdsa'] }),
  ]);
  database = targetFromUrl(pg.url);
}, 60_000);
afterAll(() => Promise.all([pg?.stop(), bastion?.stop()]));

const open = (hostKeys: HostKeyPin[]) =>
  openSshTunnel({
    host: bastion.host,
    port: bastion.port,
    username: bastion.user,
    privateKey: bastion.privateKey,
    hostKeys,
    remoteHost: database.host,
    remotePort: database.port,
    timeoutMs: 10_000,
  });

/** A known_hosts line for a key the bastion does not have. */
async function strangerLine(type: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-key-'));
  try {
    // A short RSA key is made quickly; only its type matters here.
    const bits = type === 'rsa' ? ['-b', '1024'] : [];
    execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-f', join(dir, 'k')]);
    const [keyType, blob] = (await readFile(join(dir, 'k.pub'), 'utf8')).split(' ');
    return `[127.0.0.1]:${bastion.port} ${keyType} ${blob}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('queries through the tunnel are not held by Nagle: 50 round trips well under 40 ms each', async () => {
  const tunnel = await open(parseHostKeyPin(bastion.knownHostsLines.join('\n')));
  const client = new Client({ ...database, host: '127.0.0.1', port: tunnel.localPort });
  try {
    await client.connect();
    await client.query('SELECT 1');
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await client.query('SELECT $1::int AS n', [i]);
      times.push(performance.now() - started);
    }
    // A delayed ACK holds each small write ~40 ms; without no-delay every round trip pays it. The bound
    // sits below that, with room for a busy machine.
    expect([...times].sort((a, b) => a - b)[25]).toBeLessThan(30);
  } finally {
    await client.end();
    await tunnel.close();
  }
});

async function selectOne(hostKeys: HostKeyPin[]): Promise<unknown> {
  const tunnel = await open(hostKeys);
  const client = new Client({ ...database, host: '127.0.0.1', port: tunnel.localPort });
  try {
    await client.connect();
    return (await client.query('SELECT 1 AS one')).rows;
  } finally {
    await client.end();
    await tunnel.close();
  }
}

test('every key of a pasted ssh-keyscan block is pinned, not only the first', async () => {
  // ssh2 prefers ed25519; the block's first line is the bastion's ecdsa key.
  const [ed25519, ecdsa] = bastion.knownHostsLines;
  const pins = parseHostKeyPin(`# 127.0.0.1 SSH-2.0-OpenSSH\n${ecdsa}\n\n${ed25519}\n`);
  expect(pins.map((pin) => pin.type)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  expect(await selectOne(pins)).toEqual([{ one: 1 }]);
});

test('the negotiated host-key algorithm is a pinned one', async () => {
  // The bastion also offers ed25519, which ssh2 would pick, and which is not pinned.
  expect(await selectOne(parseHostKeyPin(bastion.knownHostsLines[1]))).toEqual([{ one: 1 }]);
});

test('pinning a key type the bastion does not offer names the algorithms (SLW-TUN-015)', async () => {
  await expect(open(parseHostKeyPin(await strangerLine('rsa')))).rejects.toMatchObject({
    code: 'SLW-TUN-015',
    message: expect.stringMatching(
      /offers no host key of a pinned type \(it presents ssh-ed25519\).*pins ssh-rsa/,
    ),
  });
});

test('a pinned key of the offered type that differs is a mismatch (SLW-TUN-003)', async () => {
  await expect(open(parseHostKeyPin(await strangerLine('ed25519')))).rejects.toMatchObject({
    code: 'SLW-TUN-003',
    message: expect.stringContaining('presented ssh-ed25519 host key'),
  });
});
