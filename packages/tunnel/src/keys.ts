import { utils } from 'ssh2';

/**
 * A fresh ed25519 key pair in OpenSSH form. ssh2's generator strips a public key's leading zero bytes, so
 * about one key in 256 comes out malformed (mscdex/ssh2#1513); such a pair is made again.
 */
export function ed25519KeyPair(comment?: string): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private) instanceof Error))
      return pair;
  }
}
