import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secrets, virtualClock } from '@slipway/kit';
import {
  parseJsonExpectation,
  urlCredentials,
  validate,
  validationOutputs,
  validationSummary,
  ValidateRequest,
} from '@slipway/probe';
import { urlOnlyContext } from '../../helpers/probe';

/** Echoes its query parameters in a JSON body; /broken answers 500. What happened, in order, in events. */
let server: Server;
let base: string;
const events: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    events.push(`request ${request.url}`);
    const { pathname, searchParams } = new URL(request.url!, 'http://app');
    if (pathname === '/broken') return void response.writeHead(500).end();
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ echo: Object.fromEntries(searchParams) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  events.length = 0;
});

const request = (url: string, http: Partial<NonNullable<ValidateRequest['http']>> = {}): ValidateRequest => ({
  targetGroupArns: [],
  timeoutSeconds: 0,
  http: {
    urls: [new URL(url)],
    expectedStatus: 200,
    expectations: [],
    headers: {},
    verifyTls: true,
    requestTimeoutMs: 2000,
    ...http,
  },
});
const context = (secrets: Secrets) => urlOnlyContext(secrets, virtualClock());

test('credential-like query values are registered, encoded and decoded, before the URL is requested', async () => {
  const secrets = new Secrets((secret) => events.push(`secret ${secret}`));
  const ctx = context(secrets);
  const url = `${base}/v?page=2&api_key=k3y-val&Access_Token=a%2Fb%2Bc&X-Amz-Signature=s1gn4ture&sig=azs4s`;
  const report = await validate(
    request(url, { expectations: [parseJsonExpectation('$.echo.Access_Token == nothing')] }),
    ctx,
  );
  expect(events).toEqual([
    'secret k3y-val',
    'secret a%2Fb%2Bc',
    'secret a/b+c',
    'secret s1gn4ture',
    'secret azs4s',
    `request /v?page=2&api_key=k3y-val&Access_Token=a%2Fb%2Bc&X-Amz-Signature=s1gn4ture&sig=azs4s`,
  ]);
  const masked = `${base}/v?page=2&api_key=***&Access_Token=***&X-Amz-Signature=***&sig=***`;
  expect(report.checks.map((c) => [c.name, c.target, c.observation])).toEqual([
    ['HTTP status', masked, expect.stringMatching(/^200 in \d+ ms$/)],
    ['JSON $.echo.Access_Token == nothing', masked, '$.echo.Access_Token is "***"'],
  ]);
  const printed = [JSON.stringify(report), ctx.logger.lines.join('\n')].join('\n');
  for (const secret of ['k3y-val', 'a%2Fb%2Bc', 's1gn4ture', 'azs4s']) expect(printed).not.toContain(secret);
});

test('urlCredentials: the password and credential-like query values only', () => {
  expect(urlCredentials(new URL('https://u:p%40ss@x.example/?q=1&password=pw&monkey=banana&next'))).toEqual([
    'p%40ss',
    'pw',
    'pw',
    'banana',
    'banana',
  ]);
  expect(urlCredentials(new URL('https://x.example/health?page=2&format=json'))).toEqual([]);
});

test('a skipped latency probe is shown as skipped, not counted as a failure, and the URL fails', async () => {
  const report = await validate(
    request(`${base}/broken`, { latency: { samples: 3, maxP95Ms: 500 } }),
    context(new Secrets()),
  );
  expect(report.passed).toBe(false);
  expect(report.checks.map((c) => c.verdict)).toEqual(['fail', 'skip']);
  expect(events).toEqual(['request /broken']);
  expect(validationOutputs(report)['failed-checks']).toBe('1');
  const summary = validationSummary(report);
  expect(summary).toContain('❌ 1 of 2 checks failed');
  expect(summary).toContain(
    `| latency | ${base}/broken | not run: the HTTP status check failed | ⏭️ skipped |`,
  );
});
