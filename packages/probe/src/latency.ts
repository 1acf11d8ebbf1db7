/** Nearest-rank percentile: the smallest sample that at least p% of the samples do not exceed. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) throw new RangeError('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
