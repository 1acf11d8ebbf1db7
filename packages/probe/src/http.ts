import http from 'node:http';
import https from 'node:https';
import { Check, check, passed, skipped } from './check';
import { JsonExpectation, evaluate } from './expectations';
import { percentile } from './latency';
import { Patience, untilDeadline } from './until-deadline';

export interface HttpProbe {
  urls: URL[];
  expectedStatus: number;
  expectations: JsonExpectation[];
  headers: Record<string, string>;
  verifyTls: boolean;
  requestTimeoutMs: number;
  /** N sequential requests per URL after its checks; fails when p95 is above maxP95Ms. */
  latency?: { samples: number; maxP95Ms?: number };
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

type RequestOptions = Pick<HttpProbe, 'headers' | 'verifyTls' | 'requestTimeoutMs'>;

const STATUS = 'HTTP status';
const LATENCY = 'latency';

/** Enough for any health or version document; a larger body is cut, not buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

/** One GET with Node's own client: unlike fetch, it takes TLS verification per request. */
function get(url: URL, options: RequestOptions): Promise<Answer> {
  const started = performance.now();
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        headers: options.headers,
        rejectUnauthorized: options.verifyTls,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
      },
    );
    request.on('error', reject);
  });
}

/** Why a request got no answer, in a few words; `timeoutMs` is the limit it was given. */
function failureText(error: unknown, timeoutMs: number): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return `no answer within ${seconds(timeoutMs)}`;
  return `${e?.message ?? String(error)}${e?.code ? ` (${e.code})` : ''}`;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const seconds = (value: number) => `${Number((value / 1000).toFixed(2))} s`;

/** The URL's status and JSON expectations, retried until they hold or the deadline; then its latency. */
export async function probeUrl(url: URL, probe: HttpProbe, patience: Patience): Promise<Check[]> {
  const target = url.href;
  const checks = await untilDeadline(async (attempt) => {
    const tries = attempt ? ` (attempt ${attempt + 1})` : '';
    try {
      const answer = await get(url, probe);
      return {
        checks: [
          check(
            STATUS,
            target,
            answer.status === probe.expectedStatus,
            `${answer.status} in ${ms(answer.ms)}${tries}`,
          ),
          ...probe.expectations.map((expectation) => {
            const { met, observation } = evaluate(expectation, answer.body);
            return check(`JSON ${expectation.text}`, target, met, observation);
          }),
        ],
      };
    } catch (error) {
      const failure = failureText(error, probe.requestTimeoutMs);
      return {
        checks: [
          check(STATUS, target, false, `${failure}${tries}`),
          ...probe.expectations.map((e) => check(`JSON ${e.text}`, target, false, 'no answer')),
        ],
      };
    }
  }, patience);
  if (probe.latency) {
    // The latency of error answers says nothing about the app's.
    checks.push(
      passed(checks[0]!)
        ? await probeLatency(url, probe, patience)
        : skipped(LATENCY, target, `not run: the ${STATUS} check failed`),
    );
  }
  return checks;
}

/**
 * N sequential requests, each of which must answer the expected status, all within the deadline: each
 * request's timeout is cut to the time left, so the probe ends by the deadline.
 */
async function probeLatency(url: URL, probe: HttpProbe, { deadline, clock }: Patience): Promise<Check> {
  const { samples, maxP95Ms } = probe.latency!;
  const durations: number[] = [];
  const fail = (observation: string) =>
    check(LATENCY, url.href, false, `request ${durations.length + 1} of ${samples}: ${observation}`);
  while (durations.length < samples) {
    const left = deadline - clock.now();
    if (left <= 0) return fail('not sent, the timeout was reached');
    const timeoutMs = Math.min(probe.requestTimeoutMs, left);
    let answer: Answer;
    try {
      answer = await get(url, { ...probe, requestTimeoutMs: timeoutMs });
    } catch (error) {
      const cut = timeoutMs < probe.requestTimeoutMs ? ' (the time left before the timeout)' : '';
      return fail(`${failureText(error, timeoutMs)}${cut}`);
    }
    if (answer.status !== probe.expectedStatus) {
      return fail(`${answer.status} in ${ms(answer.ms)}, expected ${probe.expectedStatus}`);
    }
    durations.push(answer.ms);
  }
  // Judged as shown: a p95 of 250.4 ms reads "250 ms" and passes a 250 ms limit.
  const p95 = Math.round(percentile(durations, 95));
  const limit = maxP95Ms === undefined ? '' : ` (max ${ms(maxP95Ms)})`;
  return check(
    LATENCY,
    url.href,
    maxP95Ms === undefined || p95 <= maxP95Ms,
    `p50 ${ms(percentile(durations, 50))}, p95 ${ms(p95)} over ${samples} requests${limit}`,
  );
}
