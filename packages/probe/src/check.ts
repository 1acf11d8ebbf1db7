/** One line of the report: what was checked, on what, what was seen, and the verdict. */
export interface Check {
  name: string;
  target: string;
  observation: string;
  /** `skip`: not run, because a check it depends on failed; the observation says which. */
  verdict: 'pass' | 'fail' | 'skip';
  /** Longer evidence for a failure (stop reasons, unhealthy targets), shown folded in the summary. */
  detail?: string;
}

export function check(
  name: string,
  target: string,
  passed: boolean,
  observation: string,
  detail?: string,
): Check {
  return { name, target, observation, verdict: passed ? 'pass' : 'fail', ...(detail ? { detail } : {}) };
}

export function skipped(name: string, target: string, reason: string): Check {
  return { name, target, observation: reason, verdict: 'skip' };
}

export const passed = (c: Check): boolean => c.verdict === 'pass';
export const failed = (c: Check): boolean => c.verdict === 'fail';

/** How the log and the summary show a verdict. */
export const VERDICT_MARK: Record<Check['verdict'], string> = { pass: '✅', fail: '❌', skip: '⏭️' };

/** What one look at a target saw, and whether waiting longer could still change a failure. */
export interface Look {
  checks: Check[];
  final?: boolean;
}
