import { defaultSchedule, nextInterval } from '@slipway/ecs/src/polling';

type Pacing = ReturnType<typeof nextInterval>;
const idle = { paces: ['idle' as const], moved: false, throttled: false };
const near = { paces: ['near' as const], moved: false, throttled: false };

function intervals(from: Pacing, steps: Parameters<typeof nextInterval>[2][]): number[] {
  const seen: number[] = [];
  let pacing = from;
  for (const step of steps) seen.push((pacing = nextInterval(defaultSchedule, pacing, step)).intervalMs);
  return seen;
}

test('while every deployment is still starting its tasks, the wait doubles up to the idle interval', () => {
  expect(intervals({ intervalMs: defaultSchedule.firstMs }, [idle, idle, idle, idle, idle])).toEqual([
    2500, 5000, 10_000, 12_000, 12_000,
  ]);
});

test('a verdict coming near brings the wait back to quick, then it grows to the cap', () => {
  expect(intervals({ intervalMs: 12_000, pace: 'idle' }, [near, near, near, near, near])).toEqual([
    1250, 1750, 2450, 3000, 3000,
  ]);
});

test('throttling doubles the wait up to its own cap, whatever the pace', () => {
  const throttled = { ...near, throttled: true };
  expect(intervals({ intervalMs: 3000, pace: 'near' }, [throttled, throttled, throttled])).toEqual([
    6000, 10_000, 10_000,
  ]);
});
