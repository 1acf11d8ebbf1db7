import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Secrets } from '@slipway/kit';
import { parseJsonExpectation, validate, ValidateRequest } from '@slipway/probe';
import { urlOnlyContext } from '../../helpers/probe';

/** An HTTPS server with a fresh self-signed certificate, echoing the Authorization header it gets. */
/** What happened, in order: requests served and secrets registered. */
let server: Server;
let url: URL;
const events: string[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem')), readFile(join(dir, 'cert.pem'))]);
    server = createServer({ key, cert }, (request, response) => {
      events.push(`request with ${request.headers.authorization ?? 'no authorization'}`);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ version: 'abc123', echo: request.headers.authorization ?? null }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/version`);
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  events.length = 0;
});

const request = (http: Partial<NonNullable<ValidateRequest['http']>> = {}): ValidateRequest => ({
  targetGroupArns: [],
  timeoutSeconds: 1,
  http: {
    urls: [url],
    expectedStatus: 200,
    expectations: [parseJsonExpectation('$.version == abc123')],
    headers: {},
    verifyTls: true,
    requestTimeoutMs: 2000,
    ...http,
  },
});
const context = urlOnlyContext;

test('TLS is verified by default: a self-signed certificate fails, saying so', async () => {
  const report = await validate(request(), context());
  expect(report.passed).toBe(false);
  expect(report.checks[0]).toMatchObject({
    name: 'HTTP status',
    verdict: 'fail',
    observation: expect.stringMatching(/self-signed certificate\b.*\(DEPTH_ZERO_SELF_SIGNED_CERT\)/),
  });
  expect(report.checks[1]).toMatchObject({ verdict: 'fail', observation: 'no answer' });
  expect(events).toEqual([]);
});

test('insecure-skip-tls-verify reaches the server, with a warning', async () => {
  const ctx = context();
  const report = await validate(request({ verifyTls: false }), ctx);
  expect(report.passed).toBe(true);
  expect(ctx.logger.lines).toContainEqual(
    expect.stringMatching(/^warning: TLS certificates are not verified/),
  );
});

test('a credential header is registered as a secret before it is sent, and redacted from the report', async () => {
  const secrets = new Secrets((secret) => events.push(`secret registered: ${secret}`));
  const ctx = context(secrets);
  const report = await validate(
    request({
      verifyTls: false,
      headers: { Authorization: 'Bearer s3cr3t-token', 'X-Trace': 'visible' },
      expectations: [parseJsonExpectation('$.echo == nope')],
    }),
    ctx,
  );
  expect(events[0]).toBe('secret registered: Bearer s3cr3t-token');
  expect(events).toContain('request with Bearer s3cr3t-token');
  expect(events).not.toContain('secret registered: visible');
  expect(report.checks[1]).toMatchObject({ verdict: 'fail', observation: '$.echo is "***"' });
  expect(JSON.stringify(report)).not.toContain('s3cr3t');
  expect(ctx.logger.lines.join('\n')).not.toContain('s3cr3t');
});
