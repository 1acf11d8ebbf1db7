import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fullJitter, memoryLogger, virtualClock } from '@slipway/kit';
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
