import { ConfigurationError } from '@slipway/kit';
import { PRB, readValidateRequest } from '@slipway/probe';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0dadc7cc085a7501';
const read = (inputs: Record<string, string>) => readValidateRequest((name) => inputs[name]);

test('every input lands, typed, in one request', () => {
  const request = read({
    cluster: 'prod',
    services: 'api, worker',
    'task-definition-arn': 'api:7',
    since: '1748779200',
    'target-group-arns': TG,
    urls: 'https://api.example.com/version?ids=1,2\n# a comment\nhttp://127.0.0.1:8080/health',
    'expected-status': '204',
    'json-expectations': '$.version == abc123\n$.status != down',
    headers: 'Authorization: Bearer s3cret\nX-Trace:  on, off ',
    'request-timeout': '3',
    'latency-p95-max-ms': '250',
    timeout: '60',
  });
  expect(request).toMatchObject({
    ecs: {
      cluster: 'prod',
      services: ['api', 'worker'],
      taskDefinition: 'api:7',
      since: new Date('2025-06-01T12:00:00Z'),
    },
    targetGroupArns: [TG],
    http: {
      urls: [new URL('https://api.example.com/version?ids=1,2'), new URL('http://127.0.0.1:8080/health')],
      expectedStatus: 204,
      headers: { Authorization: 'Bearer s3cret', 'X-Trace': 'on, off' },
      verifyTls: true,
      requestTimeoutMs: 3000,
      latency: { samples: 20, maxP95Ms: 250 },
    },
    timeoutSeconds: 60,
  });
  expect(request.http!.expectations.map((e) => e.text)).toEqual(['$.version == abc123', '$.status != down']);
});

test('defaults: status 200, TLS verified, no latency probe, 120 s', () => {
  expect(read({ urls: 'https://x.example/' })).toMatchObject({
    ecs: undefined,
    targetGroupArns: [],
    http: { expectedStatus: 200, verifyTls: true, requestTimeoutMs: 10_000, latency: undefined },
    timeoutSeconds: 120,
  });
  expect(read({ urls: 'https://x.example/', 'insecure-skip-tls-verify': 'true' }).http!.verifyTls).toBe(
    false,
  );
  // The default request timeout never outlasts a shorter overall one; a given one may equal it.
  expect(read({ urls: 'https://x.example/', timeout: '3' }).http!.requestTimeoutMs).toBe(3000);
  expect(
    read({ urls: 'https://x.example/', timeout: '5', 'request-timeout': '5' }).http!.requestTimeoutMs,
  ).toBe(5000);
  expect(read({ services: 'a', cluster: 'c', since: '2025-06-01T12:00:00Z' }).ecs!.since).toEqual(
    new Date('2025-06-01T12:00:00Z'),
  );
});

test.each<[string, Record<string, string>, string, RegExp]>([
  ['nothing at all', {}, PRB.NOTHING_TO_VALIDATE, /Nothing to validate/],
  [
    'expectations without URLs',
    { services: 'a', cluster: 'c', 'json-expectations': '$.a == b' },
    PRB.NOTHING_TO_VALIDATE,
    /"json-expectations" was given without "urls"/,
  ],
  [
    'a revision without services',
    { urls: 'https://x.example/', 'task-definition-arn': 'web:2' },
    PRB.NOTHING_TO_VALIDATE,
    /"task-definition-arn" was given without "services"/,
  ],
  [
    'services without a cluster',
    { services: 'a' },
    PRB.CLUSTER_NOT_FOUND,
    /"cluster" is required with "services"/,
  ],
  ['a relative URL', { urls: '/health' }, PRB.INVALID_URL, /"\/health" is not an http or https URL/],
  ['another scheme', { urls: 'ftp://x.example/' }, PRB.INVALID_URL, /ftp:/],
  [
    'a bad JSON path',
    { urls: 'https://x.example/', 'json-expectations': '$.a..b == c' },
    PRB.INVALID_JSON_EXPECTATION,
    /bad path step/,
  ],
  [
    'an unknown operator',
    { urls: 'https://x.example/', 'json-expectations': '$.a ~= c' },
    PRB.INVALID_JSON_EXPECTATION,
    /needs == or !=/,
  ],
  [
    'a header without a colon',
    { urls: 'https://x.example/', headers: 'Accept: */*\nBearer abc' },
    PRB.INVALID_HEADER,
    /line 2 is not "Name: value"/,
  ],
  [
    'zero samples',
    { urls: 'https://x.example/', 'latency-samples': '0' },
    PRB.IMPOSSIBLE_THRESHOLDS,
    /"latency-samples" \(0\)/,
  ],
  [
    'a p95 limit of 0 ms',
    { urls: 'https://x.example/', 'latency-p95-max-ms': '0' },
    PRB.IMPOSSIBLE_THRESHOLDS,
    /"latency-p95-max-ms" \(0\)/,
  ],
  [
    'a negative p95 limit',
    { urls: 'https://x.example/', 'latency-samples': '5', 'latency-p95-max-ms': '-10' },
    PRB.IMPOSSIBLE_THRESHOLDS,
    /impossible latency probe/,
  ],
  [
    'a request timeout longer than the timeout',
    { urls: 'https://x.example/', 'request-timeout': '30', timeout: '20' },
    PRB.IMPOSSIBLE_THRESHOLDS,
    /^Input "request-timeout" \(30 s\) is longer than "timeout" \(20 s\)/,
  ],
  [
    'a request timeout longer than the default timeout',
    { urls: 'https://x.example/', 'request-timeout': '121' },
    PRB.IMPOSSIBLE_THRESHOLDS,
    /"request-timeout" \(121 s\) is longer than "timeout" \(120 s\)/,
  ],
  [
    'a since that is no time',
    { services: 'a', cluster: 'c', since: 'yesterday' },
    PRB.INVALID_SINCE,
    /"yesterday" is not a time/,
  ],
  [
    'an impossible date',
    { services: 'a', cluster: 'c', since: '2025-13-45' },
    PRB.INVALID_SINCE,
    /not a time/,
  ],
  [
    'a target group name',
    { 'target-group-arns': 'web' },
    'SLW-KIT-001',
    /Input "target-group-arns" has item 1 \("web"\), which is not an ARN/,
  ],
  [
    'a service named twice',
    { services: 'api, worker\napi', cluster: 'c' },
    'SLW-KIT-001',
    /Input "services" names "api" twice/,
  ],
  [
    'a target group in another region than "region"',
    {
      'target-group-arns':
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef',
      region: 'us-east-1',
    },
    'SLW-KIT-004',
    /Input "target-group-arns" is an ARN in eu-west-1, but input "region" is us-east-1/,
  ],
  [
    'a header value with a control character',
    { urls: 'https://a.example.com', headers: 'X-Bell: ring\u0007' },
    'SLW-KIT-001',
    /Input "headers" holds the control character U\+0007 \(the value may hold a credential/,
  ],
  [
    'a malformed revision',
    { services: 'a', cluster: 'c', 'task-definition-arn': 'arn:aws:ecs:us-east-1:1:task/x' },
    'SLW-ECS-001',
    /task-definition-arn/,
  ],
  [
    'a status out of range',
    { urls: 'https://x.example/', 'expected-status': '99' },
    'SLW-KIT-001',
    /"expected-status" is below 100/,
  ],
])('%s', (_name, inputs, code, message) => {
  let error: unknown;
  try {
    read(inputs);
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
});

test('a bad header line or URL never echoes a credential', () => {
  const errorOf = (inputs: Record<string, string>) => {
    try {
      read(inputs);
    } catch (thrown) {
      return (thrown as ConfigurationError).describe();
    }
    throw new Error('no error');
  };
  expect(errorOf({ urls: 'https://x.example/', headers: 'Authorization Bearer s3cret' })).not.toContain(
    's3cret',
  );
  expect(errorOf({ urls: 'https://user:s3cret@x.example:99999/' })).not.toContain('s3cret');
  const query = errorOf({ urls: 'https://x.example:99999/v?page=2&api_key=s3cret&X-Amz-Signature=s1gn' });
  expect(query).toContain('?page=2&api_key=***&X-Amz-Signature=***');
});
