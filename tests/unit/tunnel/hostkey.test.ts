import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Teardown } from '@slipway/flows';
import { fingerprintOf, parseHostKeyPin, pinnedAlgorithms } from '@slipway/tunnel';

test('a known_hosts line and ssh-keygen’s fingerprint pin the same key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
  const publicKey = (await readFile(join(dir, 'k.pub'), 'utf8')).trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')])
    .toString()
    .split(' ')[1];
  const [type, blob] = publicKey.split(' ');
  expect(parseHostKeyPin(`[10.0.0.5]:22 ${type} ${blob}`)).toEqual([{ fingerprint, type: 'ssh-ed25519' }]);
  expect(parseHostKeyPin(fingerprint)).toEqual([{ fingerprint }]);
  expect(fingerprintOf(Buffer.from(blob!, 'base64'))).toBe(fingerprint);
});

test('a block pins each line; RSA allows its three signature algorithms; a fingerprint leaves them open', () => {
  const rsa = `10.0.0.5 ssh-rsa ${sshString('ssh-rsa')}`;
  const ecdsa = `10.0.0.5 ecdsa-sha2-nistp256 ${sshString('ecdsa-sha2-nistp256')}`;
  const pins = parseHostKeyPin(`# 10.0.0.5:22 SSH-2.0-OpenSSH_9.2\n${rsa}\r\n\n${ecdsa}\n`);
  expect(pins.map((pin) => pin.type)).toEqual(['ssh-rsa', 'ecdsa-sha2-nistp256']);
  expect(pinnedAlgorithms(pins)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256']);
  expect(pinnedAlgorithms([...pins, { fingerprint: `SHA256:${'A'.repeat(43)}` }])).toBeUndefined();
});

/** A base64 blob that starts with the SSH string `type`, as a public key does. */
function sshString(type: string): string {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(type.length);
  return Buffer.concat([length, Buffer.from(type), Buffer.alloc(8)]).toString('base64');
}

test.each([
  undefined,
  '',
  '# only a comment',
  'not a key',
  'SHA256:short',
  `host ssh-rsa ${sshString('ssh-ed25519')}`,
])('%p is refused with SLW-TUN-004', (pin) => {
  expect(() => parseHostKeyPin(pin)).toThrow(expect.objectContaining({ code: 'SLW-TUN-004' }));
});

test('teardown runs each step once, newest first, within its budget, collecting failures', async () => {
  const order: string[] = [];
  const teardown = new Teardown();
  teardown.add('tunnel', async () => void order.push('tunnel'));
  teardown.add('stuck', () => new Promise(() => order.push('stuck')));
  teardown.add('command', async () => {
    order.push('command');
    throw new Error('already gone');
  });
  const started = Date.now();
  const [first, second] = await Promise.all([teardown.run(300), teardown.run(300)]);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(order).toEqual(['command', 'stuck', 'tunnel']);
  expect(first).toEqual(second);
  expect(first).toEqual(['command: already gone', expect.stringMatching(/^stuck: timed out/)]);
});
