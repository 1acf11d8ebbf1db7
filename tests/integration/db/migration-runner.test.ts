/**
 * The SQL migrator against a real PostgreSQL: every test gets a fresh database on one server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  DB,
  DbTarget,
  MigrateOptions,
  MigrationError,
  connectionUrl,
  migrate,
  migrationLockKey,
  targetFromUrl,
} from '@slipway/db';
import { ConfigurationError, memoryLogger } from '@slipway/kit';
import { startPostgres, type PgServer } from '../../helpers/postgres';

let server: PgServer;
let dir: string;
let target: DbTarget;

beforeAll(async () => {
  server = await startPostgres('db-migrate');
});
afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-migrations-'));
  const admin = targetFromUrl(server.url);
  target = { ...admin, database: `migrate_${randomBytes(4).toString('hex')}` };
  await query(admin, `CREATE DATABASE ${target.database}`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function query<T extends Record<string, unknown>>(
  on: DbTarget,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: connectionUrl(on) });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function files(contents: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(contents)) await writeFile(join(dir, name), sql);
}

function options(
  extra: Partial<MigrateOptions> = {},
): MigrateOptions & { logger: ReturnType<typeof memoryLogger> } {
  return { dir, dryRun: false, lockTimeoutMs: 5_000, ...extra, logger: memoryLogger() };
}

const tableExists = async (name: string) =>
  (await query<{ present: boolean }>(target, 'SELECT to_regclass($1) IS NOT NULL AS present', [name]))[0]
    ?.present;

const history = () =>
  query<{ name: string; checksum: string; applied_at: Date; duration_ms: number }>(
    target,
    'SELECT name, checksum, applied_at, duration_ms FROM slipway_migrations ORDER BY applied_at, name',
  );

// Lexical order would run 10_ before 2_ (and before 001_, which creates the table).
const ORDERED = {
  '001_create.sql':
    'CREATE TABLE steps (id serial PRIMARY KEY, file text, app text);\n' +
    "INSERT INTO steps (file, app) VALUES ('001', current_setting('application_name'));\n",
  '2_second.sql': "INSERT INTO steps (file) VALUES ('2');\n",
  '10_third.sql': "INSERT INTO steps (file) VALUES ('10');\n",
};

test('applies the files in natural order, each recorded with its checksum and duration', async () => {
  await files(ORDERED);
  const opts = options();

  const result = await migrate(target, opts);

  expect(result).toEqual({
    applied: ['001_create.sql', '2_second.sql', '10_third.sql'],
    pending: [],
    alreadyApplied: [],
  });
  const steps = await query<{ file: string; app: string | null }>(
    target,
    'SELECT file, app FROM steps ORDER BY id',
  );
  expect(steps.map((step) => step.file)).toEqual(['001', '2', '10']);
  expect(steps[0]?.app).toBe('slipway-migrate');
  const rows = await history();
  expect(rows.map((row) => row.name).sort()).toEqual(['001_create.sql', '10_third.sql', '2_second.sql']);
  for (const row of rows) {
    const sql = ORDERED[row.name as keyof typeof ORDERED];
    expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
    expect(row.applied_at).toBeInstanceOf(Date);
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
  }
  expect(opts.logger.lines.join('\n')).not.toContain(target.password);
});

test('a second run applies nothing and leaves the history as it was', async () => {
  await files(ORDERED);
  await migrate(target, options());
  const before = await history();

  const result = await migrate(target, options());

  expect(result).toEqual({ applied: [], pending: [], alreadyApplied: Object.keys(ORDERED) });
  expect(await history()).toEqual(before);
  expect(await query(target, 'SELECT * FROM steps')).toHaveLength(3);
});

test('the history table may be named, and the name is quoted', async () => {
  await files(ORDERED);
  await migrate(target, options({ historyTable: 'Deploy-History' }));
  expect(await tableExists('"Deploy-History"')).toBe(true);
  expect(await tableExists('slipway_migrations')).toBe(false);
});

test('an applied file that was edited is refused by name, and nothing runs', async () => {
  await files(ORDERED);
  await migrate(target, options());
  await files({
    '2_second.sql': "INSERT INTO steps (file) VALUES ('2, edited');\n",
    '11_new.sql': 'CREATE TABLE t11 ();',
  });

  const error = await migrate(target, options()).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error).toMatchObject({
    code: DB.CHECKSUM_MISMATCH,
    message: expect.stringContaining('2_second.sql'),
  });
  expect(await tableExists('t11')).toBe(false);
  expect(await history()).toHaveLength(3);
});

test('a failing file is rolled back completely; earlier files stay, later files do not run', async () => {
  await files({
    '1_ok.sql': 'CREATE TABLE kept (id int);',
    '2_bad.sql': 'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT * FROM no_such_table;\n',
    '3_later.sql': 'CREATE TABLE later (id int);',
  });

  const error = (await migrate(target, options()).catch((e: unknown) => e)) as MigrationError;

  expect(error).toBeInstanceOf(MigrationError);
  expect(error).toMatchObject({ code: DB.MIGRATION_FAILED, file: '2_bad.sql', applied: ['1_ok.sql'] });
  expect(error.message).toContain('2_bad.sql');
  expect(error.message).toContain('relation "no_such_table" does not exist');
  expect(error.message).toContain('line 3, column 15');
  expect(error.message).not.toContain(target.password);
  expect(await tableExists('kept')).toBe(true);
  expect(await tableExists('half')).toBe(false);
  expect(await tableExists('later')).toBe(false);
  expect((await history()).map((row) => row.name)).toEqual(['1_ok.sql']);
});

test('a file and its history row commit together: when the row cannot be written, the file is undone', async () => {
  // The file records itself, so the migrator's own history insert collides.
  await files({
    '1_self.sql':
      'CREATE TABLE side_effect (id int);\n' +
      "INSERT INTO slipway_migrations (name, checksum, duration_ms) VALUES ('1_self.sql', 'x', 0);\n",
  });

  await expect(migrate(target, options())).rejects.toMatchObject({
    code: DB.MIGRATION_FAILED,
    file: '1_self.sql',
  });
  expect(await tableExists('side_effect')).toBe(false);
  expect(await history()).toEqual([]);
});

test('two runs at once serialise on the lock and apply each file exactly once', async () => {
  await files({
    '1_slow.sql': "CREATE TABLE runs (file text);\nINSERT INTO runs VALUES ('1');\nSELECT pg_sleep(1);\n",
    '2_next.sql': "INSERT INTO runs VALUES ('2');\n",
  });
  const a = options({ applicationName: 'run-a', lockTimeoutMs: 10_000 });
  const b = options({ applicationName: 'run-b', lockTimeoutMs: 10_000 });

  const results = await Promise.all([migrate(target, a), migrate(target, b)]);

  expect(results.flatMap((result) => result.applied).sort()).toEqual(['1_slow.sql', '2_next.sql']);
  const [winner, waiter] = results[0]?.applied.length ? [a, b] : [b, a];
  const waited = waiter.logger.lines.join('\n');
  expect(waited).toMatch(/Waiting up to 10000 ms for the migration lock, held by pid \d+/);
  expect(waited).toContain(`application "${winner === a ? 'run-a' : 'run-b'}"`);
  expect(await query(target, 'SELECT * FROM runs')).toHaveLength(2);
  expect(await history()).toHaveLength(2);
});

test('a lock held too long fails the run, naming the holder; nothing is changed', async () => {
  await files(ORDERED);
  const holder = new Client({ connectionString: connectionUrl(target), application_name: 'stuck-deploy-42' });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [
      migrationLockKey('slipway_migrations').toString(),
    ]);
    const { pid } = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
    const started = Date.now();

    const error = (await migrate(target, options({ lockTimeoutMs: 400 })).catch((e: unknown) => e)) as Error;

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({ code: DB.LOCK_TIMEOUT });
    expect(error.message).toContain(`pid ${pid}`);
    expect(error.message).toContain('application "stuck-deploy-42"');
    expect(error.message).not.toContain(target.password);
    expect(await tableExists('slipway_migrations')).toBe(false);
    expect(await tableExists('steps')).toBe(false);
  } finally {
    await holder.end();
  }
});

test('a dry run lists what would run and changes nothing, before and after a real run', async () => {
  await files(ORDERED);

  expect(await migrate(target, options({ dryRun: true }))).toEqual({
    applied: [],
    pending: Object.keys(ORDERED),
    alreadyApplied: [],
  });
  expect(await tableExists('slipway_migrations')).toBe(false);
  expect(await tableExists('steps')).toBe(false);

  await migrate(target, options());
  await files({ '20_more.sql': 'CREATE TABLE more ();' });
  expect(await migrate(target, options({ dryRun: true }))).toEqual({
    applied: [],
    pending: ['20_more.sql'],
    alreadyApplied: Object.keys(ORDERED),
  });
  expect(await tableExists('more')).toBe(false);
  expect(await history()).toHaveLength(3);
});

test('a file whose header opts out of the transaction runs CREATE INDEX CONCURRENTLY, under the lock', async () => {
  await files({
    '1_table.sql': 'CREATE TABLE items (id int, name text);\n',
    '2_index.sql':
      '-- Builds without blocking writes.\n-- slipway: no-transaction\nCREATE INDEX CONCURRENTLY items_name ON items (name);\n',
    '3_in_transaction.sql':
      '-- slipway: no-transaction is only a header\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n',
  });
  const holder = new Client({ connectionString: connectionUrl(target) });
  await holder.connect();
  try {
    // While another run holds the lock, the no-transaction file waits like any other.
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [
      migrationLockKey('slipway_migrations').toString(),
    ]);
    const run = migrate(target, options({ lockTimeoutMs: 10_000 })).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await tableExists('items')).toBe(false);
    await holder.query('SELECT pg_advisory_unlock_all()');

    const error = await run;
    // 3's line is not the header: it runs in a transaction, which PostgreSQL refuses for this statement.
    expect(error).toMatchObject({
      code: DB.MIGRATION_FAILED,
      file: '3_in_transaction.sql',
      rolledBack: true,
    });
    expect((error as MigrationError).applied).toEqual(['1_table.sql', '2_index.sql']);
  } finally {
    await holder.end();
  }
  const indexes = await query<{ indexname: string }>(
    target,
    "SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY 1",
  );
  expect(indexes).toEqual([{ indexname: 'items_name' }]);
  expect((await history()).map((row) => row.name)).toEqual(['1_table.sql', '2_index.sql']);
});

test('a no-transaction file that fails says what it left, and is not recorded', async () => {
  await files({
    '1_table.sql': 'CREATE TABLE items (id int);\nINSERT INTO items VALUES (1), (1);\n',
    '2_unique.sql': '-- slipway: no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY items_id ON items (id);\n',
  });
  const error = (await migrate(target, options()).catch((e: unknown) => e)) as MigrationError;
  expect(error).toMatchObject({ code: DB.MIGRATION_FAILED, file: '2_unique.sql', rolledBack: false });
  expect(error.message).toContain(
    'outside a transaction (its header opts out), so what it did before the error stays',
  );
  expect(error.remedy).toContain('INVALID index');
  expect((await history()).map((row) => row.name)).toEqual(['1_table.sql']);
});
