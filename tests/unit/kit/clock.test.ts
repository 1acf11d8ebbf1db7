import { systemClock, virtualClock } from '@slipway/kit';

describe('virtualClock', () => {
  test('starts where told, and sleeping advances time and records the sleep', async () => {
    const clock = virtualClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.sleep(250);
    await clock.sleep(50);
    expect(clock.now()).toBe(1_300);
    expect(clock.slept).toEqual([250, 50]);
  });

  test('starts at zero by default', () => {
    expect(virtualClock().now()).toBe(0);
  });

  test('an already aborted signal rejects the sleep with its reason, and time stands still', async () => {
    const clock = virtualClock();
    const reason = new Error('cancelled');
    await expect(clock.sleep(100, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.now()).toBe(0);
    expect(clock.slept).toEqual([]);
  });
});

describe('systemClock', () => {
  test('now() is the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  test('sleep waits about as long as asked', async () => {
    const started = Date.now();
    await systemClock.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  test('sleep rejects at once with the reason when the signal is already aborted', async () => {
    const reason = new Error('cancelled before');
    await expect(systemClock.sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  test('an abort during the sleep rejects it early with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled during');
    const started = Date.now();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(reason), 10);
    await expect(sleeping).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('an aborted sleep leaves no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const controller = new AbortController();
      const sleeping = systemClock.sleep(60_000, controller.signal);
      expect(jest.getTimerCount()).toBe(1);
      controller.abort(new Error('stop'));
      await expect(sleeping).rejects.toThrow('stop');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a finished sleep stops listening to its signal', async () => {
    const controller = new AbortController();
    const removed = jest.spyOn(controller.signal, 'removeEventListener');
    await systemClock.sleep(1, controller.signal);
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(() => controller.abort()).not.toThrow();
  });
});
