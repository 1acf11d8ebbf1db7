import {
  ECRClient,
  ImageTagAlreadyExistsException,
  LayersNotFoundException,
  PutImageCommand,
  ReferencedImagesNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrStore } from '@slipway/ecr';

// moto accepts any manifest in any repository, so ECR's refusal of a manifest whose layers the target
// repository lacks can only be reproduced here.
const ecr = mockClient(ECRClient);
const store = new EcrStore(
  new ECRClient({ region: 'us-east-1' }),
  '123456789012.dkr.ecr.us-east-1.amazonaws.com',
);
const image = {
  digest: `sha256:${'a'.repeat(64)}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  body: '{}',
};
const metadata = { $metadata: { httpStatusCode: 400 } };

beforeEach(() => ecr.reset());

test.each([
  ['LayersNotFoundException', new LayersNotFoundException({ message: 'layers not found', ...metadata })],
  [
    'ReferencedImagesNotFoundException',
    new ReferencedImagesNotFoundException({ message: 'referenced images not found', ...metadata }),
  ],
])('%s from PutImage becomes SLW-ECR-012, naming the target repository', async (_name, refusal) => {
  ecr.on(PutImageCommand).rejects(refusal);
  const tagged = store.tag('team/app', 'production', image);
  await expect(tagged).rejects.toMatchObject({
    code: 'SLW-ECR-012',
    message: expect.stringContaining('in team/app: its layers are not in that repository'),
    cause: refusal,
  });
  expect(ecr.commandCalls(PutImageCommand)[0]!.args[0].input).toMatchObject({
    repositoryName: 'team/app',
    imageTag: 'production',
    imageDigest: image.digest,
  });
});

test('a tag taken on an IMMUTABLE repository is SLW-ECR-008, not SLW-ECR-012', async () => {
  ecr.on(PutImageCommand).rejects(new ImageTagAlreadyExistsException({ message: 'taken', ...metadata }));
  await expect(store.tag('team/app', '1.0.0', image)).rejects.toMatchObject({ code: 'SLW-ECR-008' });
});
