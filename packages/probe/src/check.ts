/** One line of the report: what was checked, on what, what was seen, and the verdict. */
export interface Check {
  name: string;
  target: string;
  observation: string;
  verdict: 'pass' | 'fail';
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

export const passed = (c: Check): boolean => c.verdict === 'pass';

/** What one look at a target saw, and whether waiting longer could still change a failure. */
export interface Look {
  checks: Check[];
  final?: boolean;
}
