import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { EcrStore, lifecyclePolicy, publish, type PublishRequest } from '@slipway/ecr';
import { memoryLogger, Secrets } from '@slipway/kit';
import { startSandbox, type Sandbox } from '@slipway/sandbox';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';
const registry = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

let sandbox: Sandbox;
let ecr: ECRClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 200, tickMs: 10 });
  ecr = new ECRClient({ endpoint: sandbox.url, region, credentials, maxAttempts: 1 });
});

afterAll(async () => {
  ecr.destroy();
  await sandbox.stop();
});

/** An OCI image manifest with a 100-byte config and two layers (2048 + 512 bytes). */
function manifest(seed: string): string {
  const digest = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 100, digest: digest(seed) },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 2048, digest: digest(`${seed}e`) },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 512, digest: digest(`${seed}f`) },
    ],
  });
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

async function createRepository(name: string, mutability: 'MUTABLE' | 'IMMUTABLE' = 'MUTABLE') {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: mutability }));
}

async function put(repositoryName: string, body: string, imageTag?: string) {
  return ecr.send(new PutImageCommand({ repositoryName, imageManifest: body, imageTag }));
}

async function digestOf(repositoryName: string, imageTag: string): Promise<string | undefined> {
  const answer = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag }] }));
  return answer.images?.[0]?.imageId?.imageDigest;
}

const request = (r: Partial<PublishRequest>): PublishRequest => ({
  repository: 'web',
  mutability: 'MUTABLE',
  requestedTags: [],
  // Promotion must never build: this context does not exist, so a build would fail the test.
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

const context = (sha: string) => ({
  ecr: () => ecr,
  git: { eventName: 'push', sha: sha.padEnd(40, '0'), ref: 'refs/heads/main' },
  secrets: new Secrets(),
  logger: memoryLogger(),
});

describe('sandbox ECR repositories through the AWS SDK', () => {
  it('creates and describes a repository with ECR’s URI, ARN and settings', async () => {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/api',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: 'KMS' },
        tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    expect(created.repository).toMatchObject({
      repositoryName: 'team/api',
      registryId: '123456789012',
      repositoryUri: `${registry}/team/api`,
      repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/team/api',
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: {
        encryptionType: 'KMS',
        kmsKey: 'arn:aws:kms:us-east-1:123456789012:alias/aws/ecr',
      },
    });
    expect(created.repository?.createdAt).toBeInstanceOf(Date);

    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/api'] }));
    expect(described.repositories).toEqual([created.repository]);
    const all = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(all.repositories?.map((r) => r.repositoryName)).toContain('team/api');

    await expect(
      ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/api' })),
    ).rejects.toBeInstanceOf(RepositoryAlreadyExistsException);
    await expect(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/api', 'missing'] })),
    ).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
      message: "The repository with name 'missing' does not exist in the registry with id '123456789012'",
    });
    await expect(
      ecr.send(new CreateRepositoryCommand({ repositoryName: 'Upper/Case' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('keeps a valid lifecycle policy and refuses a malformed one', async () => {
    await createRepository('policied');
    await expect(
      ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'policied' })),
    ).rejects.toBeInstanceOf(LifecyclePolicyNotFoundException);
    await expect(
      ecr.send(
        new PutLifecyclePolicyCommand({ repositoryName: 'policied', lifecyclePolicyText: '{"rules":[{}]}' }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);

    const text = lifecyclePolicy(10);
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'policied', lifecyclePolicyText: text }));
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'policied' }));
    expect(policy).toMatchObject({
      registryId: '123456789012',
      repositoryName: 'policied',
      lifecyclePolicyText: text,
    });
    await expect(
      ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'nowhere' })),
    ).rejects.toBeInstanceOf(RepositoryNotFoundException);
  });
});

describe('sandbox ECR images through the AWS SDK', () => {
  it('stores a manifest under the sha256 of its bytes and describes the image', async () => {
    await createRepository('images');
    const body = manifest('a');
    const pushed = await put('images', body, 'sha-1111111');
    expect(pushed.image).toEqual({
      registryId: '123456789012',
      repositoryName: 'images',
      imageId: { imageDigest: sha256(body), imageTag: 'sha-1111111' },
      imageManifest: body,
      imageManifestMediaType: OCI_MANIFEST,
    });

    await expect(put('images', body, 'sha-1111111')).rejects.toBeInstanceOf(ImageAlreadyExistsException);
    await expect(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'images',
          imageManifest: body,
          imageTag: 'other',
          imageDigest: `sha256:${'0'.repeat(64)}`,
        }),
      ),
    ).rejects.toBeInstanceOf(ImageDigestDoesNotMatchException);
    await expect(put('images', 'not json', 'broken')).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(put('nowhere', body, 'x')).rejects.toBeInstanceOf(RepositoryNotFoundException);

    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'images' }));
    expect(described.imageDetails).toHaveLength(1);
    expect(described.imageDetails?.[0]).toMatchObject({
      registryId: '123456789012',
      repositoryName: 'images',
      imageDigest: sha256(body),
      imageTags: ['sha-1111111'],
      imageSizeInBytes: 2048 + 512,
      imageManifestMediaType: OCI_MANIFEST,
    });
    expect(described.imageDetails?.[0]?.imagePushedAt).toBeInstanceOf(Date);
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'images', imageIds: [{ imageTag: 'nope' }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
  });

  it('moves a tag in a MUTABLE repository, keeping the old image untagged', async () => {
    await createRepository('moving');
    const first = await put('moving', manifest('b'), 'production');
    const second = await put('moving', manifest('c'), 'production');
    expect(await digestOf('moving', 'production')).toBe(second.image?.imageId?.imageDigest);

    const untagged = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'moving', filter: { tagStatus: 'UNTAGGED' } }),
    );
    expect(untagged.imageDetails?.map((i) => [i.imageDigest, i.imageTags])).toEqual([
      [first.image?.imageId?.imageDigest, undefined],
    ]);
  });

  it('refuses to move a tag in an IMMUTABLE repository with ImageTagAlreadyExistsException', async () => {
    await createRepository('locked', 'IMMUTABLE');
    const original = await put('locked', manifest('d'), '1.0.0');
    const other = manifest('e');

    await expect(put('locked', other, '1.0.0')).rejects.toMatchObject({
      name: 'ImageTagAlreadyExistsException',
      message: expect.stringContaining("'1.0.0'"),
    });
    await expect(put('locked', manifest('d'), '1.0.0')).rejects.toBeInstanceOf(ImageAlreadyExistsException);
    expect(await digestOf('locked', '1.0.0')).toBe(original.image?.imageId?.imageDigest);

    // @slipway/ecr turns ECR's refusal into its own error with a remedy.
    const store = new EcrStore(ecr, registry);
    await expect(
      store.tag('locked', '1.0.0', { digest: sha256(other), mediaType: OCI_MANIFEST, body: other }),
    ).rejects.toMatchObject({ code: 'SLW-ECR-008' });

    // A new tag on an IMMUTABLE repository is fine, even for an image that has one already.
    await expect(put('locked', manifest('d'), 'sha-2222222')).resolves.toBeDefined();
  });

  it('lets the tags an exclusion filter names move in an IMMUTABLE_WITH_EXCLUSION repository', async () => {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'mostly-locked',
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      }),
    );
    await put('mostly-locked', manifest('1'), 'latest-main');
    await put('mostly-locked', manifest('1'), '2.0.0');
    await expect(put('mostly-locked', manifest('2'), 'latest-main')).resolves.toBeDefined();
    await expect(put('mostly-locked', manifest('2'), '2.0.0')).rejects.toBeInstanceOf(
      ImageTagAlreadyExistsException,
    );
  });

  it('answers BatchGetImage with the requested tag echoed and a failure per unknown image', async () => {
    await createRepository('lookups');
    const body = manifest('f');
    const digest = sha256(body);
    await put('lookups', body, 'sha-3333333');
    await put('lookups', manifest('9'), 'staging');

    const answer = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'lookups',
        imageIds: [
          { imageTag: 'sha-3333333' },
          { imageDigest: digest },
          { imageTag: 'nope' },
          { imageTag: 'staging', imageDigest: digest },
          { imageDigest: `sha256:${'0'.repeat(64)}` },
        ],
      }),
    );
    expect(answer.images).toEqual([
      expect.objectContaining({
        imageId: { imageDigest: digest, imageTag: 'sha-3333333' },
        imageManifest: body,
        imageManifestMediaType: OCI_MANIFEST,
      }),
      expect.objectContaining({ imageId: { imageDigest: digest } }),
    ]);
    expect(answer.failures).toEqual([
      {
        imageId: { imageTag: 'nope' },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      },
      {
        imageId: { imageTag: 'staging', imageDigest: digest },
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: expect.any(String),
      },
      {
        imageId: { imageDigest: `sha256:${'0'.repeat(64)}` },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      },
    ]);

    // What skip-if-built and promotion read: unknown tags are simply absent.
    const found = await new EcrStore(ecr, registry).manifests('lookups', ['sha-3333333', 'nope']);
    expect([...found.keys()]).toEqual(['sha-3333333']);
    expect(found.get('sha-3333333')).toEqual({ digest, mediaType: OCI_MANIFEST, body });
  });

  it('hands out a registry login: AWS and a password, base64, for https://<registry>', async () => {
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = answer.authorizationData?.[0];
    expect(data?.proxyEndpoint).toBe(`https://${registry}`);
    const [user, password] = Buffer.from(data?.authorizationToken ?? '', 'base64')
      .toString('utf8')
      .split(':');
    expect(user).toBe('AWS');
    expect(password?.length).toBeGreaterThan(100);
    expect(data?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
  });
});

describe('promotion with @slipway/ecr against the sandbox', () => {
  it('retags the staging image for production by manifest: no login, no build, one digest', async () => {
    // Staging built commit 1111111 on main and pushed it as sha-1111111.
    await createRepository('web');
    const body = manifest('7');
    await put('web', body, 'sha-1111111');
    sandbox.resetCalls();

    const promoted = await publish(
      request({ environment: 'production', promoteFrom: 'sha-1111111' }),
      context('1111111'),
    );

    expect(promoted).toMatchObject({
      result: 'retagged',
      digest: sha256(body),
      repositoryUri: `${registry}/web`,
      imageUri: `${registry}/web@${sha256(body)}`,
      tags: ['sha-1111111', 'main', 'production'],
      sizeBytes: 100 + 2048 + 512,
    });
    expect(sandbox.calls()).toEqual({
      DescribeRepositories: 1,
      BatchGetImage: 1,
      PutImage: 2,
      DescribeImages: 1,
    });
    for (const tag of promoted.tags) expect(await digestOf('web', tag)).toBe(sha256(body));
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }));
    expect(images.imageDetails?.map((i) => i.imageTags)).toEqual([['sha-1111111', 'main', 'production']]);

    // Promoting the same commit again changes nothing.
    sandbox.resetCalls();
    const again = await publish(
      request({ environment: 'production', promoteFrom: 'sha-1111111' }),
      context('1111111'),
    );
    expect(again.result).toBe('present');
    expect(sandbox.calls().PutImage).toBeUndefined();
  });

  it('refuses to promote into a tag an IMMUTABLE repository has given to another image', async () => {
    await createRepository('web-locked', 'IMMUTABLE');
    await put('web-locked', manifest('5'), 'sha-4444444');
    await put('web-locked', manifest('6'), 'sha-5555555');
    const taken = publish(
      request({ repository: 'web-locked', mutability: 'IMMUTABLE', promoteFrom: 'sha-5555555' }),
      context('4444444'),
    );
    await expect(taken).rejects.toMatchObject({ code: 'SLW-ECR-008' });
    expect(await digestOf('web-locked', 'sha-4444444')).toBe(sha256(manifest('5')));
  });

  it('names a promotion source that does not exist', async () => {
    await createRepository('web-empty');
    await expect(
      publish(request({ repository: 'web-empty', promoteFrom: 'sha-9999999' }), context('9999999')),
    ).rejects.toMatchObject({ code: 'SLW-ECR-007' });
  });
});
