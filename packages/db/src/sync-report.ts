import { Cell, Summary } from '@slipway/kit';
import type { RowKey, SyncPlan } from './sync-plan';
import { PLAN_LIST_LIMIT, SyncResult } from './sync-result';

// A step's outputs share 1 MiB and its summary 1 MiB: long lists are cut, and say so.

const SUMMARY_ROWS = 200;

/** The plan with each list cut to `limit` entries; `truncated` tells whether any was. */
export function limitPlan(
  plan: SyncPlan,
  limit = PLAN_LIST_LIMIT,
): Omit<SyncPlan, 'counts'> & { truncated: boolean } {
  const { counts } = plan;
  return {
    added: plan.added.slice(0, limit),
    changed: plan.changed.slice(0, limit),
    removed: plan.removed.slice(0, limit),
    unchanged: plan.unchanged,
    truncated: Math.max(counts.added, counts.changed, counts.removed) > limit,
  };
}

export function syncOutputs(result: SyncResult): Record<string, string> {
  return {
    'sync-id': result.snapshot ? result.syncId : '',
    added: String(result.counts.added),
    changed: String(result.counts.changed),
    removed: String(result.counts.removed),
    unchanged: String(result.counts.unchanged),
    checksum: result.checksum,
    plan: JSON.stringify(limitPlan(result.plan)),
  };
}

/** The row-level diff as a table: one line per added, changed or removed row. */
export function syncSummary(result: SyncResult): string {
  const { plan, counts } = result;
  const status = result.snapshot
    ? `applied; snapshot \`${result.syncId}\` holds the rows it changed, as they were`
    : result.applied
      ? 'nothing to change; no snapshot taken'
      : 'not applied: nothing was changed';
  const summary = new Summary()
    .heading(`Prompt sync: ${result.table} (${result.mode})`)
    .paragraph(
      `${result.where}: ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed, ` +
        `${counts.unchanged} unchanged — ${status}. Checksum \`${result.checksum}\`.`,
    );
  const rows: Cell[][] = [
    ...plan.added.map((key) => [keyText(key), '➕ added', '']),
    ...plan.changed.map(({ key, columns }) => [keyText(key), '✏️ changed', columns.join(', ')]),
    ...plan.removed.map((key) => [keyText(key), '➖ removed', '']),
  ];
  const differing = counts.added + counts.changed + counts.removed;
  const shown = rows.slice(0, SUMMARY_ROWS);
  if (!differing) summary.paragraph('No row differs.');
  else summary.table(['Key', 'Change', 'Columns'], shown);
  if (differing > shown.length) summary.paragraph(`… and ${differing - shown.length} more row(s).`);
  return summary.toMarkdown();
}

function keyText(key: RowKey): string {
  const values = Object.values(key).map((value) =>
    typeof value === 'string' ? value : JSON.stringify(value),
  );
  return values.join(', ');
}
