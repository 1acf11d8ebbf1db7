/**
 * The sync's transaction against real PostgreSQL: each failure after the change began leaves the target
 * exactly as it was, snapshot table included. Source and target are two databases of one server.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DB, DbTarget, SYNC_LOCK_KEY, SyncOptions, syncPrompts, targetFromUrl } from '@slipway/db';
import { SlipwayError, memoryLogger } from '@slipway/kit';
import { startPostgres, type PgServer } from '../../helpers/postgres';

let server: PgServer;
let source: DbTarget;
let target: DbTarget;

beforeAll(async () => {
  server = await startPostgres('db-sync');
});
afterAll(() => server?.stop());

beforeEach(async () => {
  const admin = targetFromUrl(server.url);
  const suffix = randomBytes(4).toString('hex');
  source = { ...admin, database: `source_${suffix}` };
  target = { ...admin, database: `target_${suffix}` };
  for (const db of [source, target]) {
    await query(admin, `CREATE DATABASE ${db.database}`);
    await query(db, 'CREATE TABLE prompts (name text PRIMARY KEY, content text)');
  }
  await query(source, "INSERT INTO prompts VALUES ('a', 'new a'), ('b', 'new b')");
  await query(target, "INSERT INTO prompts VALUES ('a', 'old a'), ('z', 'old z')");
});

async function query<T = Record<string, unknown>>(db: DbTarget, sql: string): Promise<T[]> {
  const client = new Client({ ...db });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const options = (extra: Partial<SyncOptions> = {}): SyncOptions => ({
  source: { kind: 'database', database: source },
  table: 'prompts',
  keyColumns: ['name'],
  mode: 'overwrite',
  force: true,
  dryRun: false,
  logger: memoryLogger(),
  ...extra,
});

const targetState = async () => ({
  rows: await query(target, 'SELECT * FROM prompts ORDER BY name'),
  snapshots: await query(target, "SELECT to_regclass('slipway_prompt_snapshots') AS snapshots"),
});

async function expectFailure(code: string, extra: Partial<SyncOptions> = {}): Promise<SlipwayError> {
  const before = await targetState();
  const error = await syncPrompts(target, options(extra)).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(SlipwayError);
  expect((error as SlipwayError).code).toBe(code);
  expect(await targetState()).toEqual(before);
  return error as SlipwayError;
}

test('an apply that fails half-way rolls back the rows and the snapshot', async () => {
  await query(target, "ALTER TABLE prompts ADD COLUMN owner text NOT NULL DEFAULT 'x'");
  await query(target, 'ALTER TABLE prompts ALTER COLUMN owner DROP DEFAULT');
  // The snapshot is taken and 'a' updated before inserting 'b' violates NOT NULL.
  const error = await expectFailure(DB.SYNC_FAILED, { columns: ['content'] });
  expect(error.message).toMatch(/null value in column "owner"/);
});

test('a trigger that rewrites rows fails the checksum and rolls everything back', async () => {
  await query(
    target,
    `CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN NEW.content := upper(NEW.content); RETURN NEW; END $$;
     CREATE TRIGGER shout BEFORE INSERT OR UPDATE ON prompts FOR EACH ROW EXECUTE FUNCTION shout()`,
  );
  const error = await expectFailure(DB.SYNC_VERIFY_FAILED);
  expect(error.message).toMatch(/rolled back/);
});

test('a restore of an unknown snapshot is refused', async () => {
  await expectFailure(DB.SNAPSHOT_MISSING, { source: { kind: 'snapshot', syncId: 'nope' } });
});

test('a dry run leaves no trace, not even the snapshot table', async () => {
  const before = await targetState();
  const result = await syncPrompts(target, options({ dryRun: true }));
  expect(result.applied).toBe(false);
  expect(result.counts).toEqual({ added: 1, changed: 1, removed: 1, unchanged: 0 });
  expect(await targetState()).toEqual(before);
});

test('an applied sync keeps only the rows it changes, as they were, and the keys it adds', async () => {
  await query(target, "INSERT INTO prompts SELECT 'same ' || i, 'same' FROM generate_series(1, 50) i");
  await query(source, "INSERT INTO prompts SELECT 'same ' || i, 'same' FROM generate_series(1, 50) i");
  const result = await syncPrompts(target, options());
  const snapshot = await query<{ row: unknown; added: boolean }>(
    target,
    `SELECT row, added FROM slipway_prompt_snapshots WHERE sync_id = '${result.syncId}' ORDER BY row->>'name'`,
  );
  expect(snapshot).toEqual([
    { row: { name: 'a', content: 'old a' }, added: false },
    { row: { name: 'b' }, added: true },
    { row: { name: 'z', content: 'old z' }, added: false },
  ]);
});

test('a restore of such a snapshot puts the table back exactly, and a no-op sync writes no snapshot', async () => {
  await query(target, "INSERT INTO prompts SELECT 'same ' || i, 'same' FROM generate_series(1, 50) i");
  await query(source, "INSERT INTO prompts SELECT 'same ' || i, 'same' FROM generate_series(1, 50) i");
  const before = await query(target, 'SELECT * FROM prompts ORDER BY name');
  const synced = await syncPrompts(target, options());
  expect(synced.snapshot).toBe(true);
  const again = await syncPrompts(target, options());
  expect(again).toMatchObject({
    applied: true,
    snapshot: false,
    counts: { added: 0, changed: 0, removed: 0 },
  });
  expect(await query(target, 'SELECT sync_id FROM slipway_prompt_syncs')).toEqual([
    { sync_id: synced.syncId },
  ]);

  const restored = await syncPrompts(target, options({ source: { kind: 'snapshot', syncId: 'previous' } }));
  expect(restored.counts).toEqual({ added: 1, changed: 1, removed: 1, unchanged: 50 });
  expect(await query(target, 'SELECT * FROM prompts ORDER BY name')).toEqual(before);
});

test('each sync prunes the snapshots of its table beyond keep-snapshots, newest kept', async () => {
  const ids: string[] = [];
  for (let run = 0; run < 4; run++) {
    await query(source, `UPDATE prompts SET content = 'v${run}'`);
    ids.push((await syncPrompts(target, options({ keepSnapshots: 2 }))).syncId);
  }
  const kept = await query<{ sync_id: string }>(
    target,
    'SELECT sync_id FROM slipway_prompt_syncs ORDER BY taken_at',
  );
  expect(kept.map((row) => row.sync_id)).toEqual(ids.slice(2));
  const orphans = await query(
    target,
    'SELECT 1 FROM slipway_prompt_snapshots WHERE sync_id NOT IN (SELECT sync_id FROM slipway_prompt_syncs)',
  );
  expect(orphans).toEqual([]);
});

test.each([
  ['the same types (binary COPY)', 'text'],
  ['different but compatible types (text COPY)', 'varchar(50)'],
])('a small drift is fetched by key and a large one streamed whole, with %s', async (_, targetType) => {
  await query(source, 'CREATE TABLE drift (id int PRIMARY KEY, body text, meta jsonb)');
  await query(target, `CREATE TABLE drift (id int PRIMARY KEY, body ${targetType}, meta jsonb)`);
  await query(
    source,
    `INSERT INTO drift SELECT i, 'body ' || i || E'\\t\\\\ ünï', jsonb_build_object('i', i) FROM generate_series(1, 300) i`,
  );
  const drift = options({ table: 'drift', keyColumns: ['id'] });
  const equal = async () =>
    expect(await query(target, 'SELECT * FROM drift ORDER BY id')).toEqual(
      await query(source, 'SELECT * FROM drift ORDER BY id'),
    );

  expect((await syncPrompts(target, drift)).counts).toMatchObject({ added: 300 });
  await equal();
  await query(target, "UPDATE drift SET body = 'edited' WHERE id % 50 = 0; DELETE FROM drift WHERE id > 295");
  await query(target, 'INSERT INTO drift VALUES (1000, NULL, NULL)');
  expect((await syncPrompts(target, drift)).counts).toEqual({
    added: 5,
    changed: 5,
    removed: 1,
    unchanged: 290,
  });
  await equal();
  await query(target, "UPDATE drift SET meta = '{}' WHERE id > 100");
  expect((await syncPrompts(target, drift)).counts).toMatchObject({ changed: 200, unchanged: 100 });
  await equal();
});

test('an identical table is found equal by its sums alone, a drifted one row by row, with exact counts', async () => {
  await query(source, 'CREATE TABLE drifting (id int PRIMARY KEY, body text)');
  await query(target, 'CREATE TABLE drifting (id int PRIMARY KEY, body text)');
  await query(source, "INSERT INTO drifting SELECT i, 'body ' || i FROM generate_series(1, 1000) i");
  const drifting = options({ table: 'drifting', keyColumns: ['id'] });
  await syncPrompts(target, drifting);
  const equal = async () =>
    expect(await query(target, 'SELECT * FROM drifting ORDER BY id')).toEqual(
      await query(source, 'SELECT * FROM drifting ORDER BY id'),
    );

  const noop = await syncPrompts(target, drifting);
  expect(noop).toMatchObject({
    snapshot: false,
    counts: { added: 0, changed: 0, removed: 0, unchanged: 1000 },
    plan: { added: [], changed: [], removed: [] },
  });

  await query(
    target,
    `UPDATE drifting SET body = 'edited' WHERE id IN (7, 234, 999); DELETE FROM drifting WHERE id IN (5, 500);
     INSERT INTO drifting VALUES (-1, 'only here')`,
  );
  const upsert = await syncPrompts(target, { ...drifting, mode: 'upsert' });
  expect(upsert.counts).toEqual({ added: 2, changed: 3, removed: 0, unchanged: 995 });
  // Upsert left the extra row: the sums differ, and the rows show it is the only difference.
  const drifted = await syncPrompts(target, drifting);
  expect(drifted.counts).toEqual({ added: 0, changed: 0, removed: 1, unchanged: 1000 });
  expect(drifted.plan.removed).toEqual([{ id: -1 }]);
  await equal();
});

test('two rows that swap their contents both differ, though every value is still in the table', async () => {
  await query(target, "DELETE FROM prompts; INSERT INTO prompts VALUES ('a', 'new b'), ('b', 'new a')");
  const result = await syncPrompts(target, options());
  expect(result.counts).toEqual({ added: 0, changed: 2, removed: 0, unchanged: 0 });
  expect(await query(target, 'SELECT * FROM prompts ORDER BY name')).toEqual([
    { name: 'a', content: 'new a' },
    { name: 'b', content: 'new b' },
  ]);
});

test('a sync waits a bounded time for another one holding the lock, then fails naming the holder', async () => {
  const holder = new Client({ ...target, application_name: 'stuck-sync-7' });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [SYNC_LOCK_KEY.toString()]);
    const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const started = Date.now();
    const error = await expectFailure(DB.LOCK_TIMEOUT, { lockTimeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.message).toContain(`pid ${rows[0]!.pid}`);
    expect(error.message).toContain('application "stuck-sync-7"');

    await holder.query('SELECT pg_advisory_unlock($1::bigint)', [SYNC_LOCK_KEY.toString()]);
    expect((await syncPrompts(target, options({ lockTimeoutMs: 400 }))).applied).toBe(true);
  } finally {
    await holder.end();
  }
});

test('upsert from a database keeps the rows only the target has, and verifies the rest', async () => {
  const result = await syncPrompts(target, options({ mode: 'upsert' }));
  expect(result.counts).toEqual({ added: 1, changed: 1, removed: 0, unchanged: 0 });
  expect(await query(target, 'SELECT * FROM prompts ORDER BY name')).toEqual([
    { name: 'a', content: 'new a' },
    { name: 'b', content: 'new b' },
    { name: 'z', content: 'old z' },
  ]);
});
