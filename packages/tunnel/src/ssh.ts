import { createConnection, createServer, Server, Socket } from 'node:net';
import { Client, ServerHostKeyAlgorithm } from 'ssh2';
import { SlipwayError } from '@slipway/kit';
import { TUNNEL } from './codes';
import { HostKeyPin, fingerprintOf, keyTypeOf, pinnedAlgorithms } from './hostkey';
import { Tunnel } from './tunnel';

export interface SshTunnelOptions {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** The bastion's pinned host keys; any other key is refused before authenticating. */
  hostKeys: HostKeyPin[];
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
  const pinned = options.hostKeys.map((pin) => pin.fingerprint);
  const algorithms = pinnedAlgorithms(options.hostKeys);
  let presented: { fingerprint: string; type: string } | undefined;
  let offered: string | undefined;
  // Without no-delay, Nagle's algorithm holds each small write for the peer's delayed ACK (~40 ms a query).
  const sock = createConnection({ host: options.host, port: options.port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    client
      .once('ready', resolve)
      .once('error', (error) => reject(connectionError(options, error, presented, offered, algorithms)))
      .connect({
        sock,
        username: options.username,
        privateKey: options.privateKey,
        readyTimeout: options.timeoutMs,
        // Only pinned kinds of key may be negotiated: a server must prove the key it was pinned by.
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as ServerHostKeyAlgorithm[] } } : {}),
        // ssh2 tells what the server offers only in its debug lines; wanted for a mismatch's message.
        ...(algorithms
          ? {
              debug: (line: string) => {
                offered = /^Handshake: \(remote\) Host key format: (.*)$/.exec(line)?.[1] ?? offered;
              },
            }
          : {}),
        hostVerifier: (key: Buffer) => {
          presented = { fingerprint: fingerprintOf(key), type: keyTypeOf(key) };
          return pinned.includes(presented.fingerprint);
        },
      });
  }).catch((error: unknown) => {
    sock.destroy();
    throw error;
  });

  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
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

function connectionError(
  options: SshTunnelOptions,
  error: Error,
  presented: { fingerprint: string; type: string } | undefined,
  offered: string | undefined,
  algorithms: string[] | undefined,
): SlipwayError {
  const where = `${options.host}:${options.port}`;
  if (presented && !options.hostKeys.some((pin) => pin.fingerprint === presented.fingerprint)) {
    return new SlipwayError(
      TUNNEL.HOST_KEY_MISMATCH,
      `The bastion ${where} presented ${presented.type} host key ${presented.fingerprint}, not a pinned one ` +
        `(${options.hostKeys.map((pin) => pin.fingerprint).join(', ')}). Refused to connect.`,
      {
        remedy:
          'If the bastion was rebuilt, pin its new key after checking it out of band; otherwise someone may be in the middle.',
      },
    );
  }
  if (!presented && algorithms && /no matching host key format/.test(error.message)) {
    return new SlipwayError(
      TUNNEL.HOST_KEY_ALGORITHM,
      `The bastion ${where} offers host keys of type ${offered ?? 'unknown'} only, and "ssh-host-key" pins ` +
        `${[...new Set(options.hostKeys.map((pin) => pin.type))].join(', ')}. Refused to connect.`,
      {
        remedy:
          'Pin the key the bastion uses: ssh-keyscan prints one line per key type; give them all, or its SHA256 fingerprint.',
      },
    );
  }
  return new SlipwayError(
    TUNNEL.SSH_FAILED,
    `SSH to ${options.username}@${where} failed: ${error.message}.`,
    {
      remedy:
        'Check the key, the user, that the bastion allows TCP forwarding, and the network path to port 22.',
      cause: error,
    },
  );
}
