import { createHash } from 'node:crypto';
import { utils } from 'ssh2';
import { ed25519KeyPair } from '@slipway/tunnel';

test('every key pair parses, the ~1 in 256 that ssh2 would emit malformed included', () => {
  // 1024 pairs: the chance that none would have come out malformed without the retry is (255/256)^1024 ≈ 2%.
  const fingerprints = new Set<string>();
  for (let i = 0; i < 1024; i++) {
    const pair = ed25519KeyPair('test');
    const parsed = utils.parseKey(pair.public);
    if (parsed instanceof Error) throw parsed;
    expect(utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
    fingerprints.add(createHash('sha256').update(parsed.getPublicSSH()).digest('base64'));
  }
  expect(fingerprints.size).toBe(1024);
});
