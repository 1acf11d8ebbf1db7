/**
 * sync-prompts on tables shaped as real apps make them (Django's and alembic's DDL), against real
 * PostgreSQL: surrogate ids, sequences, foreign keys into the table, other unique constraints, the
 * types apps use, quoted names and schemas. Source and target are two databases of one server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DB, DbTarget, SyncOptions, syncPrompts, targetFromUrl } from '@slipway/db';
import { SlipwayError, memoryLogger } from '@slipway/kit';
import { startPostgres, type PgServer } from '../../helpers/postgres';

let server: PgServer;
let source: DbTarget;
let target: DbTarget;

beforeAll(async () => {
  server = await startPostgres('db-sync-schemas');
});
afterAll(() => server?.stop());

beforeEach(async () => {
  const admin = targetFromUrl(server.url);
  const suffix = randomBytes(4).toString('hex');
  source = { ...admin, database: `source_${suffix}` };
  target = { ...admin, database: `target_${suffix}` };
  for (const db of [source, target]) await query(admin, `CREATE DATABASE ${db.database}`);
});

async function query<T = Record<string, unknown>>(db: DbTarget, sql: string): Promise<T[]> {
  const client = new Client({ ...db });
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'");
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const both = async (sql: string) => {
  await query(source, sql);
  await query(target, sql);
};

const options = (extra: Partial<SyncOptions> = {}): SyncOptions => ({
  source: { kind: 'database', database: source },
  table: 'prompts_prompt',
  keyColumns: ['name'],
  mode: 'overwrite',
  force: true,
  dryRun: false,
  logger: memoryLogger(),
  ...extra,
});

async function refused(code: string, extra: Partial<SyncOptions>, table: string): Promise<SlipwayError> {
  const before = await query(target, `SELECT * FROM ${table} ORDER BY 1`);
  const error = await syncPrompts(target, options(extra)).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(SlipwayError);
  expect((error as SlipwayError).code).toBe(code);
  expect(await query(target, `SELECT * FROM ${table} ORDER BY 1`)).toEqual(before);
  return error as SlipwayError;
}

// What `manage.py sqlmigrate` prints for a BigAutoField model (Django 3.2–4.0) and a model referring to it.
const DJANGO = `
  CREATE TABLE "prompts_prompt" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(200) NOT NULL UNIQUE,
    "content" text NOT NULL, "metadata" jsonb NOT NULL, "is_active" boolean NOT NULL,
    "created_at" timestamp with time zone NOT NULL, "updated_at" timestamp with time zone NOT NULL);
  CREATE INDEX "prompts_prompt_name_7b8b1f0e_like" ON "prompts_prompt" ("name" varchar_pattern_ops);
  CREATE TABLE "prompts_promptrun" ("id" bigserial NOT NULL PRIMARY KEY,
    "started_at" timestamp with time zone NOT NULL, "prompt_id" bigint NOT NULL);
  ALTER TABLE "prompts_promptrun" ADD CONSTRAINT "prompts_promptrun_prompt_id_3c1e6f0a_fk_prompts_prompt_id"
    FOREIGN KEY ("prompt_id") REFERENCES "prompts_prompt" ("id") DEFERRABLE INITIALLY DEFERRED;
  CREATE INDEX "prompts_promptrun_prompt_id_3c1e6f0a" ON "prompts_promptrun" ("prompt_id");`;

const djangoRow = (name: string, content: string) =>
  `('${name}', '${content}', '{"model": "gpt"}', true, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')`;
const DJANGO_COLUMNS = '(name, content, metadata, is_active, created_at, updated_at)';

describe('a Django model (id bigserial, name unique)', () => {
  beforeEach(() => both(DJANGO));

  test('the natural key decides identity: ids are neither compared nor copied, and the next insert works', async () => {
    await query(
      source,
      `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('a', 'new a')}, ${djangoRow('b', 'b')}`,
    );
    // The target's ids differ from the source's: rows were made in another order, and one was deleted.
    await query(
      target,
      `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('gone', 'x')}, ${djangoRow('b', 'b')}, ${djangoRow('a', 'old a')};
       DELETE FROM prompts_prompt WHERE name = 'gone'`,
    );
    const result = await syncPrompts(target, options());
    expect(result.counts).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 1 });
    expect(await query(target, 'SELECT id, name, content FROM prompts_prompt ORDER BY id')).toEqual([
      { id: '2', name: 'b', content: 'b' },
      { id: '3', name: 'a', content: 'new a' },
    ]);
    await query(source, `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('c', 'c')}`);
    expect((await syncPrompts(target, options())).counts).toMatchObject({ added: 1, unchanged: 2 });
    await query(
      target,
      `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('made by the app', 'x')}`,
    );
  });

  test('ids copied on request advance the sequence past them, in the same transaction', async () => {
    await query(
      source,
      `INSERT INTO prompts_prompt (id, name, content, metadata, is_active, created_at, updated_at)
       SELECT i, 'p' || i, 'c', '{}', true, now(), now() FROM generate_series(1, 40) i`,
    );
    const columns = ['id', 'content', 'metadata', 'is_active', 'created_at', 'updated_at'];
    expect((await syncPrompts(target, options({ columns }))).counts).toMatchObject({ added: 40 });
    const [made] = await query<{ id: string }>(
      target,
      `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('made by the app', 'x')} RETURNING id`,
    );
    expect(made).toEqual({ id: '41' });
  });

  test('removing a row another table references (deferrable, NO ACTION) is refused, naming the constraint', async () => {
    await query(
      target,
      `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('used', 'x')}, ${djangoRow('kept', 'k')}`,
    );
    await query(source, `INSERT INTO prompts_prompt ${DJANGO_COLUMNS} VALUES ${djangoRow('kept', 'k')}`);
    await query(
      target,
      "INSERT INTO prompts_promptrun (started_at, prompt_id) SELECT now(), id FROM prompts_prompt WHERE name = 'used'",
    );
    for (const deleteReferenced of [false, true]) {
      const error = await refused(DB.SYNC_REFERENCED_ROWS, { deleteReferenced }, 'prompts_prompt');
      expect(error.message).toContain('1 row(s) of prompts_promptrun');
      expect(error.message).toContain(
        '"prompts_promptrun_prompt_id_3c1e6f0a_fk_prompts_prompt_id" (ON DELETE NO ACTION)',
      );
    }
    // Upsert never removes, so it is not refused.
    expect((await syncPrompts(target, options({ mode: 'upsert' }))).counts).toMatchObject({ removed: 0 });
  });
});

// What alembic's op.create_table emits through SQLAlchemy for Integer primary key, unique name, and a
// child table whose foreign key cascades.
const ALEMBIC = `
  CREATE TABLE prompts (
    id SERIAL NOT NULL,
    name VARCHAR(255) NOT NULL,
    content TEXT,
    tags VARCHAR[],
    params JSONB,
    published_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
  );
  CREATE TABLE prompt_versions (
    id SERIAL NOT NULL,
    prompt_id INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(prompt_id) REFERENCES prompts (id) ON DELETE CASCADE
  );`;

describe('an alembic table (id SERIAL, UNIQUE (name))', () => {
  beforeEach(() => both(ALEMBIC));
  const alembic = (extra: Partial<SyncOptions> = {}) =>
    options({ table: 'prompts', columns: ['content', 'tags', 'params', 'published_at'], ...extra });
  const rows = (db: DbTarget) =>
    query(db, 'SELECT name, content, tags, params, published_at FROM prompts ORDER BY name');

  test('jsonb, timestamptz, arrays, NULLs, a 1 MB text and unicode arrive exactly', async () => {
    const big = `${'ü€😀'.repeat(87_382)}\t\\ "quoted"\n`;
    await query(
      source,
      `INSERT INTO prompts (name, content, tags, params, published_at) VALUES
         ('vide', NULL, NULL, NULL, NULL),
         ('日本語 🚀', '${big}', ARRAY['a', NULL, 'c,d', 'e"f', ''], '{"nested": {"x": [1, 2.5, null]}, "é": "ü"}', '2026-03-01 12:34:56.789+02'),
         ('empty', '', '{}', '[]', '1970-01-01 00:00:00+00')`,
    );
    expect((await syncPrompts(target, alembic())).counts).toMatchObject({ added: 3 });
    expect(await rows(target)).toEqual(await rows(source));
    // Equal values compare equal: a second sync changes nothing.
    expect((await syncPrompts(target, alembic())).counts).toEqual({
      added: 0,
      changed: 0,
      removed: 0,
      unchanged: 3,
    });
    await query(target, "UPDATE prompts SET tags = ARRAY['a', NULL, 'c,d', 'e\"f'] WHERE name = '日本語 🚀'");
    expect((await syncPrompts(target, alembic())).plan.changed).toEqual([
      { key: { name: '日本語 🚀' }, columns: ['tags'] },
    ]);
    expect(await rows(target)).toEqual(await rows(source));
  });

  test('from prompt files too: arrays, dates and JSON into their columns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-prompts-'));
    try {
      await writeFile(
        join(dir, 'greet.yaml'),
        'content: "Hello ✨"\ntags: [a, "b c"]\nparams: {t: 0.5}\npublished_at: 2026-03-01T10:00:00Z\n',
      );
      const result = await syncPrompts(target, alembic({ source: { kind: 'files', dir } }));
      expect(result.counts).toMatchObject({ added: 1 });
      expect(await rows(target)).toEqual([
        {
          name: 'greet',
          content: 'Hello ✨',
          tags: ['a', 'b c'],
          params: { t: 0.5 },
          published_at: new Date('2026-03-01T10:00:00Z'),
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a cascading foreign key: removal refused without delete-referenced, and cascades with it', async () => {
    await query(
      target,
      "INSERT INTO prompts (name) VALUES ('used'), ('kept'); INSERT INTO prompt_versions (prompt_id) SELECT id FROM prompts",
    );
    await query(source, "INSERT INTO prompts (name) VALUES ('kept')");
    const error = await refused(DB.SYNC_REFERENCED_ROWS, alembic(), 'prompt_versions');
    expect(error.message).toContain('"prompt_versions_prompt_id_fkey" (ON DELETE CASCADE)');
    expect(error.remedy).toContain('delete-referenced: true');

    const result = await syncPrompts(target, alembic({ deleteReferenced: true }));
    expect(result.counts).toMatchObject({ removed: 1, unchanged: 1 });
    expect(
      await query(target, 'SELECT p.name FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id'),
    ).toEqual([{ name: 'kept' }]);
  });
});

test('identity and generated columns are left to the database; another unique column may move between keys', async () => {
  await both(`CREATE TABLE prompts_prompt (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, slug text NOT NULL UNIQUE,
    content text, shout text GENERATED ALWAYS AS (upper(content)) STORED)`);
  await query(
    source,
    "INSERT INTO prompts_prompt (name, slug, content) VALUES ('renamed', 'greeting', 'hi'), ('b', 'b', 'b')",
  );
  await query(
    target,
    "INSERT INTO prompts_prompt (name, slug, content) VALUES ('b', 'b', 'b'), ('original', 'greeting', 'hi')",
  );
  // 'original' is removed before 'renamed' takes its slug.
  expect((await syncPrompts(target, options())).counts).toEqual({
    added: 1,
    changed: 0,
    removed: 1,
    unchanged: 1,
  });
  expect(await query(target, 'SELECT id, name, slug, shout FROM prompts_prompt ORDER BY id')).toEqual([
    { id: '1', name: 'b', slug: 'b', shout: 'B' },
    { id: '3', name: 'renamed', slug: 'greeting', shout: 'HI' },
  ]);
  const error = await refused(DB.SYNC_SCHEMA_MISMATCH, { columns: ['slug', 'shout'] }, 'prompts_prompt');
  expect(error.message).toContain('Column "shout" of table "prompts_prompt" is generated in the target');
});

test('two rows swapping a value of another unique column: fails naming it, or succeeds when it is deferrable', async () => {
  for (const deferrable of ['', 'DEFERRABLE']) {
    await both(`DROP TABLE IF EXISTS prompts_prompt;
      CREATE TABLE prompts_prompt (name text PRIMARY KEY, slug text NOT NULL, CONSTRAINT slug_unique UNIQUE (slug) ${deferrable})`);
    await query(source, "INSERT INTO prompts_prompt VALUES ('a', 'y'), ('b', 'x')");
    await query(target, "INSERT INTO prompts_prompt VALUES ('a', 'x'), ('b', 'y')");
    if (!deferrable) {
      const error = await refused(DB.SYNC_FAILED, {}, 'prompts_prompt');
      expect(error.message).toContain('"slug_unique"');
    } else {
      expect((await syncPrompts(target, options())).counts).toMatchObject({ changed: 2 });
      expect(await query(target, 'SELECT * FROM prompts_prompt ORDER BY name')).toEqual([
        { name: 'a', slug: 'y' },
        { name: 'b', slug: 'x' },
      ]);
    }
  }
});

test('quoted, mixed-case names in a schema-qualified table, synced and restored', async () => {
  await both(`CREATE SCHEMA "App";
    CREATE TABLE "App"."PromptTemplates" ("Id" serial PRIMARY KEY, "promptKey" text UNIQUE NOT NULL, "Body" text);
    CREATE TABLE public."PromptTemplates" ("promptKey" text PRIMARY KEY, "Body" text)`);
  await query(
    source,
    `INSERT INTO "App"."PromptTemplates" ("promptKey", "Body") VALUES ('Greet', 'Hello'), ('Bye', 'Ciao')`,
  );
  await query(target, `INSERT INTO "App"."PromptTemplates" ("promptKey", "Body") VALUES ('Greet', 'Hi')`);
  const table = 'App.PromptTemplates';
  const before = await query(target, 'SELECT * FROM "App"."PromptTemplates" ORDER BY 1');
  const result = await syncPrompts(target, options({ table, keyColumns: ['promptKey'] }));
  expect(result.counts).toEqual({ added: 1, changed: 1, removed: 0, unchanged: 0 });
  expect(await query(target, 'SELECT "promptKey", "Body" FROM "App"."PromptTemplates" ORDER BY 1')).toEqual([
    { promptKey: 'Bye', Body: 'Ciao' },
    { promptKey: 'Greet', Body: 'Hello' },
  ]);
  // The table of the same name in the search path was not touched.
  expect(await query(target, 'SELECT * FROM public."PromptTemplates"')).toEqual([]);
  await syncPrompts(
    target,
    options({ table, keyColumns: ['promptKey'], source: { kind: 'snapshot', syncId: 'previous' } }),
  );
  expect(await query(target, 'SELECT * FROM "App"."PromptTemplates" ORDER BY 1')).toEqual(before);
});
