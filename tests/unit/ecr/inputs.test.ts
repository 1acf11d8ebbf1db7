import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secrets } from '@slipway/kit';
import { readPublishRequest } from '@slipway/ecr';

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'slipway-ecr-inputs-'));
  await mkdir(join(workspace, 'api', 'docker'), { recursive: true });
  await writeFile(join(workspace, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(join(workspace, 'api', 'docker', 'Dockerfile.prod'), 'FROM scratch\n');
});

const from = (inputs: Record<string, string>) => (name: string) => inputs[name];

describe('readPublishRequest', () => {
  test('only a repository: build the workspace root for linux/amd64 with the cache, tags moving by environment', () => {
    expect(readPublishRequest(from({ repository: 'team/api' }), workspace)).toEqual({
      repository: 'team/api',
      environment: undefined,
      mutability: 'MUTABLE',
      requestedTags: [],
      build: {
        context: workspace,
        dockerfile: join(workspace, 'Dockerfile'),
        platforms: ['linux/amd64'],
        buildArgs: [],
        secrets: [],
        target: undefined,
        labels: [],
      },
      cache: true,
      promoteFrom: undefined,
      registry: undefined,
      registryId: undefined,
      keepImages: undefined,
      kmsKey: undefined,
      region: undefined,
    });
  });

  test('every build input lands in the request; build secrets are masked line by line before parsing', () => {
    const masked: string[] = [];
    const request = readPublishRequest(
      from({
        repository: 'team/api',
        environment: 'production',
        tags: 'v1.2.3\nlatest',
        context: 'api',
        dockerfile: 'api/docker/Dockerfile.prod',
        platform: 'linux/amd64\nlinux/arm64',
        'build-args': 'NODE_ENV=production',
        'build-secrets': 'npm=s3cr3t-token',
        target: 'runtime',
        labels: 'team=payments',
        cache: 'false',
        'keep-images': '50',
        region: 'eu-west-1',
      }),
      workspace,
      new Secrets((secret) => masked.push(secret)),
    );
    expect(request).toMatchObject({
      environment: 'production',
      // Production's tags are fixed unless told otherwise.
      mutability: 'IMMUTABLE',
      requestedTags: [
        { tag: 'v1.2.3', moving: false, why: 'requested' },
        { tag: 'latest', moving: true, why: 'requested' },
      ],
      build: {
        context: join(workspace, 'api'),
        dockerfile: join(workspace, 'api', 'docker', 'Dockerfile.prod'),
        platforms: ['linux/amd64', 'linux/arm64'],
        buildArgs: [{ key: 'NODE_ENV', value: 'production' }],
        secrets: [{ key: 'npm', value: 's3cr3t-token' }],
        target: 'runtime',
        labels: [{ key: 'team', value: 'payments' }],
      },
      cache: false,
      keepImages: 50,
      region: 'eu-west-1',
    });
    expect(masked).toContain('npm=s3cr3t-token');
  });

  test('tag-mutability given wins over the environment', () => {
    const read = (inputs: Record<string, string>) =>
      readPublishRequest(from({ repository: 'team/api', ...inputs }), workspace).mutability;
    expect(read({ environment: 'production', 'tag-mutability': 'MUTABLE' })).toBe('MUTABLE');
    expect(read({ environment: 'staging' })).toBe('MUTABLE');
  });

  test('a promotion needs no build context in the workspace', () => {
    const request = readPublishRequest(
      from({
        repository: 'team/api',
        'promote-from': 'team/api-staging:sha-abc1234',
        environment: 'production',
      }),
      '/nowhere',
    );
    expect(request).toMatchObject({ promoteFrom: 'team/api-staging:sha-abc1234', mutability: 'IMMUTABLE' });
  });
});
