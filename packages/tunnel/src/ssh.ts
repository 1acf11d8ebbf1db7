import { createServer, Server, Socket } from 'node:net';
import { Client } from 'ssh2';
import { SlipwayError } from '@slipway/kit';
import { TUNNEL } from './codes';
import { fingerprintOf } from './hostkey';
import { Tunnel } from './tunnel';

export interface SshTunnelOptions {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** `SHA256:…` of the bastion's host key; any other key is refused before authenticating. */
  hostKeyFingerprint: string;
  remoteHost: string;
  remotePort: number;
  timeoutMs: number;
}

/**
 * An SSH connection to the bastion and a listener on 127.0.0.1 (a port the OS picks) whose
 * connections are forwarded to the database, as `ssh -L` would.
 */
export async function openSshTunnel(options: SshTunnelOptions): Promise<Tunnel> {
  const client = new Client();
  let presented: string | undefined;
  await new Promise<void>((resolve, reject) => {
    client
      .once('ready', resolve)
      .once('error', (error) =>
        reject(
          presented && presented !== options.hostKeyFingerprint
            ? new SlipwayError(
                TUNNEL.HOST_KEY_MISMATCH,
                `The bastion ${options.host}:${options.port} presented host key ${presented}, not the pinned ${options.hostKeyFingerprint}. Refused to connect.`,
                {
                  remedy:
                    'If the bastion was rebuilt, pin its new key after checking it out of band; otherwise someone may be in the middle.',
                },
              )
            : new SlipwayError(
                TUNNEL.SSH_FAILED,
                `SSH to ${options.username}@${options.host}:${options.port} failed: ${error.message}.`,
                {
                  remedy:
                    'Check the key, the user, that the bastion allows TCP forwarding, and the network path to port 22.',
                  cause: error,
                },
              ),
        ),
      )
      .connect({
        host: options.host,
        port: options.port,
        username: options.username,
        privateKey: options.privateKey,
        readyTimeout: options.timeoutMs,
        hostVerifier: (key: Buffer) => (presented = fingerprintOf(key)) === options.hostKeyFingerprint,
      });
  });

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    client.forwardOut('127.0.0.1', 0, options.remoteHost, options.remotePort, (error, stream) => {
      if (error) return socket.destroy(error);
      socket.pipe(stream).pipe(socket);
      socket.once('error', () => stream.destroy());
      stream.once('error', () => socket.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const localPort = (server.address() as { port: number }).port;

  let closed: Promise<void> | undefined;
  return {
    mode: 'ssh',
    localPort,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        client.end();
      })),
  };
}
