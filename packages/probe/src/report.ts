import { SlipwayError, Summary } from '@slipway/kit';
import { failed as isFailed, VERDICT_MARK } from './check';
import { PRB } from './codes';
import { ValidationReport } from './validate';

const failures = (report: ValidationReport) => report.checks.filter(isFailed);
const VERDICT_TEXT = { pass: 'pass', fail: 'fail', skip: 'skipped' } as const;

export function validationOutputs(report: ValidationReport): Record<string, string> {
  return {
    passed: String(report.passed),
    report: JSON.stringify(report.checks),
    'failed-checks': String(failures(report).length),
  };
}

export function validationSummary(report: ValidationReport): string {
  const failed = failures(report);
  const total = report.checks.length;
  const summary = new Summary()
    .heading(
      `Deploy validation — ${failed.length ? `❌ ${failed.length} of ${total} checks failed` : `✅ all ${total} checks passed`}`,
    )
    .table(
      ['Check', 'Target', 'Observation', 'Verdict'],
      report.checks.map((c) => [
        c.name,
        c.target,
        c.observation,
        `${VERDICT_MARK[c.verdict]} ${VERDICT_TEXT[c.verdict]}`,
      ]),
    );
  for (const c of failed.filter((c) => c.detail)) {
    summary.details(`${c.name}: ${c.target}`, `\`\`\`\n${c.detail}\n\`\`\``);
  }
  return summary.paragraph(`Validated in ${(report.durationMs / 1000).toFixed(1)} s.`).toMarkdown();
}

/** The error the step fails with: the first failed check and what it saw. */
export function validationFailure(report: ValidationReport): SlipwayError | undefined {
  const [first, ...others] = failures(report);
  if (!first) return undefined;
  const more = others.length ? ` ${others.length} more check(s) failed.` : '';
  return new SlipwayError(
    PRB.VALIDATION_FAILED,
    `Check "${first.name}" failed for ${first.target}: ${first.observation}.${more}`,
    { remedy: 'The job summary lists every check with what it saw.' },
  );
}
