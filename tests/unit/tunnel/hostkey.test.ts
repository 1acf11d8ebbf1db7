import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, parseHostKeyPin, Teardown } from '@slipway/tunnel';

test('a known_hosts line and ssh-keygen’s fingerprint pin the same key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
  const publicKey = (await readFile(join(dir, 'k.pub'), 'utf8')).trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')])
    .toString()
    .split(' ')[1];
  const [type, blob] = publicKey.split(' ');
  expect(parseHostKeyPin(`[10.0.0.5]:22 ${type} ${blob}`)).toBe(fingerprint);
  expect(parseHostKeyPin(fingerprint)).toBe(fingerprint);
  expect(fingerprintOf(Buffer.from(blob!, 'base64'))).toBe(fingerprint);
});

test.each([undefined, '', 'not a key', 'SHA256:short'])('%p is refused with SLW-TUN-004', (pin) => {
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
