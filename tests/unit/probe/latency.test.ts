import { percentile } from '@slipway/probe';

describe('nearest-rank percentile', () => {
  const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);

  test.each<[number[], number, number]>([
    [[7], 50, 7],
    [[7], 95, 7],
    [[1, 2], 50, 1],
    [[1, 2], 95, 2],
    [[3, 1, 2], 50, 2],
    [oneToTwenty, 50, 10],
    [oneToTwenty, 95, 19],
    [oneToTwenty, 100, 20],
    [oneToTwenty, 0, 1],
    [[10, 10, 10, 500], 50, 10],
    [[10, 10, 10, 500], 95, 500],
    [Array.from({ length: 100 }, (_, i) => 100 - i), 95, 95],
  ])('%j p%d = %d', (samples, p, expected) => {
    expect(percentile(samples, p)).toBe(expected);
  });

  test('leaves its input unsorted', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });

  test('no samples is a bug, not a number', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});
