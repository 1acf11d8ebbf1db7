import { Clock, isThrottling, isTransient, Logger, systemClock } from '@slipway/kit';

export type Verdict = 'SUCCEEDED' | 'FAILED' | 'ROLLED_BACK' | 'REPLACED' | 'TIMED_OUT';

export interface Judgement {
  verdict?: Verdict;
  reason: string;
}

export interface PollSchedule {
  firstMs: number;
  growth: number;
  capMs: number;
  /** The cap while AWS is throttling us. */
  throttledCapMs: number;
}

/** Fast at first so quick rollouts get quick verdicts, backing off to the cap. */
export const defaultSchedule: PollSchedule = {
  firstMs: 250,
  growth: 1.5,
  capMs: 2000,
  throttledCapMs: 10_000,
};

export interface PollOptions {
  deadline: number;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  schedule?: PollSchedule;
}

/**
 * Asks about the undecided keys until each has a verdict or the deadline passes (TIMED_OUT, with the
 * last progress seen). Progress is logged when it changes; transient errors are retried, throttling
 * backs off further.
 */
export async function pollToVerdicts(
  keys: string[],
  judgeAll: (pending: string[]) => Promise<Map<string, Judgement>>,
  options: PollOptions,
): Promise<Map<string, Required<Judgement>>> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const schedule = options.schedule ?? defaultSchedule;
  const verdicts = new Map<string, Required<Judgement>>();
  const progress = new Map<string, string>();
  let interval = schedule.firstMs;

  while (verdicts.size < keys.length) {
    const pending = keys.filter((key) => !verdicts.has(key));
    if (clock.now() >= options.deadline) {
      for (const key of pending) {
        const seen = progress.get(key) ?? 'nothing';
        verdicts.set(key, {
          verdict: 'TIMED_OUT',
          reason: `no verdict before the timeout; last seen: ${seen}`,
        });
      }
      break;
    }
    let throttled = false;
    try {
      for (const [key, judgement] of await judgeAll(pending)) {
        if (judgement.verdict) {
          verdicts.set(key, { verdict: judgement.verdict, reason: judgement.reason });
          options.logger.info(`${key}: ${judgement.verdict} — ${judgement.reason}`);
        } else if (progress.get(key) !== judgement.reason) {
          progress.set(key, judgement.reason);
          options.logger.info(`${key}: ${judgement.reason}`);
        }
      }
    } catch (error) {
      if (!isTransient(error)) throw error;
      throttled = isThrottling(error);
      options.logger.debug(`Polling failed (${(error as Error).name}); polling again`);
    }
    if (verdicts.size === keys.length) break;
    const cap = throttled ? schedule.throttledCapMs : schedule.capMs;
    interval = Math.min(cap, throttled ? interval * 2 : interval * schedule.growth);
    // Half fixed, half jittered: many concurrent deploys spread out without starving any one.
    const delay = interval / 2 + random() * (interval / 2);
    await clock.sleep(Math.max(0, Math.min(delay, options.deadline - clock.now())));
  }
  return verdicts;
}
