import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildArguments,
  BuildPlan,
  lifecyclePolicy,
  imageSize,
  parseSource,
  readPublishRequest,
} from '@slipway/ecr';

const plan: BuildPlan = {
  context: '/ws/app',
  dockerfile: '/ws/app/Dockerfile',
  platforms: ['linux/amd64'],
  buildArgs: [{ key: 'NODE_ENV', value: 'production' }],
  secrets: [{ key: 'npm', value: 'token-value' }],
  target: 'runtime',
  labels: [{ key: 'org.opencontainers.image.revision', value: 'abc' }],
  references: ['r/app:sha-1234567', 'r/app:main'],
  cacheRef: 'r/app:buildcache',
};

test('buildx gets ECR-compatible cache and no provenance; secrets travel as files, never values', () => {
  const args = buildArguments(
    plan,
    { kind: 'buildx', registryCache: true },
    new Map([['npm', '/tmp/s/npm']]),
  );
  expect(args.slice(0, 3)).toEqual(['buildx', 'build', '--load']);
  expect(args).toContain('--provenance=false');
  expect(args).toContain(
    'type=registry,ref=r/app:buildcache,mode=max,image-manifest=true,oci-mediatypes=true',
  );
  expect(args).toContain('id=npm,src=/tmp/s/npm');
  expect(args.join(' ')).not.toContain('token-value');
  expect(args.at(-1)).toBe('/ws/app');
});

test('buildx on the default docker driver builds without the registry cache it cannot export', () => {
  const args = buildArguments(plan, { kind: 'buildx', registryCache: false }, new Map());
  expect(args).toContain('--provenance=false');
  expect(args.join(' ')).not.toMatch(/cache-to|cache-from/);
});

test('plain docker build (or podman) gets no buildx-only flags', () => {
  const args = buildArguments(plan, { kind: 'build', registryCache: false }, new Map());
  expect(args[0]).toBe('build');
  expect(args.join(' ')).not.toMatch(/provenance|cache-to|cache-from|--load/);
  expect(args).toEqual(
    expect.arrayContaining(['--tag', 'r/app:sha-1234567', '--tag', 'r/app:main', '--target', 'runtime']),
  );
});

test('several platforms: buildx pushes the list itself; podman builds it under --manifest, afresh', () => {
  const multi = { ...plan, platforms: ['linux/amd64', 'linux/arm64'] };
  const buildx = buildArguments(multi, { kind: 'buildx', registryCache: true }, new Map());
  expect(buildx.slice(0, 3)).toEqual(['buildx', 'build', '--push']);
  expect(buildx).not.toContain('--load');
  expect(buildx).toEqual(
    expect.arrayContaining(['--platform', 'linux/amd64,linux/arm64', '--tag', 'r/app:main']),
  );
  const podman = buildArguments(multi, { kind: 'podman', registryCache: false }, new Map());
  expect(podman[0]).toBe('build');
  expect(podman).toEqual(expect.arrayContaining(['--manifest', 'r/app:sha-1234567', '--no-cache']));
  expect(podman).not.toContain('--tag');
  // One platform is built as before: loaded, then pushed tag by tag.
  expect(buildArguments(plan, { kind: 'podman', registryCache: false }, new Map())).not.toContain(
    '--manifest',
  );
});

test.each([
  ['sha-1234567', { repository: 'app', reference: 'sha-1234567' }],
  ['sha256:abc', { repository: 'app', reference: 'sha256:abc' }],
  ['team/other:staging', { repository: 'team/other', reference: 'staging' }],
  ['team/other@sha256:abc', { repository: 'team/other', reference: 'sha256:abc' }],
])('promote-from %s', (raw, expected) => expect(parseSource(raw, 'app')).toEqual(expected));

test('the lifecycle policy keeps N pr- images and N untagged images', () => {
  const policy = JSON.parse(lifecyclePolicy(5));
  expect(policy.rules.map((r: { selection: unknown }) => r.selection)).toEqual([
    { tagStatus: 'tagged', tagPrefixList: ['pr-'], countType: 'imageCountMoreThan', countNumber: 5 },
    { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 },
  ]);
});

test('image size sums config and layers of a single-platform manifest, and is unknown for an index', () => {
  const manifest = { config: { size: 100 }, layers: [{ size: 1000 }, { size: 24 }] };
  expect(imageSize({ digest: 'd', mediaType: 'm', body: JSON.stringify(manifest) })).toBe(1124);
  expect(imageSize({ digest: 'd', mediaType: 'm', body: JSON.stringify({ manifests: [] }) })).toBeUndefined();
});

describe('readPublishRequest refuses bad input before anything is touched', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'slipway-ws-'));
    await mkdir(join(workspace, 'app'));
    await writeFile(join(workspace, 'app', 'Dockerfile'), 'FROM scratch\n');
  });
  const read = (inputs: Record<string, string>) =>
    readPublishRequest((name) => ({ repository: 'team/app', context: 'app', ...inputs })[name], workspace);

  test.each<[string, Record<string, string>, string, RegExp]>([
    [
      'an invalid repository name',
      { repository: 'Team/App' },
      'SLW-KIT-001',
      /Input "repository" is not a repository name: got "Team\/App"/,
    ],
    [
      'a repository URI',
      { repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app' },
      'SLW-KIT-001',
      /Input "repository" is a URI, not a repository name/,
    ],
    ['a bad platform', { platform: 'linux/amd64,darwin/arm64' }, 'SLW-ECR-002', /"darwin\/arm64"/],
    ['a tag too long', { tags: 'a'.repeat(129) }, 'SLW-ECR-003', /129 characters/],
    [
      'a missing Dockerfile',
      { dockerfile: 'app/Dockerfile.prod' },
      'SLW-ECR-004',
      /Dockerfile.prod does not exist/,
    ],
    ['a context outside the workspace', { context: '../..' }, 'SLW-ECR-005', /outside the workspace/],
    ['a bad registry id', { 'registry-id': '12345' }, 'SLW-KIT-001', /not an AWS account id/],
    [
      'a malformed promote-from',
      { 'promote-from': 'app@sha256:abc' },
      'SLW-KIT-001',
      /Input "promote-from" has a digest/,
    ],
    ['a kms-key that is no key', { 'kms-key': 'my key' }, 'SLW-KIT-001', /Input "kms-key" is not a KMS key/],
    ['a target with a space', { target: 'build stage' }, 'SLW-KIT-001', /Input "target" is not a stage name/],
    [
      'a bad environment',
      { environment: 'prod' },
      'SLW-KIT-001',
      /Valid values are: dev, staging, production/,
    ],
  ])('%s', (_name, inputs, code, message) => {
    let error: { code?: string; describe?: () => string } | undefined;
    try {
      read(inputs);
    } catch (thrown) {
      error = thrown as typeof error;
    }
    expect(error?.code).toBe(code);
    expect(error?.describe?.()).toMatch(message);
  });

  test('production defaults to IMMUTABLE tags, others to MUTABLE; promote needs no Dockerfile', () => {
    expect(read({ environment: 'production' }).mutability).toBe('IMMUTABLE');
    expect(read({ environment: 'staging' }).mutability).toBe('MUTABLE');
    expect(read({ 'promote-from': 'sha-1234567', context: '.' }).promoteFrom).toBe('sha-1234567');
  });

  test('build inputs beside promote-from are refused, naming both: a promotion builds nothing', () => {
    expect(() => read({ 'promote-from': 'sha-1234567', context: 'nowhere' })).toThrow(
      /Input "context" does nothing with "promote-from"/,
    );
  });
});
