import { ecrTarget, readPublishRequest } from '@slipway/ecr';

const FAR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';

describe('which ECR registry a step talks to', () => {
  test.each<[string, Parameters<typeof ecrTarget>[0], ReturnType<typeof ecrTarget>]>([
    [
      'no registry: the credentials’ account, the job’s region',
      {},
      { registryId: undefined, region: undefined },
    ],
    [
      'no registry, registry-id and region given',
      { registryId: '222222222222', region: 'ap-south-1' },
      { registryId: '222222222222', region: 'ap-south-1' },
    ],
    [
      'an ECR host: its account and region',
      { registry: FAR },
      { registryId: '111111111111', region: 'eu-west-1' },
    ],
    [
      'an ECR host with inputs that agree',
      { registry: FAR, registryId: '111111111111', region: 'eu-west-1' },
      { registryId: '111111111111', region: 'eu-west-1' },
    ],
    [
      'an ECR host in China',
      { registry: '111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn' },
      { registryId: '111111111111', region: 'cn-north-1' },
    ],
    ['another registry: no ECR at all', { registry: '127.0.0.1:5000', region: 'eu-west-1' }, undefined],
  ])('%s', (_name, request, target) => expect(ecrTarget(request)).toEqual(target));
});

describe('the inputs refuse a registry host contradicted by registry-id or region', () => {
  // promote-from skips the build checks, so no workspace files are needed.
  const read = (inputs: Record<string, string>) => () =>
    readPublishRequest(
      (name) => ({ repository: 'team/app', 'promote-from': 'sha-1234567', ...inputs })[name],
      '/workspace',
    );

  test('registry-id naming another account: SLW-ECR-014, naming the input and both accounts', () => {
    expect(read({ registry: FAR, 'registry-id': '222222222222' })).toThrow(
      expect.objectContaining({
        code: 'SLW-ECR-014',
        message:
          'Input "registry-id": "222222222222" contradicts "registry": 111111111111.dkr.ecr.eu-west-1.amazonaws.com is owned by account 111111111111.',
      }),
    );
  });

  test('region naming another region: SLW-ECR-014, naming the input', () => {
    expect(read({ registry: FAR, region: 'us-east-1' })).toThrow(
      expect.objectContaining({
        code: 'SLW-ECR-014',
        message: expect.stringMatching(/^Input "region": "us-east-1"/),
      }),
    );
  });

  test('agreeing inputs are accepted as they are', () => {
    expect(read({ registry: FAR, 'registry-id': '111111111111', region: 'eu-west-1' })()).toMatchObject({
      registry: FAR,
      registryId: '111111111111',
      region: 'eu-west-1',
    });
  });
});
