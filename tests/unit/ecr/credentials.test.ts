import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secrets } from '@slipway/kit';
import { authFiles, locateImage, parseChallenge, registryCredentials } from '@slipway/ecr';

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

async function home(files: Record<string, object | string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-creds-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

test('the files are podman’s, then docker’s, as the clients read them', () => {
  expect(
    authFiles({ REGISTRY_AUTH_FILE: '/a.json', XDG_RUNTIME_DIR: '/run/u', DOCKER_CONFIG: '/d' }),
  ).toEqual(['/a.json', '/run/u/containers/auth.json', '/d/config.json']);
  expect(authFiles({ HOME: '/home/me' })).toEqual(['/home/me/.docker/config.json']);
});

test('an auths entry gives user and password, registered as secrets before they are returned', async () => {
  const dir = await home({
    'docker/config.json': { auths: { 'https://reg.example:5000': { auth: basic('ci', 'p:w') } } },
  });
  const masked: string[] = [];
  const found = await registryCredentials('reg.example:5000', new Secrets((s) => masked.push(s)), {
    DOCKER_CONFIG: join(dir, 'docker'),
  });
  expect(found).toEqual({ username: 'ci', password: 'p:w' });
  expect(masked).toEqual(expect.arrayContaining([basic('ci', 'p:w'), 'p:w']));
});

test('podman’s file wins over docker’s; another host’s entry is not used', async () => {
  const dir = await home({
    'auth.json': { auths: { 'reg.example': { auth: basic('podman', 'one') } } },
    'docker/config.json': {
      auths: { 'reg.example': { auth: basic('docker', 'two') }, other: { auth: basic('x', 'y') } },
    },
  });
  const env = { REGISTRY_AUTH_FILE: join(dir, 'auth.json'), DOCKER_CONFIG: join(dir, 'docker') };
  expect(await registryCredentials('reg.example', new Secrets(), env)).toMatchObject({ username: 'podman' });
  expect(await registryCredentials('nowhere.example', new Secrets(), env)).toBeUndefined();
});

test('Docker Hub’s legacy key serves docker.io', async () => {
  const dir = await home({
    'config.json': { auths: { 'https://index.docker.io/v1/': { auth: basic('hub', 'h') } } },
  });
  expect(await registryCredentials('docker.io', new Secrets(), { DOCKER_CONFIG: dir })).toEqual({
    username: 'hub',
    password: 'h',
  });
});

test('a credential helper is run with the host on stdin; "not found" means no login', async () => {
  const dir = await home({ 'config.json': { credsStore: 'fake', auths: { 'reg.example': {} } } });
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'docker-credential-fake'),
    '#!/bin/sh\nread host\nif [ "$host" = reg.example ]; then echo \'{"Username":"u","Secret":"s3cret"}\'; else echo "credentials not found in native keychain"; exit 1; fi\n',
  );
  await chmod(join(bin, 'docker-credential-fake'), 0o755);
  const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
  const masked: string[] = [];
  expect(await registryCredentials('reg.example', new Secrets((s) => masked.push(s)), env)).toEqual({
    username: 'u',
    password: 's3cret',
  });
  expect(masked).toContain('s3cret');
  const none = await home({ 'config.json': { credsStore: 'fake' } });
  expect(
    await registryCredentials('other.example', new Secrets(), { ...env, DOCKER_CONFIG: none }),
  ).toBeUndefined();
});

test.each([
  ['a file that is not JSON', { 'config.json': '{nope' }, /not JSON/],
  [
    'an auth that is not user:password',
    { 'config.json': { auths: { 'reg.example': { auth: 'bm9jb2xvbg==' } } } },
    /not base64 of user:password/,
  ],
  [
    'a helper that is not installed',
    { 'config.json': { credHelpers: { 'reg.example': 'absent-helper' } } },
    /docker-credential-absent-helper/,
  ],
])('%s is SLW-ECR-015', async (_name, files, message) => {
  const dir = await home(files);
  await expect(
    registryCredentials('reg.example', new Secrets(), { DOCKER_CONFIG: dir, PATH: '/nonexistent' }),
  ).rejects.toMatchObject({
    code: 'SLW-ECR-015',
    message: expect.stringMatching(message),
  });
});

test('challenges: Bearer with quoted parameters, Basic', () => {
  expect(
    parseChallenge(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
    ),
  ).toEqual({
    scheme: 'bearer',
    params: {
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:a/b:pull,push',
    },
  });
  expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
    scheme: 'basic',
    params: { realm: 'Registry Realm' },
  });
  expect(parseChallenge('')).toBeUndefined();
});

test.each([
  [
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:sha-1234567',
    {
      host: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      repository: 'team/app',
      reference: 'sha-1234567',
    },
  ],
  [
    'localhost:5000/app@sha256:' + 'a'.repeat(64),
    { host: 'localhost:5000', repository: 'app', reference: 'sha256:' + 'a'.repeat(64) },
  ],
  ['nginx', { host: 'docker.io', repository: 'library/nginx', reference: 'latest' }],
  ['acme/api:1.2', { host: 'docker.io', repository: 'acme/api', reference: '1.2' }],
  ['ghcr.io/acme/api:main', { host: 'ghcr.io', repository: 'acme/api', reference: 'main' }],
])('%s is located in its registry', (image, where) => {
  expect(locateImage(image)).toMatchObject(where);
});
