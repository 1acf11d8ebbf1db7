import { execFile } from 'node:child_process';
import { X509Certificate, createSign, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Server, createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

/**
 * A token service for docker-registry's `auth: token` mode, the Bearer flow Docker Hub, GHCR and
 * Harbor use: it checks a user's Basic login and hands out an RS256 JWT for the scopes asked, signed
 * with a throwaway key whose self-signed certificate the registry trusts (rootcertbundle), named in
 * the token's x5c header.
 */
export interface TokenService {
  realm: string;
  service: string;
  issuer: string;
  certificate: string;
  /** Token requests so far, with the user each was for (undefined: anonymous). */
  requests: { user?: string; scope: string }[];
  stop(): Promise<void>;
}

export async function startTokenService(
  dir: string,
  login: { username: string; password: string },
): Promise<TokenService> {
  const key = join(dir, 'token.key');
  const certificate = join(dir, 'token.crt');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=slipway-test-token',
    '-keyout',
    key,
    '-out',
    certificate,
  ]);
  const privateKey = await readFile(key, 'utf8');
  const der = new X509Certificate(await readFile(certificate)).raw.toString('base64');
  const issuer = 'slipway-test-issuer';
  const service = 'slipway-test-registry';
  const requests: TokenService['requests'] = [];
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    const [user, password] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(/:(.*)/s) : [];
    const scope = url.searchParams.getAll('scope').join(' ');
    requests.push({ user, scope });
    if (basic && (user !== login.username || password !== login.password)) {
      response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad login"}');
      return;
    }
    // Anonymous callers get a token with no access, as public registries answer.
    const access = basic
      ? scope
          .split(' ')
          .filter(Boolean)
          .map((s) => {
            const [type, name, actions] = s.split(':');
            return { type, name, actions: actions!.split(',') };
          })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = encode({ alg: 'RS256', typ: 'JWT', x5c: [der] });
    const claims = encode({
      iss: issuer,
      sub: user ?? '',
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(privateKey, 'base64url');
    response
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificate,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
