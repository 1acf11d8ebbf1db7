import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { runAction } from '../../helpers/action';
import { MotoServer, startMoto } from '../../helpers/moto';
import { LocalRegistry, startRegistry } from '../../helpers/registry';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const fixtures = join(__dirname, '..', '..', 'fixtures');
let registry: LocalRegistry;
let eventDir: string;

beforeAll(async () => {
  registry = await startRegistry();
  eventDir = await mkdtemp(join(tmpdir(), 'slipway-event-'));
}, 30_000);
afterAll(() => registry?.stop());

/** Runs the bundle as a workflow step would, with the GitHub context of the given event. */
async function step(
  inputs: Record<string, string>,
  event: { name: string; ref: string; payload?: object },
  // No AWS endpoint is listening by default: a step against a plain registry must not call AWS.
  endpoint = 'http://127.0.0.1:9',
) {
  const eventPath = join(eventDir, `${event.name}-${Date.now()}.json`);
  await writeFile(eventPath, JSON.stringify(event.payload ?? {}));
  return runAction(
    'build-push-ecr',
    // A promotion builds nothing, and "context" with "promote-from" is refused as doing nothing.
    {
      repository: 'team/app',
      registry: registry.host,
      ...(inputs['promote-from'] ? {} : { context: 'app' }),
      ...inputs,
    },
    {
      endpoint,
      cwd: fixtures,
      env: {
        ...registry.builderEnv,
        GITHUB_WORKSPACE: fixtures,
        GITHUB_EVENT_NAME: event.name,
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_SHA: SHA,
        GITHUB_REF: event.ref,
        GITHUB_REPOSITORY: 'acme/app',
        GITHUB_SERVER_URL: 'https://github.com',
      },
    },
  );
}

const uploads = (log: string) => (log.match(/"(POST|PUT|PATCH) \/v2\/[^"]*\/blobs\/uploads/g) ?? []).length;

async function manifest(reference: string) {
  const answer = await fetch(`http://${registry.host}/v2/team/app/manifests/${reference}`, {
    headers: {
      Accept:
        'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return { status: answer.status, digest: answer.headers.get('docker-content-digest') };
}

/** The image config's labels, read from the config blob the manifest names. */
async function labels(reference: string): Promise<Record<string, string>> {
  const body = (await (
    await fetch(`http://${registry.host}/v2/team/app/manifests/${reference}`, {
      headers: {
        Accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    })
  ).json()) as { config: { digest: string } };
  const config = (await (
    await fetch(`http://${registry.host}/v2/team/app/blobs/${body.config.digest}`)
  ).json()) as { config?: { Labels?: Record<string, string> } };
  return config.config?.Labels ?? {};
}

test('the builder is Debian’s podman-docker when it is installed', () => {
  const installed = spawnSync('dpkg', ['-s', 'podman-docker']).status === 0;
  expect(registry.docker.via).toBe(installed ? 'podman-docker' : 'podman symlink');
});

test('builds and pushes once; a second run for the same commit pushes nothing', async () => {
  const first = await step({ 'build-args': 'GREETING=hi' }, { name: 'push', ref: 'refs/heads/main' });
  expect(first.errors).toEqual([]);
  expect(first.exitCode).toBe(0);
  expect(first.outputs.result).toBe('built');
  expect(JSON.parse(first.outputs.tags!)).toEqual(['sha-a1b2c3d', 'main']);
  const pushed = await manifest('sha-a1b2c3d');
  expect(pushed.status).toBe(200);
  expect(first.outputs.digest).toBe(pushed.digest);
  expect(first.outputs['image-uri']).toBe(`${registry.host}/team/app@${pushed.digest}`);
  expect((await manifest('main')).digest).toBe(pushed.digest);
  expect(first.summary).toMatch(/🔨 built and pushed/);
  expect(first.summary).toContain('| Repository | Tags | Digest | Size | Result | Duration |');
  expect(first.summary).toContain(`| ${registry.host}/team/app | sha-a1b2c3d<br>main | ${pushed.digest} |`);
  const built = await labels('sha-a1b2c3d');
  expect(built).toMatchObject({
    'org.opencontainers.image.source': 'https://github.com/acme/app',
    'org.opencontainers.image.revision': SHA,
  });
  const created = Date.parse(built['org.opencontainers.image.created']!);
  expect(Math.abs(Date.now() - created)).toBeLessThan(10 * 60_000);
  expect(uploads(registry.log())).toBeGreaterThan(0);

  const before = uploads(registry.log());
  const second = await step({ 'build-args': 'GREETING=hi' }, { name: 'push', ref: 'refs/heads/main' });
  expect(second.exitCode).toBe(0);
  expect(second.outputs.result).toBe('present');
  expect(second.outputs.digest).toBe(pushed.digest);
  expect(second.stdout).not.toMatch(/docker build|STEP 1/);
  expect(uploads(registry.log())).toBe(before);

  // The pull request for the same head commit only adds its tag, by manifest.
  const pr = await step(
    {},
    {
      name: 'pull_request',
      ref: 'refs/pull/7/merge',
      payload: { pull_request: { number: 7, head: { sha: SHA } } },
    },
  );
  expect(pr.outputs.result).toBe('retagged');
  expect((await manifest('pr-7')).digest).toBe(pushed.digest);
  expect(uploads(registry.log())).toBe(before);

  // Promotion to production: the same image, a new tag, no layer moved.
  const promoted = await step(
    { 'promote-from': 'sha-a1b2c3d', environment: 'production', 'tag-mutability': 'MUTABLE' },
    { name: 'push', ref: 'refs/heads/main' },
  );
  expect(promoted.outputs.result).toBe('retagged');
  expect((await manifest('production')).digest).toBe(pushed.digest);
  // Every tag the image carries, the pull request's included, not only the ones this step set.
  expect(JSON.parse(promoted.outputs.tags!)).toEqual(['sha-a1b2c3d', 'main', 'production', 'pr-7']);
  expect(uploads(registry.log())).toBe(before);
}, 120_000);

test.each<[string, Record<string, string>, string]>([
  ['a missing Dockerfile', { dockerfile: 'app/Dockerfile.missing' }, 'SLW-ECR-004'],
  ['a context outside the workspace', { context: '..' }, 'SLW-ECR-005'],
  ['an invalid repository name', { repository: 'Team/App' }, 'SLW-KIT-001'],
  ['a bad platform', { platform: 'linux/amd65' }, 'SLW-ECR-002'],
  ['a tag too long', { tags: 'x'.repeat(200) }, 'SLW-ECR-003'],
  ['an unknown promote source', { 'promote-from': 'sha-0000000' }, 'SLW-ECR-007'],
])('%s: a clear error, exit 1, nothing pushed', async (_name, inputs, code) => {
  const before = uploads(registry.log());
  const run = await step(inputs, { name: 'push', ref: 'refs/heads/feature' });
  expect(run.exitCode).toBe(1);
  expect(run.errors[0]).toContain(`title=${code}`);
  expect(uploads(registry.log())).toBe(before);
  expect((await manifest('feature')).status).toBe(404);
});

describe('an ECR registry in another account and region', () => {
  const FAR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto?.stop());

  const client = (region: string) =>
    new ECRClient({ region, endpoint: moto.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });

  test('a us-east-1 job promotes in the registry’s own region (the bundle against moto)', async () => {
    const far = client('eu-west-1');
    await far.send(new CreateRepositoryCommand({ registryId: '111111111111', repositoryName: 'team/app' }));
    await far.send(
      new PutImageCommand({
        registryId: '111111111111',
        repositoryName: 'team/app',
        imageTag: 'sha-a1b2c3d',
        imageManifest: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            size: 1,
            digest: `sha256:${'1'.repeat(64)}`,
          },
          layers: [],
        }),
      }),
    );

    // AWS_REGION is us-east-1 (awsTestEnv); only the host says eu-west-1.
    const run = await step(
      { registry: FAR, 'promote-from': 'sha-a1b2c3d', environment: 'staging' },
      { name: 'push', ref: 'refs/heads/main' },
      moto.url,
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs.result).toBe('retagged');
    expect(run.outputs['image-uri']).toMatch(new RegExp(`^${FAR.replace(/\./g, '\\.')}/team/app@sha256:`));
    const images = await far.send(
      new DescribeImagesCommand({ registryId: '111111111111', repositoryName: 'team/app' }),
    );
    expect([...(images.imageDetails?.[0]?.imageTags ?? [])].sort()).toEqual([
      'main',
      'sha-a1b2c3d',
      'staging',
    ]);
    const home = await client('us-east-1').send(new DescribeRepositoriesCommand({}));
    expect(home.repositories ?? []).toEqual([]);
  });
});
