import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secrets } from '@slipway/kit';
import { imageRevision } from '@slipway/ecr';
import { runAction } from '../../helpers/action';
import { LocalRegistry, startRegistry } from '../../helpers/registry';

// A registry that answers every anonymous call with a Bearer challenge, as Docker Hub, GHCR and
// Harbor do; only this user gets a token that can pull and push.
const LOGIN = { username: 'ci', password: 'pw-7f3a9c' };
const SHA = 'b2c3d4e5f60718293a4b5c6d7e8f9012345678a1';
const fixtures = join(__dirname, '..', '..', 'fixtures');
let registry: LocalRegistry;
let dir: string;
let authFile: string;

beforeAll(async () => {
  registry = await startRegistry({ login: LOGIN });
  dir = await mkdtemp(join(tmpdir(), 'slipway-login-'));
  authFile = join(dir, 'auth.json');
  // podman login writes the auth file both the builder and the step read (podman's, not docker's).
  // Not spawnSync: the token service podman asks runs in this process.
  const login = spawn(
    'podman',
    [
      'login',
      '--authfile',
      authFile,
      '--tls-verify=false',
      '-u',
      LOGIN.username,
      '--password-stdin',
      registry.host,
    ],
    { env: { ...process.env, ...registry.builderEnv } },
  );
  let stderr = '';
  login.stderr.on('data', (chunk) => (stderr += chunk));
  login.stdin.end(LOGIN.password);
  const status = await new Promise((resolve) => login.on('close', resolve));
  if (status !== 0) throw new Error(`podman login failed: ${stderr}`);
}, 60_000);
afterAll(() => registry?.stop());

async function step(inputs: Record<string, string>, env: Record<string, string>) {
  const eventPath = join(dir, `event-${Date.now()}.json`);
  await writeFile(eventPath, '{}');
  return runAction(
    'build-push-ecr',
    {
      repository: 'team/app',
      registry: registry.host,
      ...(inputs['promote-from'] ? {} : { context: 'app' }),
      ...inputs,
    },
    {
      endpoint: 'http://127.0.0.1:9',
      cwd: fixtures,
      env: {
        ...registry.builderEnv,
        HOME: dir,
        GITHUB_WORKSPACE: fixtures,
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_SHA: SHA,
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REPOSITORY: 'acme/app',
        GITHUB_SERVER_URL: 'https://github.com',
        ...env,
      },
    },
  );
}

/** Reads the registry as the test user: a token for the repository, then the call. */
async function get(path: string, accept?: string) {
  const challenge = await fetch(`http://${registry.host}/v2/team/app/${path}`);
  expect(challenge.status).toBe(401);
  const token = (await (
    await fetch(
      `${registry.tokens!.realm}?service=${registry.tokens!.service}&scope=repository:team/app:pull`,
      {
        headers: {
          Authorization: `Basic ${Buffer.from(`${LOGIN.username}:${LOGIN.password}`).toString('base64')}`,
        },
      },
    )
  ).json()) as { token: string };
  return fetch(`http://${registry.host}/v2/team/app/${path}`, {
    headers: { Authorization: `Bearer ${token.token}`, ...(accept ? { Accept: accept } : {}) },
  });
}

const INDEX =
  'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

test('without a login the registry’s refusal is SLW-ECR-016, saying no login was found', async () => {
  const run = await step(
    { 'promote-from': 'sha-b2c3d4e', environment: 'staging' },
    {
      DOCKER_CONFIG: join(dir, 'none'),
      REGISTRY_AUTH_FILE: join(dir, 'none.json'),
      XDG_RUNTIME_DIR: join(dir, 'none'),
    },
  );
  expect(run.exitCode).toBe(1);
  expect(run.errors[0]).toContain('title=SLW-ECR-016');
  expect(run.errors[0]).toMatch(/without credentials: no login for it was found/);
});

test('a multi-platform build pushes one manifest list through the Bearer flow with podman’s login; promotions read docker’s config.json and its credential helper; tags lists every tag', async () => {
  const built = await step(
    { platform: 'linux/amd64,linux/arm64', environment: 'staging' },
    {
      REGISTRY_AUTH_FILE: authFile,
    },
  );
  expect(built.errors).toEqual([]);
  expect(built.exitCode).toBe(0);
  expect(built.outputs.result).toBe('built');
  const list = await get('manifests/sha-b2c3d4e', INDEX);
  expect(list.status).toBe(200);
  expect(list.headers.get('content-type')).toMatch(/index|manifest\.list/);
  const platforms = (
    (await list.json()) as { manifests: { platform: { architecture: string } }[] }
  ).manifests.map((m) => m.platform.architecture);
  expect(platforms.sort()).toEqual(['amd64', 'arm64']);
  expect(built.outputs.digest).toBe(list.headers.get('docker-content-digest'));
  expect(JSON.parse(built.outputs.tags!)).toEqual(['sha-b2c3d4e', 'main', 'staging']);
  // The step's own calls were answered with the stored login, never anonymously refused at the end.
  expect(registry.tokens!.requests.some((r) => r.user === LOGIN.username && /push/.test(r.scope))).toBe(true);
  // The password is masked before use, and never printed otherwise.
  expect(built.stdout).toContain(`::add-mask::${LOGIN.password}`);
  expect(built.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(LOGIN.password);

  // What ecs-deploy reads to order deploys: the revision label, through the list's amd64 image's config
  // blob, with the stored login (main is no sha- tag, so the label is the only source).
  const revision = await imageRevision(`${registry.host}/team/app:main`, {
    ecr: () => {
      throw new Error('not an ECR host');
    },
    secrets: new Secrets(),
    env: { REGISTRY_AUTH_FILE: authFile, HOME: dir },
  });
  expect(revision).toBe(SHA);

  // Promotion, with the login only in docker's config.json: the image now carries production too, and
  // the output lists every tag, staging included.
  const docker = join(dir, 'docker');
  await mkdir(docker, { recursive: true });
  await writeFile(
    join(docker, 'config.json'),
    JSON.stringify({
      auths: {
        [registry.host]: { auth: Buffer.from(`${LOGIN.username}:${LOGIN.password}`).toString('base64') },
      },
    }),
  );
  const promoted = await step(
    { 'promote-from': 'sha-b2c3d4e', environment: 'production', 'tag-mutability': 'MUTABLE' },
    { DOCKER_CONFIG: docker, REGISTRY_AUTH_FILE: join(dir, 'none.json'), XDG_RUNTIME_DIR: join(dir, 'none') },
  );
  expect(promoted.errors).toEqual([]);
  expect(promoted.outputs.result).toBe('retagged');
  expect(promoted.outputs.digest).toBe(built.outputs.digest);
  expect(JSON.parse(promoted.outputs.tags!)).toEqual(['sha-b2c3d4e', 'main', 'production', 'staging']);
  expect((await get('manifests/production', INDEX)).headers.get('docker-content-digest')).toBe(
    built.outputs.digest,
  );

  // A credential helper named in config.json is asked for the login (the helper protocol: the registry
  // on stdin, {"Username","Secret"} on stdout).
  const helperDir = join(dir, 'helper');
  const helperConfig = join(dir, 'docker-helper');
  await mkdir(helperDir, { recursive: true });
  await mkdir(helperConfig, { recursive: true });
  const asked = join(dir, 'helper-asked');
  await writeFile(
    join(helperDir, 'docker-credential-slipwaytest'),
    `#!/bin/sh\n[ "$1" = get ] || exit 2\nread host\necho "$host" > ${asked}\nprintf '{"ServerURL":"%s","Username":"${LOGIN.username}","Secret":"${LOGIN.password}"}' "$host"\n`,
  );
  await chmod(join(helperDir, 'docker-credential-slipwaytest'), 0o755);
  await writeFile(
    join(helperConfig, 'config.json'),
    JSON.stringify({ credHelpers: { [registry.host]: 'slipwaytest' } }),
  );
  const run = await step(
    { 'promote-from': 'sha-b2c3d4e', environment: 'dev', tags: 'helper-made' },
    {
      DOCKER_CONFIG: helperConfig,
      REGISTRY_AUTH_FILE: join(dir, 'none.json'),
      XDG_RUNTIME_DIR: join(dir, 'none'),
      PATH: `${helperDir}:${registry.builderEnv.PATH}`,
    },
  );
  expect(run.errors).toEqual([]);
  expect(run.outputs.result).toBe('retagged');
  expect(JSON.parse(run.outputs.tags!)).toContain('helper-made');
  expect((await get('manifests/helper-made', INDEX)).status).toBe(200);
  expect((await readFile(asked, 'utf8')).trim()).toBe(registry.host);
}, 180_000);
