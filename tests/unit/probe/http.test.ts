import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fullJitter, memoryLogger, systemClock, virtualClock } from '@slipway/kit';
import { HttpProbe, parseJsonExpectation, probeUrl } from '@slipway/probe';

/** Answers 500 to the first `failures` requests, then 200 with a version. */
let failures = 0;
let served = 0;
let server: Server;
let url: URL;

beforeAll(async () => {
  server = createServer((_request, response) => {
    served++;
    if (served <= failures) return void response.writeHead(500).end('{"status":"starting"}');
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"abc123"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  served = 0;
});

const probe = (): HttpProbe => ({
  urls: [url],
  expectedStatus: 200,
  expectations: [parseJsonExpectation('$.version == abc123')],
  headers: {},
  verifyTls: true,
  requestTimeoutMs: 2000,
});
const backoff = { baseMs: 200, capMs: 2000, random: () => 0.75 };

test('retries on the full-jitter schedule until the URL recovers', async () => {
  failures = 4;
  const clock = virtualClock();
  const checks = await probeUrl(url, probe(), { deadline: 60_000, clock, backoff, logger: memoryLogger() });
  expect(served).toBe(5);
  expect(clock.slept).toEqual([0, 1, 2, 3].map((attempt) => fullJitter(attempt, backoff)));
  expect(clock.slept).toEqual([150, 300, 600, 1200]);
  expect(checks.map((c) => [c.name, c.verdict])).toEqual([
    ['HTTP status', 'pass'],
    ['JSON $.version == abc123', 'pass'],
  ]);
  expect(checks[0]!.observation).toMatch(/^200 in \d+ ms \(attempt 5\)$/);
});

test('gives up at the deadline, having looked one last time at it, and reports what it last saw', async () => {
  failures = Infinity;
  const clock = virtualClock();
  const logger = memoryLogger();
  const checks = await probeUrl(url, probe(), { deadline: 5_000, clock, backoff, logger });
  // Each sleep the full jitter of its attempt, the last cut to what was left: the sixth look comes at
  // 3.75 s, the seventh and last exactly at the deadline.
  expect(clock.slept).toEqual([150, 300, 600, 1200, 1500, 1250]);
  expect(clock.now()).toBe(5_000);
  expect(served).toBe(7);
  expect(checks.map((c) => [c.name, c.verdict])).toEqual([
    ['HTTP status', 'fail'],
    ['JSON $.version == abc123', 'fail'],
  ]);
  expect(checks[0]!.observation).toMatch(/^500 in \d+ ms \(attempt 7\)$/);
  expect(checks[1]!.observation).toBe('$.version is absent');
  // Told once what it waits for; each further look goes to the debug log only.
  const waiting = logger.lines.filter((l) => l.startsWith('waiting for'));
  expect(waiting).toHaveLength(1);
  expect(waiting[0]).toMatch(
    /^waiting for http:\/\/127\.0\.0\.1:\d+\/health \(HTTP status\): 500 in \d+ ms$/,
  );
});

test('a refused connection is an observation, not a crash', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const gone = new URL(`http://127.0.0.1:${port}/`);
  const checks = await probeUrl(
    gone,
    { ...probe(), urls: [gone] },
    {
      deadline: 0,
      clock: virtualClock(),
      backoff,
      logger: memoryLogger(),
    },
  );
  expect(checks[0]).toMatchObject({ verdict: 'fail', observation: expect.stringContaining('ECONNREFUSED') });
  expect(checks[1]).toMatchObject({ verdict: 'fail', observation: 'no answer' });
});

describe('latency probe', () => {
  /** /ok: 200 at once; /slow: 200 after 200 ms; /fourth-fails: 200, but 500 to its 4th request. */
  let app: Server;
  let base: string;
  let hits: Record<string, number> = {};
  beforeAll(async () => {
    app = createServer((request, response) => {
      const path = request.url!;
      hits[path] = (hits[path] ?? 0) + 1;
      const ok = () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (path === '/slow') return void setTimeout(ok, 200);
      if (path === '/fourth-fails' && hits[path] === 4) return void response.writeHead(500).end();
      ok();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    app.closeAllConnections();
    return new Promise((resolve) => app.close(resolve));
  });
  beforeEach(() => {
    hits = {};
  });

  const latencyProbe = (path: string, samples: number): [URL, HttpProbe] => {
    const at = new URL(`${base}${path}`);
    return [at, { ...probe(), urls: [at], expectations: [], latency: { samples, maxP95Ms: 1000 } }];
  };

  test('a sample answering another status fails the probe, however fast: no further requests', async () => {
    const [at, settings] = latencyProbe('/fourth-fails', 5);
    const checks = await probeUrl(at, settings, {
      deadline: 60_000,
      clock: virtualClock(),
      backoff,
      logger: memoryLogger(),
    });
    expect(checks.map((c) => [c.name, c.verdict])).toEqual([
      ['HTTP status', 'pass'],
      ['latency', 'fail'],
    ]);
    // The status look was request 1, so the 4th is the 3rd sample.
    expect(checks[1]!.observation).toMatch(/^request 3 of 5: 500 in \d+ ms, expected 200$/);
    expect(hits['/fourth-fails']).toBe(4);
  });

  test('each request is cut to the time left, so the probe ends by the deadline', async () => {
    const [at, settings] = latencyProbe('/slow', 10);
    const started = Date.now();
    const checks = await probeUrl(
      at,
      { ...settings, requestTimeoutMs: 5000 },
      { deadline: started + 700, clock: systemClock, backoff, logger: memoryLogger() },
    );
    const took = Date.now() - started;
    // 11 requests of 200 ms would take 2.2 s; the status look and two samples fit, the third is cut.
    expect(took).toBeLessThan(1000);
    expect(checks[1]).toMatchObject({
      name: 'latency',
      verdict: 'fail',
      observation: expect.stringMatching(
        /^request \d+ of 10: no answer within 0\.\d+ s \(the time left before the timeout\)$/,
      ),
    });
  });

  test('once the deadline has passed, no sample is sent', async () => {
    const [at, settings] = latencyProbe('/ok', 3);
    const clock = virtualClock();
    const checks = await probeUrl(at, settings, { deadline: 0, clock, backoff, logger: memoryLogger() });
    expect(checks[1]).toMatchObject({
      verdict: 'fail',
      observation: 'request 1 of 3: not sent, the timeout was reached',
    });
    expect(hits['/ok']).toBe(1);
  });

  test('skipped, with the reason, when the URL failed its status check', async () => {
    failures = Infinity;
    const checks = await probeUrl(
      url,
      { ...probe(), latency: { samples: 5 } },
      { deadline: 0, clock: virtualClock(), backoff, logger: memoryLogger() },
    );
    expect(checks.map((c) => [c.name, c.verdict, c.observation])).toEqual([
      ['HTTP status', 'fail', expect.stringMatching(/^500 in \d+ ms$/)],
      ['JSON $.version == abc123', 'fail', '$.version is absent'],
      ['latency', 'skip', 'not run: the HTTP status check failed'],
    ]);
    expect(served).toBe(1);
  });
});
