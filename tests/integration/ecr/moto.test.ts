import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutImageCommand,
  BatchGetImageCommand,
} from '@aws-sdk/client-ecr';
import { ensureRepository, publish, PublishRequest } from '@slipway/ecr';
import { memoryLogger, Secrets } from '@slipway/kit';
import { MotoServer, startMoto } from '../../helpers/moto';

let moto: MotoServer;
let ecr: ECRClient;
let calls: string[];
let regions: Set<string>;
const clients = new Map<string, ECRClient>();
const SHA = '1234567abcdef1234567abcdef1234567abcdef0';
const JOB_REGION = 'us-east-1';

/** A moto client for one region that records every call (and the region it went to). */
function ecrIn(region: string): ECRClient {
  let client = clients.get(region);
  if (!client) {
    client = new ECRClient({
      region,
      endpoint: moto.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(context.commandName!.replace(/Command$/, ''));
        regions.add(region);
        return next(args);
      },
      { step: 'initialize' },
    );
    clients.set(region, client);
  }
  return client;
}

beforeAll(async () => {
  moto = await startMoto();
  ecr = ecrIn(JOB_REGION);
});
afterAll(() => moto?.stop());
beforeEach(() => {
  calls = [];
  regions = new Set();
});

/** A pushed image, as far as ECR's API can tell: a manifest under a tag. */
function manifest(seed: string): string {
  const digest = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 100, digest: digest(seed) },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 2048, digest: digest(`${seed}f`) },
    ],
  });
}

const request = (r: Partial<PublishRequest>): PublishRequest => ({
  repository: 'app',
  mutability: 'MUTABLE',
  requestedTags: [],
  build: {
    context: '/nowhere',
    dockerfile: '/nowhere/Dockerfile',
    platforms: ['linux/amd64'],
    buildArgs: [],
    secrets: [],
    labels: [],
  },
  cache: false,
  ...r,
});
const context = (ref = 'refs/heads/main') => ({
  // As the action does: the registry's region when publish names one, else the job's.
  ecr: (region?: string) => ecrIn(region ?? JOB_REGION),
  git: { eventName: 'push', sha: SHA, ref },
  secrets: new Secrets(),
  logger: memoryLogger(),
});

test('a new repository gets scan on push, encryption, the environment’s mutability and the lifecycle policy', async () => {
  const logger = memoryLogger();
  const ensured = await ensureRepository(
    ecr,
    { name: 'prod/api', mutability: 'IMMUTABLE', keepImages: 10 },
    logger,
  );
  expect(ensured).toMatchObject({ created: true, immutable: true });
  const repo = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['prod/api'] })))
    .repositories![0]!;
  expect(repo.imageTagMutability).toBe('IMMUTABLE');
  expect(repo.imageScanningConfiguration?.scanOnPush).toBe(true);
  expect(repo.encryptionConfiguration?.encryptionType).toBe('AES256');
  const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'prod/api' }));
  expect(JSON.parse(policy.lifecyclePolicyText!).rules).toHaveLength(2);
});

test('an existing repository with other settings is reported, never changed', async () => {
  await ensureRepository(ecr, { name: 'legacy', mutability: 'MUTABLE' }, memoryLogger());
  const logger = memoryLogger();
  const ensured = await ensureRepository(ecr, { name: 'legacy', mutability: 'IMMUTABLE' }, logger);
  expect(ensured.created).toBe(false);
  expect(ensured.warnings.join('\n')).toMatch(/has MUTABLE tags, not IMMUTABLE; left as it is/);
  expect(logger.lines.join('\n')).toMatch(/warning: Repository legacy has MUTABLE tags/);
  const repo = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['legacy'] })))
    .repositories![0]!;
  expect(repo.imageTagMutability).toBe('MUTABLE');
});

test('skip-if-built: the commit’s image gets the missing tags by manifest; no login, no build', async () => {
  await ensureRepository(ecr, { name: 'app', mutability: 'MUTABLE' }, memoryLogger());
  await ecr.send(
    new PutImageCommand({ repositoryName: 'app', imageManifest: manifest('a'), imageTag: 'sha-1234567' }),
  );
  calls = [];
  const published = await publish(request({ environment: 'staging' }), context());
  expect(published.result).toBe('retagged');
  expect(published.tags).toEqual(['sha-1234567', 'main', 'staging']);
  expect(calls).not.toContain('GetAuthorizationToken');
  expect(calls.filter((c) => c === 'PutImage')).toHaveLength(2);
  const tagged = await ecr.send(
    new BatchGetImageCommand({ repositoryName: 'app', imageIds: [{ imageTag: 'staging' }] }),
  );
  expect(tagged.images?.[0]?.imageId?.imageDigest).toBe(published.digest);
  expect(published.imageUri).toMatch(
    /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/app@sha256:[0-9a-f]{64}$/,
  );
  expect(published.sizeBytes).toBe(2148);

  calls = [];
  const again = await publish(request({ environment: 'staging' }), context());
  expect(again.result).toBe('present');
  expect(calls).not.toContain('PutImage');
});

test('promotion retags the staging image for production in 3 ECR calls, and lists every tag it carries in a 4th', async () => {
  // Staging built the commit on main; production adds its environment tag to that very image.
  await ensureRepository(ecr, { name: 'promo', mutability: 'MUTABLE' }, memoryLogger());
  for (const tag of ['sha-7654321', 'main', 'staging']) {
    await ecr.send(
      new PutImageCommand({ repositoryName: 'promo', imageManifest: manifest('b'), imageTag: tag }),
    );
  }
  calls = [];
  const promoted = await publish(
    request({ repository: 'promo', environment: 'production', promoteFrom: 'sha-7654321' }),
    {
      ...context(),
      git: { eventName: 'push', sha: '7654321'.padEnd(40, '0'), ref: 'refs/heads/main' },
    },
  );
  expect(promoted.result).toBe('retagged');
  expect(calls).toEqual(['DescribeRepositories', 'BatchGetImage', 'PutImage', 'DescribeImages']);
  // The tags output is every tag the image carries: this step's, then staging's from before.
  expect(promoted.tags).toEqual(['sha-7654321', 'main', 'production', 'staging']);
});

test('an IMMUTABLE repository keeps fixed tags, refuses to move one, and never takes latest', async () => {
  await ensureRepository(ecr, { name: 'locked', mutability: 'IMMUTABLE' }, memoryLogger());
  await ecr.send(
    new PutImageCommand({ repositoryName: 'locked', imageManifest: manifest('c'), imageTag: 'sha-1234567' }),
  );
  await ecr.send(
    new PutImageCommand({ repositoryName: 'locked', imageManifest: manifest('d'), imageTag: '3.0.0' }),
  );
  const promote = publish(request({ repository: 'locked', mutability: 'IMMUTABLE' }), {
    ...context(),
    git: { eventName: 'push', sha: SHA, ref: 'refs/tags/v3.0.0' },
  });
  await expect(promote).rejects.toMatchObject({ code: 'SLW-ECR-008' });

  const { explicitTags } = await import('@slipway/ecr');
  await expect(
    publish(
      request({ repository: 'locked', mutability: 'IMMUTABLE', requestedTags: explicitTags(['latest']) }),
      context(),
    ),
  ).rejects.toMatchObject({ code: 'SLW-ECR-006' });
});

describe('a registry in another account and region', () => {
  const FAR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
  const inRegion = async (region: string, registryId?: string) =>
    (await ecrIn(region).send(new DescribeRepositoriesCommand({ registryId }))).repositories!.map(
      (r) => r.repositoryUri,
    );

  test('the repository is created, read and tagged where the host says, not in the job’s region', async () => {
    // Nothing to promote yet: the step still ensures the repository first, and must do it in eu-west-1.
    await expect(
      publish(request({ repository: 'far/app', registry: FAR, promoteFrom: 'sha-1234567' }), context()),
    ).rejects.toMatchObject({ code: 'SLW-ECR-007' });
    expect(calls).toEqual(['DescribeRepositories', 'CreateRepository', 'BatchGetImage']);
    expect([...regions]).toEqual(['eu-west-1']);
    expect(await inRegion('eu-west-1', '111111111111')).toContain(`${FAR}/far/app`);
    expect((await inRegion(JOB_REGION)).filter((uri) => uri!.endsWith('/far/app'))).toEqual([]);

    await ecrIn('eu-west-1').send(
      new PutImageCommand({
        registryId: '111111111111',
        repositoryName: 'far/app',
        imageManifest: manifest('e'),
        imageTag: 'sha-1234567',
      }),
    );
    calls = [];
    regions = new Set();
    const published = await publish(request({ repository: 'far/app', registry: FAR }), context());
    expect(published.result).toBe('retagged');
    expect(published.imageUri).toMatch(new RegExp(`^${FAR.replace(/\./g, '\\.')}/far/app@sha256:`));
    expect([...regions]).toEqual(['eu-west-1']);
  });

  test.each([
    ['registry-id', { registryId: '222222222222' }, /"registry-id": "222222222222" contradicts "registry"/],
    ['region', { region: 'us-east-1' }, /"region": "us-east-1" contradicts "registry"/],
  ])('a %s that contradicts the host is refused before any ECR call', async (_input, extra, message) => {
    const refused = publish(request({ repository: 'far/other', registry: FAR, ...extra }), context());
    await expect(refused).rejects.toMatchObject({
      code: 'SLW-ECR-014',
      message: expect.stringMatching(message),
    });
    expect(calls).toEqual([]);
  });
});

describe('promotion from another repository in the same registry', () => {
  const LAYER_CALLS = [
    'GetAuthorizationToken',
    'BatchCheckLayerAvailability',
    'InitiateLayerUpload',
    'UploadLayerPart',
    'CompleteLayerUpload',
  ];

  test('team/other:<tag> becomes team/app’s image by manifest: no login, no layer upload', async () => {
    await ensureRepository(ecr, { name: 'team/other', mutability: 'MUTABLE' }, memoryLogger());
    await ecr.send(
      new PutImageCommand({ repositoryName: 'team/other', imageManifest: manifest('9'), imageTag: 'rc-4' }),
    );
    await ensureRepository(ecr, { name: 'team/app', mutability: 'MUTABLE' }, memoryLogger());
    calls = [];

    const promoted = await publish(
      request({ repository: 'team/app', environment: 'production', promoteFrom: 'team/other:rc-4' }),
      context(),
    );

    expect(promoted.result).toBe('retagged');
    expect(promoted.tags).toEqual(['sha-1234567', 'main', 'production']);
    // Target lookups, then the source, one PutImage per tag, and the tags it carries; nothing else.
    expect(calls).toEqual([
      'DescribeRepositories',
      'BatchGetImage',
      'BatchGetImage',
      'PutImage',
      'PutImage',
      'PutImage',
      'DescribeImages',
    ]);
    expect(calls.filter((c) => LAYER_CALLS.includes(c))).toEqual([]);

    const source = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'team/other', imageIds: [{ imageTag: 'rc-4' }] }),
    );
    expect(promoted.digest).toBe(source.images![0]!.imageId!.imageDigest);
    const target = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app' }));
    expect(target.imageDetails?.map((i) => [i.imageDigest, [...(i.imageTags ?? [])].sort()])).toEqual([
      [promoted.digest, ['main', 'production', 'sha-1234567']],
    ]);
    // The source keeps its tag, and only its tag.
    const left = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/other' }));
    expect(left.imageDetails?.map((i) => i.imageTags)).toEqual([['rc-4']]);
  });
});
