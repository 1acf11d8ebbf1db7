import { fullJitter, retry, RetryOptions, virtualClock } from '@slipway/kit';

/** A deterministic stand-in for Math.random: the given values, in turn, forever. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('fullJitter', () => {
  test.each([
    // attempt, base, cap, random, expected
    [0, 100, 10_000, 0, 0],
    [0, 100, 10_000, 0.5, 50],
    [0, 100, 10_000, 0.999999, 99],
    [1, 100, 10_000, 0.999999, 199],
    [3, 100, 10_000, 0.5, 400],
    [3, 100, 10_000, 0.999999, 799],
    [10, 100, 10_000, 0.5, 5_000], // base·2^10 = 102 400, capped at 10 000
    [10, 100, 10_000, 0.999999, 9_999],
    [2000, 100, 10_000, 0.25, 2_500], // 2^2000 overflows to Infinity; the cap still holds
    [2, 250, 600, 0.5, 300], // 1 000 capped at 600
  ])('attempt %i, base %i, cap %i, random %d → %i', (attempt, baseMs, capMs, r, expected) => {
    expect(fullJitter(attempt, { baseMs, capMs, random: () => r })).toBe(expected);
  });

  test.each([0, 1, 2, 5, 8, 12])('attempt %i stays in [0, min(cap, base·2^attempt))', (attempt) => {
    const baseMs = 50;
    const capMs = 3_000;
    const bound = Math.min(capMs, baseMs * 2 ** attempt);
    const random = sequence(0, 0.1, 0.37, 0.5, 0.73, 0.9, 0.999999999);
    for (let i = 0; i < 7; i++) {
      const delay = fullJitter(attempt, { baseMs, capMs, random });
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(bound);
    }
  });

  test('uses Math.random when no random is given', () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      expect(fullJitter(2, { baseMs: 100, capMs: 10_000 })).toBe(200);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('retry', () => {
  const transient = new Error('transient');
  const options = (extra: Partial<RetryOptions> = {}) => {
    const clock = virtualClock();
    const retried: [unknown, number, number][] = [];
    const all: RetryOptions = {
      attempts: 5,
      baseMs: 100,
      capMs: 1_000,
      random: () => 0.5,
      clock,
      retryable: () => true,
      onRetry: (error, attempt, delayMs) => retried.push([error, attempt, delayMs]),
      ...extra,
    };
    return { clock, retried, options: all };
  };

  test('returns the first success without sleeping', async () => {
    const { clock, retried, options: o } = options();
    const operation = jest.fn(async (attempt: number) => `ok on ${attempt}`);
    await expect(retry(operation, o)).resolves.toBe('ok on 0');
    expect(operation).toHaveBeenCalledTimes(1);
    expect(clock.slept).toEqual([]);
    expect(retried).toEqual([]);
  });

  test('retries until success, passing the attempt number and sleeping the jittered delays', async () => {
    const { clock, retried, options: o } = options();
    const operation = jest.fn(async (attempt: number) => {
      if (attempt < 3) throw transient;
      return 'done';
    });
    await expect(retry(operation, o)).resolves.toBe('done');
    expect(operation.mock.calls.map(([attempt]) => attempt)).toEqual([0, 1, 2, 3]);
    // random 0.5 of min(1000, 100·2^n): 50, 100, 200
    expect(clock.slept).toEqual([50, 100, 200]);
    expect(clock.now()).toBe(350);
    expect(retried).toEqual([
      [transient, 0, 50],
      [transient, 1, 100],
      [transient, 2, 200],
    ]);
  });

  test.each([1, 2, 3, 6])('stops after %i attempts and throws the last error', async (attempts) => {
    const { clock, retried, options: o } = options({ attempts });
    let calls = 0;
    const operation = async (attempt: number) => {
      calls++;
      throw new Error(`failure ${attempt}`);
    };
    await expect(retry(operation, o)).rejects.toThrow(`failure ${attempts - 1}`);
    expect(calls).toBe(attempts);
    expect(clock.slept).toHaveLength(attempts - 1);
    expect(retried).toHaveLength(attempts - 1);
  });

  test('a non-retryable error is thrown at once, without sleeping or onRetry', async () => {
    const fatal = new Error('AccessDenied');
    const retryable = jest.fn((error: unknown) => error !== fatal);
    const { clock, retried, options: o } = options({ retryable });
    const operation = jest.fn(async () => {
      throw fatal;
    });
    await expect(retry(operation, o)).rejects.toBe(fatal);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(retryable).toHaveBeenCalledWith(fatal);
    expect(clock.slept).toEqual([]);
    expect(retried).toEqual([]);
  });

  test('a non-retryable error after retryable ones stops the loop there', async () => {
    const fatal = new Error('fatal');
    const { clock, options: o } = options({ retryable: (error) => error === transient });
    const outcomes = [transient, transient, fatal];
    const operation = jest.fn(async (attempt: number) => {
      throw outcomes[attempt];
    });
    await expect(retry(operation, o)).rejects.toBe(fatal);
    expect(operation).toHaveBeenCalledTimes(3);
    expect(clock.slept).toHaveLength(2);
  });

  test('every delay stays within [0, min(cap, base·2^attempt)) with an injected random', async () => {
    const {
      clock,
      retried,
      options: o,
    } = options({
      attempts: 10,
      baseMs: 40,
      capMs: 1_500,
      random: sequence(0.999999, 0, 0.3, 0.999999, 0.61),
    });
    await expect(
      retry(async () => {
        throw transient;
      }, o),
    ).rejects.toBe(transient);
    expect(retried).toHaveLength(9);
    for (const [, attempt, delay] of retried) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(1_500, 40 * 2 ** attempt));
    }
    expect(clock.slept).toEqual(retried.map(([, , delay]) => delay));
    // the random 0.999999 draws sit right under each bound: 40·2^0 and 40·2^3
    expect(clock.slept[0]).toBe(39);
    expect(clock.slept[3]).toBe(319);
  });

  test('onRetry is optional', async () => {
    const clock = virtualClock();
    let calls = 0;
    const result = await retry(
      async () => {
        if (calls++ === 0) throw transient;
        return 'second time';
      },
      { attempts: 2, baseMs: 10, capMs: 10, random: () => 0.5, clock, retryable: () => true },
    );
    expect(result).toBe('second time');
    expect(clock.slept).toEqual([5]);
  });
});
