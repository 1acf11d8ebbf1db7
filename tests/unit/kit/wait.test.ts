import { Answer, Attempt, done, failed, notYet, systemClock, virtualClock, waitUntil } from '@slipway/kit';

/** A judge that answers in turn, and records what each look was told. */
function scripted<T>(...answers: Answer<T, string>[]) {
  const looks: Attempt[] = [];
  const judge = async (attempt: Attempt) => {
    looks.push(attempt);
    return answers[Math.min(looks.length - 1, answers.length - 1)]!;
  };
  return { judge, looks };
}

const fixed = (ms: number) => () => ms;

describe('waitUntil', () => {
  test('returns the value once the judge says done, after backing off between looks', async () => {
    const clock = virtualClock(1_000);
    const { judge, looks } = scripted(notYet('a'), notYet('b'), done(42));
    const progress: [string, number, number][] = [];
    const waited = await waitUntil(judge, {
      deadline: 60_000,
      clock,
      backoff: (attempt) => 100 * 2 ** attempt,
      onNotYet: (p, attempt, delay) => progress.push([p, attempt, delay]),
    });
    expect(waited).toEqual({ kind: 'done', value: 42, attempts: 3 });
    expect(clock.slept).toEqual([100, 200]);
    expect(looks).toEqual([
      { attempt: 0, remainingMs: 59_000 },
      { attempt: 1, remainingMs: 58_900 },
      { attempt: 2, remainingMs: 58_700 },
    ]);
    expect(progress).toEqual([
      ['a', 0, 100],
      ['b', 1, 200],
    ]);
  });

  test('a full-jitter backoff stays under its growing bound and its cap', async () => {
    const clock = virtualClock();
    const { judge } = scripted<never>(notYet('x'));
    await waitUntil(judge, {
      deadline: 100_000,
      clock,
      backoff: { baseMs: 100, capMs: 1_000, random: () => 0.999 },
    });
    expect(clock.slept.slice(0, 6)).toEqual([99, 199, 399, 799, 999, 999]);
  });

  test("the judge's own delay wins over the backoff", async () => {
    const clock = virtualClock();
    const { judge } = scripted(notYet('soon', 7), notYet('later'), done('ok'));
    await waitUntil(judge, { deadline: 10_000, clock, backoff: fixed(500) });
    expect(clock.slept).toEqual([7, 500]);
  });

  test('no pause overshoots the deadline: the last look is taken at it, then the wait times out with it', async () => {
    const clock = virtualClock(0);
    const { judge, looks } = scripted<never>(notYet('first'), notYet('second'), notYet('at the deadline'));
    const waited = await waitUntil(judge, { deadline: 1_500, clock, backoff: fixed(1_000) });
    expect(waited).toEqual({ kind: 'timed-out', last: 'at the deadline', attempts: 3 });
    expect(clock.slept).toEqual([1_000, 500]);
    expect(looks.at(-1)).toEqual({ attempt: 2, remainingMs: 0 });
    expect(clock.now()).toBe(1_500);
  });

  test('a deadline already passed still gets one look', async () => {
    const clock = virtualClock(5_000);
    const { judge, looks } = scripted(notYet('late'));
    expect(await waitUntil(judge, { deadline: 1_000, clock, backoff: fixed(10) })).toEqual({
      kind: 'timed-out',
      last: 'late',
      attempts: 1,
    });
    expect(looks).toEqual([{ attempt: 0, remainingMs: 0 }]);
    expect(clock.slept).toEqual([]);
  });

  test('failed ends the wait at once with its error; so does a judge that throws', async () => {
    const clock = virtualClock();
    const refused = new Error('refused');
    const { judge } = scripted(notYet('starting'), failed(refused));
    await expect(waitUntil(judge, { deadline: 10_000, clock, backoff: fixed(10) })).rejects.toBe(refused);
    expect(clock.slept).toEqual([10]);

    const thrown = new Error('thrown');
    await expect(
      waitUntil(
        async () => {
          throw thrown;
        },
        { deadline: 10_000, clock, backoff: fixed(10) },
      ),
    ).rejects.toBe(thrown);
  });

  test('an aborted signal stops the wait before the next look, with what was last seen', async () => {
    const controller = new AbortController();
    const { judge, looks } = scripted<never>(notYet('running'));
    const waiting = waitUntil(judge, {
      deadline: Date.now() + 60_000,
      clock: systemClock,
      backoff: fixed(60_000),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    const started = Date.now();
    expect(await waiting).toEqual({ kind: 'aborted', last: 'running', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(looks).toHaveLength(1);

    const before = scripted(done('never'));
    expect(
      await waitUntil(before.judge, {
        deadline: 1,
        clock: virtualClock(),
        backoff: fixed(1),
        signal: AbortSignal.abort(),
      }),
    ).toEqual({ kind: 'aborted', last: undefined, attempts: 0 });
    expect(before.looks).toEqual([]);
  });

  test("a sleep's own failure is not taken for an abort", async () => {
    const broken = { now: () => 0, sleep: () => Promise.reject(new Error('clock broke')) };
    const { judge } = scripted(notYet('x'));
    await expect(waitUntil(judge, { deadline: 100, clock: broken, backoff: fixed(1) })).rejects.toThrow(
      'clock broke',
    );
  });
});
