import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { Secrets } from '@slipway/kit';
import { imageRevision } from '@slipway/ecr';

// Neither moto nor the sandbox serves GetDownloadUrlForLayer, so ECR's answers are given here; the
// config blob is fetched over HTTP from a local server, as from the pre-signed S3 URL ECR returns.
const ecr = mockClient(ECRClient);
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
let url: string;
const fetched: string[] = [];
const server = createServer((request, response) => {
  fetched.push(request.url ?? '');
  if (request.url === '/amd64-config') {
    response.end(JSON.stringify({ config: { Labels: { 'org.opencontainers.image.revision': COMMIT } } }));
  } else response.writeHead(404).end();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  ecr.reset();
  fetched.length = 0;
});

const regions: string[] = [];
const options = {
  ecr: (region: string) => {
    regions.push(region);
    return new ECRClient({ region, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  },
  secrets: new Secrets(),
};
const index = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { digest: digest('b'), platform: { os: 'linux', architecture: 'arm64' } },
    { digest: digest('a'), platform: { os: 'linux', architecture: 'amd64' } },
  ],
});
const image = (config: string) =>
  JSON.stringify({ schemaVersion: 2, config: { digest: config, size: 1 }, layers: [] });

test('a sha- tag in the reference is the commit: no call at all', async () => {
  expect(await imageRevision(`${HOST}/web:sha-1a2b3c4`, options)).toBe('1a2b3c4');
  expect(ecr.calls()).toHaveLength(0);
});

test('pinned by digest: the one sha- tag ECR holds for it, in the host’s region', async () => {
  ecr
    .on(DescribeImagesCommand)
    .resolves({ imageDetails: [{ imageTags: ['main', 'sha-7654321', 'staging'] }] });
  expect(await imageRevision(`${HOST}/web@${digest('c')}`, options)).toBe('7654321');
  expect(ecr.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({
    registryId: '123456789012',
    repositoryName: 'web',
    imageIds: [{ imageDigest: digest('c') }],
  });
  expect(regions.at(-1)).toBe('eu-west-1');
  expect(ecr.commandCalls(BatchGetImageCommand)).toHaveLength(0);
});

test('pinned by digest, tagged with the short and the full form of one commit: that commit, in full', async () => {
  const full = '7654321'.padEnd(40, 'e');
  ecr
    .on(DescribeImagesCommand)
    .resolves({ imageDetails: [{ imageTags: ['sha-7654321', `sha-${full}`, 'validated-staging-k'] }] });
  expect(await imageRevision(`${HOST}/web@${digest('c')}`, options)).toBe(full);
  expect(ecr.commandCalls(BatchGetImageCommand)).toHaveLength(0);
});

test('no sha- tag (or two): the label of the list’s amd64 image, read from its config blob', async () => {
  ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['sha-1111111', 'sha-2222222'] }] });
  ecr
    .on(BatchGetImageCommand, { imageIds: [{ imageTag: 'main' }] })
    .resolves({
      images: [
        {
          imageId: { imageTag: 'main', imageDigest: digest('c') },
          imageManifest: index,
          imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
        },
      ],
    })
    .on(BatchGetImageCommand, { imageIds: [{ imageDigest: digest('a') }] })
    .resolves({
      images: [
        {
          imageId: { imageDigest: digest('a') },
          imageManifest: image(digest('d')),
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        },
      ],
    });
  ecr
    .on(GetDownloadUrlForLayerCommand, { layerDigest: digest('d') })
    .resolves({ downloadUrl: `${url}/amd64-config` });
  expect(await imageRevision(`${HOST}/web:main`, options)).toBe(COMMIT);
  expect(fetched).toEqual(['/amd64-config']);
});

test('an image ECR does not have has no commit', async () => {
  ecr.on(DescribeImagesCommand).rejects(Object.assign(new Error('gone'), { name: 'ImageNotFoundException' }));
  ecr
    .on(BatchGetImageCommand)
    .resolves({ images: [], failures: [{ imageId: { imageTag: 'v9' }, failureCode: 'ImageNotFound' }] });
  expect(await imageRevision(`${HOST}/web:v9`, options)).toBeUndefined();
  expect(ecr.commandCalls(GetDownloadUrlForLayerCommand)).toHaveLength(0);
});
