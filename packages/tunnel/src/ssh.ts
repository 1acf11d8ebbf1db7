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
  // Without no-delay, Nagle's algorithm holds each small write for the peer's delayed ACK (~40 ms a query).
  const sock = coalesceWrites(createConnection({ host: options.host, port: options.port, noDelay: true }));
  await new Promise<void>((resolve, reject) => {
    client
      .once('ready', resolve)
      .once('error', (error) => reject(error))
      .connect({
        sock,
        username: options.username,
        privateKey: options.privateKey,
        readyTimeout: options.timeoutMs,
        // Only pinned kinds of key may be negotiated: a server must prove the key it was pinned by.
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as ServerHostKeyAlgorithm[] } } : {}),
        hostVerifier: (key: Buffer) => {
          presented = { fingerprint: fingerprintOf(key), type: keyTypeOf(key) };
          return pinned.includes(presented.fingerprint);
        },
      });
  }).catch(async (error: Error) => {
    sock.destroy();
    throw await connectionError(options, error, presented, algorithms);
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

/**
 * ssh2 writes each packet in parts (length, body, tag), and with no-delay every write is a segment of
 * its own: the writes of one tick are corked and leave together, as one.
 */
function coalesceWrites(sock: Socket): Socket {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  sock.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(() => {
        corked = false;
        sock.uncork();
      });
    }
    return write(...args);
  }) as Socket['write'];
  return sock;
}

/** The type of host key the bastion presents when any may be negotiated: asked only to explain a refusal. */
async function presentedKeyType(options: SshTunnelOptions): Promise<string | undefined> {
  const probe = new Client();
  let type: string | undefined;
  await new Promise<void>((resolve) =>
    probe
      .once('error', () => resolve())
      .once('ready', () => resolve())
      .connect({
        host: options.host,
        port: options.port,
        username: options.username,
        readyTimeout: options.timeoutMs,
        hostVerifier: (key: Buffer) => {
          type = keyTypeOf(key);
          return false;
        },
      }),
  );
  probe.end();
  return type;
}

async function connectionError(
  options: SshTunnelOptions,
  error: Error,
  presented: { fingerprint: string; type: string } | undefined,
  algorithms: string[] | undefined,
): Promise<SlipwayError> {
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
    const offered = await presentedKeyType(options);
    return new SlipwayError(
      TUNNEL.HOST_KEY_ALGORITHM,
      `The bastion ${where} offers no host key of a pinned type (it presents ${offered ?? 'another type'}), and "ssh-host-key" pins ` +
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
