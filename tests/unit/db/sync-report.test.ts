import { SyncResult, syncSummary } from '@slipway/db';

const result = (lists: Omit<SyncResult['plan'], 'counts'>): SyncResult => {
  const counts = {
    added: lists.added.length,
    changed: lists.changed.length,
    removed: lists.removed.length,
    unchanged: lists.unchanged,
  };
  return {
    syncId: 'abc',
    applied: true,
    snapshot: true,
    table: 'prompts',
    mode: 'overwrite',
    where: 'db:5432/app',
    counts,
    checksum: 'c',
    plan: { ...lists, counts },
  };
};

test('rows that differ are listed, and never under "No row differs."', () => {
  const summary = syncSummary(
    result({
      added: [{ name: 'a' }],
      changed: [{ key: { name: 'b' }, columns: ['content'] }],
      removed: [],
      unchanged: 3,
    }),
  );
  expect(summary).toContain('| a | ➕ added |');
  expect(summary).toContain('| b | ✏️ changed | content |');
  expect(summary).not.toContain('No row differs');
});

test('an empty plan says no row differs, and has no table', () => {
  const summary = syncSummary(result({ added: [], changed: [], removed: [], unchanged: 3 }));
  expect(summary).toContain('No row differs.');
  expect(summary).not.toContain('| Key |');
});

test('a long plan is cut at 200 rows and says how many more', () => {
  const added = Array.from({ length: 205 }, (_, i) => ({ name: `p${i}` }));
  const summary = syncSummary(result({ added, changed: [], removed: [], unchanged: 0 }));
  expect(summary).toContain('| p199 |');
  expect(summary).not.toContain('| p200 |');
  expect(summary).toContain('… and 5 more row(s).');
  expect(summary).not.toContain('No row differs');
});
