import { Clock, systemClock } from './clock';
import { Backoff, fullJitter } from './retry';

/**
 * A judge's answer to one look: done with a value; not yet, with what was seen (and, when the judge knows
 * better than the backoff, how long until the next look); or failed, when waiting cannot mend it.
 */
export type Answer<T, P> =
  | { kind: 'done'; value: T }
  | { kind: 'not-yet'; progress: P; delayMs?: number }
  | { kind: 'failed'; error: unknown };

export const done = <T>(value: T): { kind: 'done'; value: T } => ({ kind: 'done', value });
export const notYet = <P>(
  progress: P,
  delayMs?: number,
): { kind: 'not-yet'; progress: P; delayMs?: number } => ({
  kind: 'not-yet',
  progress,
  delayMs,
});
export const failed = (error: unknown): { kind: 'failed'; error: unknown } => ({ kind: 'failed', error });

/** What a look is told: its number (from 0) and the time left before the deadline (0 at or after it). */
export interface Attempt {
  attempt: number;
  remainingMs: number;
}

export interface WaitOptions<P> {
  /** On the clock's time line. */
  deadline: number;
  clock?: Clock;
  /** The pause after a not-yet answer that names none: a full-jitter backoff, or a function of the attempt. */
  backoff: Backoff | ((attempt: number) => number);
  /** Cancels the wait: a sleep ends at once and no further look is taken. */
  signal?: AbortSignal;
  /** Told each not-yet answer and the pause that follows it (for progress logs). */
  onNotYet?: (progress: P, attempt: number, delayMs: number) => void;
}

/** How a wait ended, unless a look failed (then waitUntil throws the failure). */
export type Waited<T, P> =
  | { kind: 'done'; value: T; attempts: number }
  | { kind: 'timed-out'; last: P; attempts: number }
  | { kind: 'aborted'; last?: P; attempts: number };

/**
 * Looks until the judge says done or failed, the deadline passes, or the signal aborts. No pause
 * overshoots the deadline, so the last look is taken at it; a judge that throws fails the wait like
 * `failed(error)`.
 */
export async function waitUntil<T, P>(
  judge: (attempt: Attempt) => Promise<Answer<T, P>>,
  { deadline, clock = systemClock, backoff, signal, onNotYet }: WaitOptions<P>,
): Promise<Waited<T, P>> {
  const pause = typeof backoff === 'function' ? backoff : (attempt: number) => fullJitter(attempt, backoff);
  let last: P | undefined;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) return { kind: 'aborted', last, attempts: attempt };
    const answer = await judge({ attempt, remainingMs: Math.max(0, deadline - clock.now()) });
    if (answer.kind === 'done') return { kind: 'done', value: answer.value, attempts: attempt + 1 };
    if (answer.kind === 'failed') throw answer.error;
    last = answer.progress;
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { kind: 'timed-out', last, attempts: attempt + 1 };
    const delay = Math.max(0, Math.min(answer.delayMs ?? pause(attempt), remaining));
    onNotYet?.(last, attempt, delay);
    try {
      await clock.sleep(delay, signal);
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted', last, attempts: attempt + 1 };
      throw error;
    }
  }
}
