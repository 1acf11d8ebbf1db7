import { Clock, systemClock } from './clock';

export interface Backoff {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

/** "Full jitter" (AWS Architecture Blog): a uniform delay in [0, min(cap, base·2^attempt)). */
export function fullJitter(attempt: number, { baseMs, capMs, random = Math.random }: Backoff): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export interface RetryOptions extends Backoff {
  attempts: number;
  clock?: Clock;
  retryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const clock = options.clock ?? systemClock;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt + 1 >= options.attempts || !options.retryable(error)) throw error;
      const delay = fullJitter(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await clock.sleep(delay);
    }
  }
}
