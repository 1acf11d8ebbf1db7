import { Summary } from '@slipway/kit';
import type { MigrationOutcome } from './run-migrations';

export function migrationOutputs(outcome: MigrationOutcome): Record<string, string> {
  return {
    applied: JSON.stringify(outcome.applied),
    pending: JSON.stringify(outcome.pending),
    duration: (outcome.durationMs / 1000).toFixed(1),
    'tunnel-mode': outcome.mode,
  };
}

export function migrationSummary(outcome: MigrationOutcome): string {
  const summary = new Summary()
    .heading('Migrations through the bastion')
    .paragraph(
      `Tunnel: **${outcome.mode}** via ${outcome.bastion.instanceId}; ${(outcome.durationMs / 1000).toFixed(1)} s; tunnel closed.`,
    );
  if (outcome.applied.length || outcome.pending.length || outcome.failed) {
    summary.table(
      ['Migration', 'Status'],
      [
        ...outcome.applied.map((name) => [name, '✅ applied']),
        ...(outcome.failed
          ? [
              [
                outcome.failed.name,
                outcome.failed.rolledBack
                  ? '❌ failed, rolled back'
                  : '❌ failed, not rolled back (no transaction)',
              ],
            ]
          : []),
        ...outcome.pending.map((name) => [name, '⏸️ pending (dry run)']),
      ],
    );
  } else {
    summary.paragraph('No SQL migration was pending.');
  }
  summary.list(outcome.ran);
  return summary.toMarkdown();
}
