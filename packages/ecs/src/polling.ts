import {
  Clock,
  done,
  failed,
  isThrottling,
  isTransient,
  Logger,
  notYet,
  systemClock,
  waitUntil,
} from '@slipway/kit';

export type Verdict = 'SUCCEEDED' | 'FAILED' | 'ROLLED_BACK' | 'ROLLBACK_FAILED' | 'REPLACED' | 'TIMED_OUT';

/**
 * How soon an answer may differ, as the judge reads it: `near` when a verdict may come at any moment (all
 * tasks running, old ones draining, failures one crash from the breaker), `idle` while nothing can decide
 * the rollout yet (tasks still provisioning or pending). Without a pace the loop backs off to the cap.
 */
export type Pace = 'near' | 'idle';

export interface Judgement {
  verdict?: Verdict;
  reason: string;
  pace?: Pace;
  /** News for the log and an error annotation at once, once per key (e.g. the circuit breaker tripped). */
  alert?: string;
}

/** A key's verdict and why. */
export interface Decision {
  verdict: Verdict;
  reason: string;
}

export interface PollSchedule {
  /** The first poll, soon after the deployment started. */
  firstMs: number;
  /** The interval when a verdict comes near, or moves on while near. */
  quickMs: number;
  growth: number;
  /** The longest interval while a verdict may come. */
  capMs: number;
  /** The longest interval while nothing can change (every undecided key idle), reached by doubling. */
  idleMs: number;
  /** The cap while AWS is throttling us. */
  throttledCapMs: number;
}

/**
 * Quick after the start and whenever a verdict comes near, backing off to the cap; slow while every
 * deployment is still starting its tasks. About 15 DescribeServices a minute for a one-minute rollout, and
 * under 20 while tasks keep crashing one failure short of the breaker (bench/deploy-latency).
 */
export const defaultSchedule: PollSchedule = {
  firstMs: 1000,
  quickMs: 1250,
  growth: 1.4,
  capMs: 3000,
  idleMs: 12_000,
  throttledCapMs: 10_000,
};

/**
 * The next interval: doubling up to the idle interval while every undecided key is idle (tasks take from
 * a second to minutes to start, so a long wait is earned, not assumed); back to quick when a verdict comes
 * near or something moved while near; otherwise growing to the cap. Throttling doubles it, up to its own cap.
 */
export function nextInterval(
  schedule: PollSchedule,
  previous: { intervalMs: number; pace?: Pace | 'none' },
  now: { paces: (Pace | undefined)[]; moved: boolean; throttled: boolean },
): { intervalMs: number; pace?: Pace | 'none' } {
  if (now.throttled) {
    return {
      intervalMs: Math.min(schedule.throttledCapMs, previous.intervalMs * 2),
      pace: previous.pace,
    };
  }
  const pace: Pace | 'none' = now.paces.includes('near')
    ? 'near'
    : now.paces.length > 0 && now.paces.every((p) => p === 'idle')
      ? 'idle'
      : 'none';
  if (pace === 'idle')
    return {
      intervalMs: Math.min(schedule.idleMs, Math.max(schedule.quickMs, previous.intervalMs) * 2),
      pace,
    };
  if (pace === 'near' && (previous.pace !== 'near' || now.moved))
    return { intervalMs: schedule.quickMs, pace };
  if (previous.pace === undefined) return { intervalMs: schedule.firstMs, pace };
  return { intervalMs: Math.min(schedule.capMs, Math.round(previous.intervalMs * schedule.growth)), pace };
}

export interface PollOptions {
  deadline: number;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  schedule?: PollSchedule;
}

/**
 * Asks about the undecided keys until each has a verdict or the deadline passes (TIMED_OUT, with the
 * last progress seen; the last look is taken at the deadline). Progress is logged when it changes;
 * transient errors are retried, throttling backs off further. The schedule sets each pause.
 */
export async function pollToVerdicts(
  keys: string[],
  judgeAll: (pending: string[]) => Promise<Map<string, Judgement>>,
  options: PollOptions,
): Promise<Map<string, Decision>> {
  const random = options.random ?? Math.random;
  const schedule = options.schedule ?? defaultSchedule;
  const verdicts = new Map<string, Decision>();
  const progress = new Map<string, string>();
  const alerted = new Set<string>();
  let pacing: { intervalMs: number; pace?: Pace | 'none' } = { intervalMs: schedule.firstMs };
  const pendingKeys = () => keys.filter((key) => !verdicts.has(key));
  if (!keys.length) return verdicts;

  await waitUntil(
    async () => {
      let throttled = false;
      let moved = false;
      const paces: (Pace | undefined)[] = [];
      try {
        for (const [key, judgement] of await judgeAll(pendingKeys())) {
          if (judgement.alert && !alerted.has(key)) {
            alerted.add(key);
            options.logger.error(`${key}: ${judgement.alert}`);
          }
          if (!judgement.verdict) paces.push(judgement.pace);
          if (judgement.verdict) {
            verdicts.set(key, { verdict: judgement.verdict, reason: judgement.reason });
            options.logger.info(`${key}: ${judgement.verdict} — ${judgement.reason}`);
          } else if (progress.get(key) !== judgement.reason) {
            moved = true;
            progress.set(key, judgement.reason);
            options.logger.info(`${key}: ${judgement.reason}`);
          }
        }
      } catch (error) {
        if (!isTransient(error)) return failed(error);
        throttled = isThrottling(error);
        options.logger.debug(`Polling failed (${(error as Error).name}); polling again`);
      }
      if (verdicts.size === keys.length) return done(verdicts);
      pacing = nextInterval(schedule, pacing, { paces, moved, throttled });
      // Three quarters fixed, a quarter jittered: concurrent deploys spread out, verdicts stay prompt.
      return notYet(undefined, pacing.intervalMs * (0.75 + 0.25 * random()));
    },
    { deadline: options.deadline, clock: options.clock ?? systemClock, backoff: () => schedule.capMs },
  );
  for (const key of pendingKeys()) {
    verdicts.set(key, {
      verdict: 'TIMED_OUT',
      reason: `no verdict before the timeout; last seen: ${progress.get(key) ?? 'nothing'}`,
    });
  }
  return verdicts;
}
