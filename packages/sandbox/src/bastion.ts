import { createHash, timingSafeEqual } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ed25519KeyPair } from '@slipway/tunnel';
import { Server, utils } from 'ssh2';

/** An SSH bastion on loopback that only forwards TCP (`ssh -L`), for the demo: no OpenSSH needed. */
export interface LocalBastion {
  host: string;
  port: number;
  user: string;
  /** The one key it accepts, as OpenSSH PEM. */
  privateKey: string;
  /** Its host key's fingerprint, SHA256:<base64>, as run-migrations pins it. */
  fingerprint: string;
  stop(): Promise<void>;
}

export async function startLocalBastion(user = 'ec2-user'): Promise<LocalBastion> {
  const hostKey = ed25519KeyPair();
  const clientKey = ed25519KeyPair();
  const allowed = utils.parseKey(clientKey.public);
  if (allowed instanceof Error) throw allowed;
  const hostPublic = utils.parseKey(hostKey.public);
  if (hostPublic instanceof Error) throw hostPublic;

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (context) => {
      const offered = context.method === 'publickey' ? context.key : undefined;
      const matches =
        context.username === user &&
        offered !== undefined &&
        offered.algo === allowed.type &&
        offered.data.length === allowed.getPublicSSH().length &&
        timingSafeEqual(offered.data, allowed.getPublicSSH());
      // A key offered without a signature is only asked about; accept it once it is signed.
      if (matches && context.method === 'publickey' && context.signature && context.blob) {
        if (allowed.verify(context.blob, context.signature, context.hashAlgo) === true)
          return context.accept();
      } else if (matches) return context.accept();
      context.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        const upstream = connectTcp(info.destPort, info.destIP);
        upstream.once('error', () => reject?.());
        upstream.once('connect', () => {
          const channel = accept();
          channel.pipe(upstream).pipe(channel);
          channel.on('close', () => upstream.destroy());
          upstream.on('close', () => channel.close());
        });
      });
      client.on('session', (_accept, reject) => reject());
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fingerprint = `SHA256:${createHash('sha256').update(hostPublic.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    user,
    privateKey: clientKey.private,
    fingerprint,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
