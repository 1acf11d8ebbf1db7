import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  ClientException,
  DescribeClustersCommand,
  ECSClient,
  ECSServiceException,
  ServerException,
} from '@aws-sdk/client-ecs';
import {
  awsClient,
  awsErrorName,
  ConfigurationError,
  isThrottling,
  isTransient,
  REGION_MISSING,
  resolveRegion,
  USER_AGENT,
} from '@slipway/kit';
import { restoreEnvAfterEach } from '../../helpers/env';

restoreEnvAfterEach();

/** Removes every AWS_* variable the host may have set, so only what a test sets is seen. */
function clearAwsEnv(): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  process.env.AWS_CONFIG_FILE = '/nonexistent/slipway-test/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/slipway-test/aws-credentials';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

beforeEach(clearAwsEnv);

describe('resolveRegion', () => {
  test.each([
    ['explicit wins over both variables', 'eu-west-1', 'us-east-1', 'us-west-2', 'eu-west-1'],
    ['AWS_REGION wins over AWS_DEFAULT_REGION', undefined, 'us-east-1', 'us-west-2', 'us-east-1'],
    ['AWS_DEFAULT_REGION as the last resort', undefined, undefined, 'us-west-2', 'us-west-2'],
    ['an empty explicit region is not given', '', 'us-east-1', undefined, 'us-east-1'],
    ['an empty AWS_REGION is not set', undefined, '', 'us-west-2', 'us-west-2'],
    ['explicit alone', 'ap-south-1', undefined, undefined, 'ap-south-1'],
  ])('%s', (_label, explicit, AWS_REGION, AWS_DEFAULT_REGION, expected) => {
    expect(resolveRegion(explicit, { AWS_REGION, AWS_DEFAULT_REGION })).toBe(expected);
  });

  test('reads process.env by default', () => {
    process.env.AWS_DEFAULT_REGION = 'ca-central-1';
    expect(resolveRegion(undefined)).toBe('ca-central-1');
    process.env.AWS_REGION = 'sa-east-1';
    expect(resolveRegion(undefined)).toBe('sa-east-1');
  });

  test.each([
    ['nothing at all', undefined, {}],
    ['only empty values', '', { AWS_REGION: '', AWS_DEFAULT_REGION: '' }],
  ])('%s throws a ConfigurationError SLW-KIT-003 with a remedy', (_label, explicit, env) => {
    expect.assertions(4);
    try {
      resolveRegion(explicit, env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(REGION_MISSING).toBe('SLW-KIT-003');
      expect((error as ConfigurationError).code).toBe('SLW-KIT-003');
      expect((error as ConfigurationError).remedy).toMatch(/"region" input.*AWS_REGION/);
    }
  });
});

describe('awsClient', () => {
  test('sets the region, adaptive retry, 8 attempts and our user agent', async () => {
    process.env.AWS_REGION = 'eu-central-1';
    const client = awsClient(ECSClient);
    try {
      expect(await client.config.region()).toBe('eu-central-1');
      expect(client.config.retryMode).toBe('adaptive');
      expect(await client.config.maxAttempts()).toBe(8);
      // The strategy the SDK actually built from retryMode (an AdaptiveRetryStrategy).
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe('adaptive');
      expect(client.config.customUserAgent).toEqual([[USER_AGENT]]);
      expect(USER_AGENT).toBe('slipway/0.1.0');
    } finally {
      client.destroy();
    }
  });

  test('an explicit region and attempt count override the defaults', async () => {
    process.env.AWS_REGION = 'eu-central-1';
    const client = awsClient(ECSClient, { region: 'us-east-2', maxAttempts: 3 });
    try {
      expect(await client.config.region()).toBe('us-east-2');
      expect(await client.config.maxAttempts()).toBe(3);
      expect(client.config.retryMode).toBe('adaptive');
    } finally {
      client.destroy();
    }
  });

  test('passes exactly our settings to the constructor', () => {
    process.env.AWS_DEFAULT_REGION = 'us-west-1';
    const seen: unknown[] = [];
    class FakeClient {
      constructor(settings: unknown) {
        seen.push(settings);
      }
    }
    expect(awsClient(FakeClient)).toBeInstanceOf(FakeClient);
    expect(seen).toEqual([
      { region: 'us-west-1', retryMode: 'adaptive', maxAttempts: 8, customUserAgent: 'slipway/0.1.0' },
    ]);
  });

  test('without any region it throws SLW-KIT-003 before building a client', () => {
    const construct = jest.fn();
    class NeverBuilt {
      constructor() {
        construct();
      }
    }
    expect(() => awsClient(NeverBuilt)).toThrow(expect.objectContaining({ code: REGION_MISSING }));
    expect(construct).not.toHaveBeenCalled();
  });
});

describe('awsClient and AWS_ENDPOINT_URL_ECS', () => {
  interface Seen {
    method?: string;
    url?: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }
  let server: http.Server;
  let seen: Seen[];
  let endpoint: string;

  beforeEach(async () => {
    seen = [];
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ clusters: [], failures: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('the SDK client sends DescribeClusters to the endpoint in AWS_ENDPOINT_URL_ECS', async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECS: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    });
    const client = awsClient(ECSClient);
    try {
      const answer = await client.send(new DescribeClustersCommand({ clusters: ['prod'] }));
      expect(answer.clusters).toEqual([]);
      expect(answer.failures).toEqual([]);
    } finally {
      client.destroy();
    }
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/');
    expect(request?.headers['x-amz-target']).toBe('AmazonEC2ContainerServiceV20141113.DescribeClusters');
    expect(JSON.parse(request?.body ?? '')).toEqual({ clusters: ['prod'] });
    // SigV4 with the dummy credentials, scoped to the region we resolved.
    expect(request?.headers.authorization).toMatch(/Credential=test\/\d{8}\/us-east-1\/ecs\/aws4_request/);
    expect(`${request?.headers['user-agent']} ${request?.headers['x-amz-user-agent']}`).toContain(USER_AGENT);
  });
});

describe('isThrottling / isTransient', () => {
  const sdkError = (name: string, status: number, extra: object = {}) =>
    Object.assign(
      new ECSServiceException({
        name,
        $fault: status >= 500 ? 'server' : 'client',
        $metadata: { httpStatusCode: status },
        message: name,
      }),
      extra,
    );
  const networkError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

  test.each<[string, unknown, boolean, boolean]>([
    // label, error, throttling, transient
    ['ThrottlingException (400)', sdkError('ThrottlingException', 400), true, true],
    ['Throttling', sdkError('Throttling', 400), true, true],
    ['TooManyRequestsException', sdkError('TooManyRequestsException', 429), true, true],
    ['RequestLimitExceeded', sdkError('RequestLimitExceeded', 503), true, true],
    ['RequestThrottled', sdkError('RequestThrottled', 400), true, true],
    [
      '$retryable.throttling on an unknown name',
      sdkError('SlowDownPlease', 400, { $retryable: { throttling: true } }),
      true,
      true,
    ],
    ['a plain object named ThrottlingException', { name: 'ThrottlingException' }, true, true],
    [
      'ECS ServerException (500)',
      new ServerException({ message: 'x', $metadata: { httpStatusCode: 500 } }),
      false,
      true,
    ],
    ['503 ServiceUnavailable', sdkError('ServiceUnavailable', 503), false, true],
    ['502 from a proxy', { $metadata: { httpStatusCode: 502 } }, false, true],
    ['ECONNRESET', networkError('ECONNRESET'), false, true],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), false, true],
    ['ETIMEDOUT', networkError('ETIMEDOUT'), false, true],
    ['EPIPE', networkError('EPIPE'), false, true],
    ['TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), false, true],
    [
      'ECS ClientException (400)',
      new ClientException({ message: 'bad', $metadata: { httpStatusCode: 400 } }),
      false,
      false,
    ],
    ['AccessDeniedException (400)', sdkError('AccessDeniedException', 400), false, false],
    [
      '$retryable without throttling',
      sdkError('Whatever', 400, { $retryable: { throttling: false } }),
      false,
      false,
    ],
    ['ENOTFOUND (not in the list)', networkError('ENOTFOUND'), false, false],
    ['a plain Error', new Error('nope'), false, false],
    ['undefined', undefined, false, false],
    ['null', null, false, false],
    ['a string', 'ThrottlingException', false, false],
  ])('%s', (_label, error, throttling, transient) => {
    expect(isThrottling(error)).toBe(throttling);
    expect(isTransient(error)).toBe(transient);
  });

  test.each<[unknown, string | undefined]>([
    [new ClientException({ message: 'bad', $metadata: {} }), 'ClientException'],
    [new TypeError('x'), 'TypeError'],
    [{ name: 'Custom' }, 'Custom'],
    [undefined, undefined],
    [null, undefined],
  ])('awsErrorName(%p) → %p', (error, name) => {
    expect(awsErrorName(error)).toBe(name);
  });
});
