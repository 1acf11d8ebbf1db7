import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client, QueryArrayConfig } from 'pg';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ConfigurationError, Logger, SlipwayError } from '@slipway/kit';
import { DB } from './codes';
import { DbTarget, connect, describeTarget } from './connection';
import { acquireAdvisoryLock } from './lock';
import { PromptRow, readPromptFiles } from './prompt-files';
import { reason } from './reason';
import { DEFAULT_KEEP_SNAPSHOTS, SyncNeedsForceError, SyncResult } from './sync-result';
import {
  DIFF_KEYS_TABLE,
  DIFF_TABLE,
  HASHES_TABLE,
  RowKey,
  STAGING_TABLE,
  SyncCounts,
  SyncPlan,
  SyncSql,
  planCounts,
} from './sync-plan';
import { TableColumns, checkSchema, defaultColumns, readColumns } from './sync-schema';

export type SyncSource =
  | { kind: 'database'; database: DbTarget }
  | { kind: 'files'; dir: string }
  /** A snapshot an earlier sync took of the target: a sync id, or `previous` for the latest. */
  | { kind: 'snapshot'; syncId: string };

export type SyncMode = 'overwrite' | 'upsert';

export interface SyncOptions {
  source: SyncSource;
  table: string;
  keyColumns: string[];
  /** The columns compared and copied; default: all the source's columns but the keys. */
  columns?: string[];
  mode: SyncMode;
  force: boolean;
  dryRun: boolean;
  environment?: string;
  /** What the target database's name must match when environment is production (default /prod/i). */
  targetNamePattern?: RegExp;
  /** Snapshots of this table kept in the target, newest first; older ones are pruned by each sync. */
  keepSnapshots?: number;
  /**
   * Let overwrite remove rows that other tables reference through an ON DELETE CASCADE, SET NULL or SET
   * DEFAULT foreign key, which then deletes or changes theirs. Rows referenced under NO ACTION or
   * RESTRICT are never removed.
   */
  deleteReferenced?: boolean;
  /** How long to wait for another sync into the target to finish (default 300 000 ms). */
  lockTimeoutMs?: number;
  applicationName?: string;
  logger: Logger;
}

export const SYNCS_TABLE = escapeIdentifier('slipway_prompt_syncs');
export const SNAPSHOTS_TABLE = escapeIdentifier('slipway_prompt_snapshots');
export const PREVIOUS_SNAPSHOT = 'previous';
/** The advisory-lock key every sync into a database takes. */
export const SYNC_LOCK_KEY = createHash('sha256').update('slipway-sync').digest().readBigInt64BE(0);
const DEFAULT_SYNC_LOCK_TIMEOUT_MS = 300_000;
/** A restore's temp table of the keys the restored sync added. */
const ADDED_KEYS_TABLE = escapeIdentifier('slipway_sync_added_keys');

// Text forms that differ between servers' settings would make equal values look different.
// The key-ordered hash streams sort every key: with the default work_mem (4 MB) a 100k-row table sorts on disk.
const SESSION_SETTINGS =
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; " +
  "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET work_mem = '64MB'";

/**
 * Makes the target table's rows equal the source's (overwrite), or adds and updates them (upsert), in
 * one target transaction under an advisory lock: snapshot, load by COPY, plan, apply, verify, commit.
 */
export async function syncPrompts(target: DbTarget, options: SyncOptions): Promise<SyncResult> {
  const { source, logger } = options;
  // A snapshot is put back exactly as it was taken.
  const mode = source.kind === 'snapshot' ? 'overwrite' : options.mode;
  const where = describeTarget(target);
  refuseUnexpectedProduction(target, options);
  const applicationName = options.applicationName ?? 'slipway-sync';
  const files = source.kind === 'files' ? await readPromptFiles(source.dir, options.keyColumns) : undefined;

  let prepared: Prepared | undefined;
  const client = await connect(target, { applicationName });
  const sourceClient =
    source.kind === 'database' ? await connect(source.database, { applicationName }) : undefined;
  try {
    await client.query(SESSION_SETTINGS);
    await sourceClient?.query(SESSION_SETTINGS);
    const targetColumns = await readColumns(client, options.table);
    const sourceColumns = sourceClient ? await readColumns(sourceClient, options.table) : undefined;
    const names = sourceColumns
      ? [...sourceColumns.keys()]
      : source.kind === 'snapshot'
        ? [...targetColumns.keys()]
        : [...new Set(files?.flatMap((row) => Object.keys(row)))];
    const compared =
      options.columns ??
      defaultColumns(names, options.keyColumns, [targetColumns, sourceColumns], source.kind === 'snapshot');
    const sql = new SyncSql(options.table, options.keyColumns, compared);
    checkSchema({
      table: options.table,
      target: targetColumns,
      source: sourceColumns,
      columns: [...options.keyColumns, ...compared],
    });

    const syncId = randomUUID();
    const sameTypes = [...options.keyColumns, ...compared].every(
      (column) => !sourceColumns || sourceColumns.get(column)?.type === targetColumns.get(column)?.type,
    );
    await client.query('BEGIN');
    // Deferrable constraints (Django's foreign keys are) are checked once all rows are in place.
    await client.query('SET CONSTRAINTS ALL DEFERRED');
    // One snapshot of the source for everything read from it.
    await sourceClient?.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await lockTarget(client, options, where);
      await client.query(sql.createTemporaryTables());
      const context = { client, sourceClient, sql, sameTypes };
      const emptyTarget = !(await hasRows(client, sql));
      prepared =
        source.kind === 'database' && emptyTarget
          ? await prepareEmptyTable({ ...context, sourceClient: sourceClient!, database: source.database })
          : await prepareByHashes({ ...context, source, files, targetColumns, mode });
      const { plan } = prepared;
      const counts = planCounts(plan);
      const changes = counts.added + counts.changed + counts.removed;
      const result = async (applied: boolean): Promise<SyncResult> => ({
        syncId,
        applied,
        snapshot: applied && changes > 0,
        table: options.table,
        mode,
        where,
        counts,
        checksum: (await prepared!.expected).checksum,
        plan,
      });
      logger.info(describePlan(options.table, where, mode, planCounts(plan)));
      if (options.dryRun) {
        const dryRun = await result(false);
        await client.query('ROLLBACK');
        logger.info('Dry run: nothing was changed.');
        return dryRun;
      }
      if ((counts.changed || counts.removed) && !options.force) {
        throw new SyncNeedsForceError(await result(false));
      }
      if (counts.removed) await refuseReferencedRemovals(client, sql, options, where);
      // Nothing differs: the plan's join has shown the rows equal, so there is nothing to keep or verify.
      if (changes) {
        await takeSnapshot(client, syncId, options, sql, emptyTarget);
        await prepared.apply();
        await client.query('SET CONSTRAINTS ALL IMMEDIATE');
        await verify(client, sql, await prepared.expected, prepared.wholeTable, where);
      }
      await advanceSequences(client, sql, targetColumns);
      const applied = await result(true);
      await client.query('COMMIT');
      logger.info(
        changes
          ? `Committed sync ${syncId} into ${where}; snapshot ${syncId} holds the rows it changed, as they were.`
          : `Nothing to change in ${where}; no snapshot taken.`,
      );
      return applied;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (error instanceof SlipwayError) throw error;
      throw new SlipwayError(
        DB.SYNC_FAILED,
        `Syncing "${options.table}" into ${where} failed and was rolled back: ${reason(error)}.`,
        {
          remedy: 'The target is as it was before. Fix the cause in the message and run again.',
          cause: error,
        },
      );
    }
  } finally {
    await Promise.all(
      [client.end(), sourceClient?.end(), prepared?.close()].map((ending) => ending?.catch(() => undefined)),
    );
  }
}

function refuseUnexpectedProduction(target: DbTarget, options: SyncOptions): void {
  if (options.environment?.trim().toLowerCase() !== 'production') return;
  const pattern = options.targetNamePattern ?? /prod/i;
  if (pattern.test(target.database)) return;
  throw new ConfigurationError(
    DB.PRODUCTION_TARGET_REFUSED,
    `Environment is "production" but the target database "${target.database}" does not match ${pattern}; ` +
      'nothing was changed.',
    {
      remedy:
        'Point "target-url" at the production database, or set "target-name-pattern" to match its name.',
    },
  );
}

/**
 * Syncs into one database wait for each other (they share the snapshot tables), for at most
 * lockTimeoutMs; the lock is the session's, so it ends when the sync's connection does, whatever ends it.
 */
async function lockTarget(client: Client, options: SyncOptions, where: string): Promise<void> {
  await acquireAdvisoryLock(client, SYNC_LOCK_KEY, {
    timeoutMs: options.lockTimeoutMs ?? DEFAULT_SYNC_LOCK_TIMEOUT_MS,
    what: `the lock that syncs into one database share`,
    where,
    logger: options.logger,
  });
}

interface Summary {
  rows: number;
  checksum: string;
}

/** What a sync will do, worked out inside the target transaction, and how to do it. */
interface Prepared {
  plan: SyncPlan;
  /** The source rows' count and checksum, which the target's synced rows must have before commit. */
  expected: Promise<Summary>;
  /** After apply, the whole table must match the source (overwrite, or a table that was empty). */
  wholeTable: boolean;
  /** Adds, updates and (overwrite) removes what the plan says. */
  apply(): Promise<void>;
  close(): Promise<void>;
}

interface PrepareContext {
  client: Client;
  sourceClient: Client | undefined;
  sql: SyncSql;
  /** Source and target columns have the same types, so COPY may use the binary format. */
  sameTypes: boolean;
}

async function hasRows(client: Client, sql: SyncSql): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${sql.table}) AS found`,
  );
  return rows[0]!.found;
}

function copyWhole({ client, sourceClient, sql, sameTypes }: PrepareContext, into: string): Promise<void> {
  const format = sameTypes ? ' (FORMAT binary)' : '';
  return pipeline(
    sourceClient!.query(copyTo(`COPY (${sql.sourceRows()}) TO STDOUT${format}`)),
    client.query(copyFrom(`COPY ${into} (${sql.list}) FROM STDIN${format}`)),
  );
}

/**
 * Into an empty table every source row is an addition: the rows stream straight into it while a second
 * source session, sharing the first one's snapshot, computes their checksum.
 */
async function prepareEmptyTable(
  context: PrepareContext & { sourceClient: Client; database: DbTarget },
): Promise<Prepared> {
  const { sourceClient, sql, database } = context;
  const { rows: exported } = await sourceClient.query<{ snapshot: string }>(
    'SELECT pg_export_snapshot() AS snapshot',
  );
  const sidecar = await connect(database, { applicationName: 'slipway-sync-checksum' });
  const expected = (async () => {
    await sidecar.query(SESSION_SETTINGS);
    await sidecar.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await sidecar.query(`SET TRANSACTION SNAPSHOT ${escapeLiteral(exported[0]!.snapshot)}`);
    return summaryOf(sidecar, sql.summary(sql.table));
  })();
  expected.catch(() => undefined);
  const { rows } = await sourceClient.query<{ rows: number; keys: RowKey[] }>(sql.firstKeysOf(sql.table));
  const { rows: added, keys } = rows[0]!;
  return {
    plan: {
      added: keys,
      changed: [],
      removed: [],
      unchanged: 0,
      counts: { added, changed: 0, removed: 0, unchanged: 0 },
    },
    expected,
    wholeTable: true,
    apply: () => copyWhole(context, sql.table),
    close: () => sidecar.end(),
  };
}

/**
 * The general case: the source's keys and column hashes go into the hashes table (computed by a source
 * database as it streams them; here, from the staging table, for files and snapshots, which are loaded
 * whole), the plan is a join of hashes, and only the rows it adds or changes are copied, then upserted.
 */
async function prepareByHashes(
  context: PrepareContext & {
    source: SyncSource;
    files: PromptRow[] | undefined;
    targetColumns: TableColumns;
    mode: SyncMode;
  },
): Promise<Prepared> {
  const { client, sourceClient, sql } = context;
  let expected: Summary;
  let counts: SyncCounts;
  if (sourceClient) {
    ({ expected, counts } = await diffByStreams({ ...context, sourceClient }));
  } else {
    await stageWhole(context);
    await client.query(`ANALYZE ${HASHES_TABLE}`);
    expected = await summaryOf(client, sql.summary(HASHES_TABLE));
    counts = await sql.diffByJoin(client, context.mode === 'overwrite', expected.rows);
  }
  const plan = await sql.readPlan(client, counts);
  return {
    plan,
    expected: Promise.resolve(expected),
    wholeTable: context.mode === 'overwrite',
    apply: async () => {
      // Removals first: a row added under another key may reuse a removed row's unique values.
      if (counts.removed) await client.query(sql.deleteRemoved());
      const needed = counts.added + counts.changed;
      if (needed) {
        if (sourceClient) await copyNeededRows(context, needed, expected.rows);
        await client.query(sql.upsert());
      }
    },
    close: async () => undefined,
  };
}

/**
 * A source database. Both servers first sum their rows' hashes, at once, each in one pass with no
 * ordering: equal counts and sums mean equal tables, so an identical table costs these two aggregate
 * queries. Else both stream each row's key and hash in key order and one merge finds the diff; no row
 * is held anywhere, and only the diff's keys are written to the target, with the source hashes of the
 * changed rows the plan lists. The source's count and checksum are its sum's.
 */
async function diffByStreams(
  context: PrepareContext & { sourceClient: Client; targetColumns: TableColumns; mode: SyncMode },
): Promise<{ expected: Summary; counts: SyncCounts }> {
  const { client, sourceClient, sql } = context;
  const [expected, now] = await Promise.all([
    summaryOf(sourceClient, sql.summary(sql.table)),
    summaryOf(client, sql.summary(sql.table)),
  ]);
  const counts = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  if (expected.rows === now.rows && expected.checksum === now.checksum) {
    return { expected, counts: { ...counts, unchanged: expected.rows } };
  }
  await mergeHashStreams({ ...context, sourceClient }, counts);
  if (counts.changed) await loadChangedHashes({ ...context, sourceClient });
  return { expected, counts };
}

/**
 * Both servers stream each row's key and hash, in key order, at once; one merge counts what it finds
 * into `counts` and writes the diff's keys into the diff table.
 */
async function mergeHashStreams(
  context: PrepareContext & { sourceClient: Client; targetColumns: TableColumns; mode: SyncMode },
  counts: SyncCounts,
): Promise<void> {
  const { client, sourceClient, sql } = context;
  const stream = (on: Client) =>
    new HashCursor(wholeLines(on.query(copyTo(`COPY (${sql.streamHashes()}) TO STDOUT`))));
  const [source, target] = [stream(sourceClient), stream(client)];
  // The diff's lines, batched; at most one per row that differs.
  const diff: string[] = [];
  let batch = '';
  const record = (kind: 'added' | 'changed' | 'removed' | 'extra', key: string) => {
    if (kind !== 'extra') counts[kind]++;
    batch += `${kind}\t${key}\n`;
    if (batch.length > 65_536) {
      diff.push(batch);
      batch = '';
    }
  };
  for (;;) {
    const s = source.has() || (await source.more());
    const t = target.has() || (await target.more());
    if (!s && !t) break;
    const order = !s ? 1 : !t ? -1 : source.compareKey(target);
    if (order < 0) {
      record('added', source.key());
      source.advance();
    } else if (order > 0) {
      record(context.mode === 'overwrite' ? 'removed' : 'extra', target.key());
      target.advance();
    } else {
      if (source.sameHash(target)) counts.unchanged++;
      else record('changed', source.key());
      source.advance();
      target.advance();
    }
  }
  diff.push(batch);
  if (diff.some((lines) => lines.length)) {
    await pipeline(
      Readable.from(diff),
      client.query(copyFrom(`COPY ${DIFF_KEYS_TABLE} (kind, key) FROM STDIN`)),
    );
    const types = sql.keyNames.map((name) => context.targetColumns.get(name)!.type);
    await client.query(sql.decodeDiffKeys(types));
    await client.query(`ANALYZE ${DIFF_TABLE}`);
  }
}

/** COPY's text, cut at line ends: each piece holds whole `key<TAB>hash` lines. */
async function* wholeLines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let partial = '';
  for await (const chunk of stream) {
    const text = partial + chunk.toString('latin1');
    const cut = text.lastIndexOf('\n') + 1;
    partial = text.slice(cut);
    if (cut) yield text.slice(0, cut);
  }
}

/**
 * One side's hash stream, read in place: the current line is a range of the text that has arrived,
 * so the merge makes nothing per row (keys are hex, so nothing is escaped). It waits only when a piece
 * is used up.
 */
class HashCursor {
  private text = '';
  private at = 0;
  private tab = 0;
  private end = 0;

  constructor(private readonly pieces: AsyncGenerator<string>) {}

  has(): boolean {
    return this.at < this.text.length;
  }

  /** Waits for the next piece; false at the end of the stream. */
  async more(): Promise<boolean> {
    while (!this.has()) {
      const next = await this.pieces.next();
      if (next.done) return false;
      [this.text, this.at] = [next.value, 0];
      this.locate();
    }
    return true;
  }

  advance(): void {
    this.at = this.end + 1;
    if (this.has()) this.locate();
  }

  private locate(): void {
    this.tab = this.text.indexOf('\t', this.at);
    this.end = this.text.indexOf('\n', this.tab);
  }

  /** A copy of the key: a slice would keep the whole piece it came from alive as long as the diff. */
  key(): string {
    return Buffer.from(this.text.slice(this.at, this.tab), 'latin1').toString('latin1');
  }

  /** Key order: byte order of the hex text; the tab ends a key and sorts before any of its characters. */
  compareKey(other: HashCursor): number {
    for (let i = 0; ; i++) {
      const x = this.text.charCodeAt(this.at + i);
      const y = other.text.charCodeAt(other.at + i);
      if (x !== y) return x - y;
      if (x === 9) return 0;
    }
  }

  sameHash(other: HashCursor): boolean {
    const length = this.end - this.tab;
    if (length !== other.end - other.tab) return false;
    for (let i = 1; i < length; i++) {
      if (this.text.charCodeAt(this.tab + i) !== other.text.charCodeAt(other.tab + i)) return false;
    }
    return true;
  }
}

/** The source's column hashes of the changed rows the plan lists, for the columns each one changes. */
async function loadChangedHashes({ client, sourceClient, sql }: PrepareContext & { sourceClient: Client }) {
  const { rows: keyRows } = await client.query<Record<string, string[]>>(sql.firstChangedKeys());
  const { rows } = await sourceClient.query<(string | null)[]>({
    text: sql.sourceHashesByKey(),
    values: sql.keyNames.map((name) => keyRows[0]![name]!),
    rowMode: 'array',
  } as QueryArrayConfig);
  await pipeline(
    Readable.from(rows.map((row) => row.map((value) => copyField(value, false)).join('\t') + '\n')),
    client.query(copyFrom(sql.copyHashesIn())),
  );
}

/** Files and snapshots: every row into the staging table, and their hashes computed from it. */
async function stageWhole({
  client,
  sql,
  source,
  files,
  targetColumns,
}: PrepareContext & { source: SyncSource; files: PromptRow[] | undefined; targetColumns: TableColumns }) {
  let sent: number;
  if (files) {
    const columns = [...sql.keyNames, ...sql.comparedNames];
    const types = columns.map((column) => targetColumns.get(column)?.type ?? '');
    const lines = files.map(
      (row) =>
        columns
          .map((column, i) =>
            copyField(row[column], ['json', 'jsonb'].includes(types[i]!), types[i]!.startsWith('_')),
          )
          .join('\t') + '\n',
    );
    await pipeline(
      Readable.from(lines),
      client.query(copyFrom(`COPY ${STAGING_TABLE} (${sql.list}) FROM STDIN`)),
    );
    sent = files.length;
  } else {
    sent = await loadSnapshot(client, sql, source.kind === 'snapshot' ? source.syncId : '', sql.tableName);
  }
  const staged = (await client.query(sql.hashStaged())).rowCount ?? 0;
  if (staged !== sent) {
    throw new SlipwayError(
      DB.SYNC_VERIFY_FAILED,
      `The source rows did not arrive whole: ${sent} row(s) sent, ${staged} loaded; nothing was changed.`,
      { remedy: 'Check that no column loses precision between the two types, and run again.' },
    );
  }
}

/**
 * COPY's text format: tab-separated, \\N for NULL, backslash escapes; JSON columns get JSON text, array
 * columns an array literal, dates ISO 8601.
 */
function copyField(value: unknown, json: boolean, array = false): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    array && Array.isArray(value)
      ? arrayLiteral(value)
      : value instanceof Date
        ? value.toISOString()
        : json || typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

// Fetching rows by key beats streaming the whole table only while few rows are needed.
const KEYED_FETCH_MAX_SHARE = 0.5;
const KEYS_PER_FETCH = 1000;

/** Into the staging table: the whole source when most rows are needed, else just the needed rows, by key. */
async function copyNeededRows(context: PrepareContext, needed: number, sourceRows: number): Promise<void> {
  const { client, sourceClient, sql } = context;
  if (needed > sourceRows * KEYED_FETCH_MAX_SHARE) return copyWhole(context, STAGING_TABLE);
  const { rows } = await client.query<Record<string, string[]>>(sql.neededKeys());
  const keys = sql.keyNames.map((name) => rows[0]![name]!);
  await pipeline(
    Readable.from(fetchByKey(sourceClient!, sql, keys)),
    client.query(copyFrom(`COPY ${STAGING_TABLE} (${sql.list}) FROM STDIN`)),
  );
}

/** PostgreSQL's array literal: {"a","b"}, NULL for null, nested for nested arrays. */
function arrayLiteral(values: unknown[]): string {
  const item = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    const text =
      value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  };
  return `{${values.map(item).join(',')}}`;
}

async function* fetchByKey(sourceClient: Client, sql: SyncSql, keys: string[][]): AsyncGenerator<string> {
  const total = keys[0]?.length ?? 0;
  for (let from = 0; from < total; from += KEYS_PER_FETCH) {
    const { rows } = await sourceClient.query<(string | null)[]>({
      text: sql.sourceRowsByKey(),
      values: keys.map((values) => values.slice(from, from + KEYS_PER_FETCH)),
      rowMode: 'array',
    } as QueryArrayConfig);
    yield rows.map((row) => row.map((value) => copyField(value, false)).join('\t') + '\n').join('');
  }
}

/**
 * Into the staging table, the table as it was before the sync that took the snapshot: a full snapshot's
 * rows; or, for a snapshot of only the rows a sync changed, the table now with those rows put back as
 * they were and the rows that sync added left out. Returns the number of rows staged.
 */
async function loadSnapshot(client: Client, sql: SyncSql, syncId: string, table: string): Promise<number> {
  await ensureSnapshotTables(client);
  const { rows } = await client.query<{ sync_id: string; partial: boolean }>(
    `SELECT sync_id, partial FROM ${SYNCS_TABLE}
      WHERE table_name = $1 AND ($2 = $3 OR sync_id = $2)
      ORDER BY taken_at DESC LIMIT 1`,
    [table, syncId, PREVIOUS_SNAPSHOT],
  );
  const snapshot = rows[0];
  if (!snapshot) {
    throw new ConfigurationError(
      DB.SNAPSHOT_MISSING,
      `No snapshot ${syncId === PREVIOUS_SNAPSHOT ? 'at all' : `"${syncId}"`} of table "${table}" in the target; nothing was changed.`,
      {
        remedy: `List them with SELECT sync_id, taken_at FROM slipway_prompt_syncs WHERE table_name = '${table}'.`,
      },
    );
  }
  const entries = `${SNAPSHOTS_TABLE} s, jsonb_populate_record(NULL::${sql.table}, s.row) r WHERE s.sync_id = $1`;
  const match = (alias: string) => sql.keys.map((k) => `${alias}.${k} = t.${k}`).join(' AND ');
  const insert = await client.query(
    `INSERT INTO ${STAGING_TABLE} (${sql.list})
     SELECT ${[...sql.keys, ...sql.compared].map((c) => `r.${c}`).join(', ')} FROM ${entries} AND NOT s.added`,
    [snapshot.sync_id],
  );
  let staged = insert.rowCount ?? 0;
  if (snapshot.partial) {
    // The added keys in a table of their own, analyzed, so both exclusions below are hash anti-joins:
    // read through jsonb_populate_record per row of the table, they made a 1M-row restore take minutes.
    await client.query(
      `CREATE TEMP TABLE ${ADDED_KEYS_TABLE} ON COMMIT DROP AS
         SELECT ${sql.keys.map((k) => `r.${k}`).join(', ')} FROM ${entries} AND s.added`,
      [snapshot.sync_id],
    );
    await client.query(`ANALYZE ${STAGING_TABLE}; ANALYZE ${ADDED_KEYS_TABLE}`);
    // The rest of the table as it is now, but for the rows that sync added.
    const untouched = await client.query(
      `INSERT INTO ${STAGING_TABLE} (${sql.list}) SELECT ${sql.list} FROM ${sql.table} t
        WHERE NOT EXISTS (SELECT 1 FROM ${STAGING_TABLE} st WHERE ${match('st')})
          AND NOT EXISTS (SELECT 1 FROM ${ADDED_KEYS_TABLE} a WHERE ${match('a')})`,
    );
    staged += untouched.rowCount ?? 0;
  }
  return staged;
}

/**
 * One row per sync; its snapshot is one row per target row it changed or removed, as it was, and one
 * per key it added (`added`), so no table outgrows a single value. A sync into an empty table keeps a
 * full snapshot with no rows (`partial` false), as snapshots before partial ones were.
 */
async function ensureSnapshotTables(client: Client): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${SYNCS_TABLE} (
       sync_id text PRIMARY KEY, table_name text NOT NULL, taken_at timestamptz NOT NULL, row_count int NOT NULL,
       partial boolean NOT NULL DEFAULT false);
     CREATE TABLE IF NOT EXISTS ${SNAPSHOTS_TABLE} (
       sync_id text NOT NULL REFERENCES ${SYNCS_TABLE} ON DELETE CASCADE, row jsonb NOT NULL,
       added boolean NOT NULL DEFAULT false);
     CREATE INDEX IF NOT EXISTS slipway_prompt_snapshots_sync_id ON ${SNAPSHOTS_TABLE} (sync_id)`,
  );
  // Tables made before partial snapshots lack these columns.
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
      WHERE table_schema = current_schema() AND (table_name, column_name) IN (('slipway_prompt_syncs', 'partial'), ('slipway_prompt_snapshots', 'added'))`,
  );
  if (rows[0]!.n < 2) {
    await client.query(
      `ALTER TABLE ${SYNCS_TABLE} ADD COLUMN IF NOT EXISTS partial boolean NOT NULL DEFAULT false;
       ALTER TABLE ${SNAPSHOTS_TABLE} ADD COLUMN IF NOT EXISTS added boolean NOT NULL DEFAULT false`,
    );
  }
}

/** The rows the sync changes or removes as they are now, and the keys it adds, in its transaction. */
async function takeSnapshot(
  client: Client,
  syncId: string,
  options: SyncOptions,
  sql: SyncSql,
  emptyTarget: boolean,
) {
  await ensureSnapshotTables(client);
  await client.query(
    `INSERT INTO ${SYNCS_TABLE} (sync_id, table_name, taken_at, row_count, partial)
     SELECT $1, $2, clock_timestamp(), CASE WHEN $3 THEN count(*) ELSE 0 END, $3 FROM ${DIFF_TABLE}`,
    [syncId, options.table, !emptyTarget],
  );
  if (!emptyTarget) {
    await client.query(
      `INSERT INTO ${SNAPSHOTS_TABLE} (sync_id, row, added)
       SELECT $1, to_jsonb(t), false FROM (${sql.diffRows('changed')} UNION ALL ${sql.diffRows('removed')}) t
       UNION ALL
       SELECT $1, to_jsonb(k), true FROM (${sql.diffKeys('added')}) k`,
      [syncId],
    );
  }
  await client.query(
    `DELETE FROM ${SYNCS_TABLE} WHERE table_name = $1 AND sync_id NOT IN (
       SELECT sync_id FROM ${SYNCS_TABLE} WHERE table_name = $1 ORDER BY taken_at DESC LIMIT $2)`,
    [options.table, options.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS],
  );
}

/**
 * Overwrite may remove rows only where no other table's foreign key would stop it or follow it: NO ACTION
 * and RESTRICT would fail the transaction, CASCADE, SET NULL and SET DEFAULT would change the other
 * table, which only "delete-referenced" allows. Refused with the constraint named, nothing changed.
 */
async function refuseReferencedRemovals(client: Client, sql: SyncSql, options: SyncOptions, where: string) {
  const { rows: constraints } = await client.query<{
    name: string;
    child: string;
    action: string;
    columns: string[];
    referenced: string[];
  }>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confdeltype AS action,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS referenced
       FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = $1::regclass ORDER BY c.conname`,
    [sql.table],
  );
  const actions: Record<string, string> = {
    a: 'NO ACTION',
    r: 'RESTRICT',
    c: 'CASCADE',
    n: 'SET NULL',
    d: 'SET DEFAULT',
  };
  for (const constraint of constraints) {
    const blocking = constraint.action === 'a' || constraint.action === 'r';
    if (!blocking && options.deleteReferenced) continue;
    const list = (names: string[], alias: string) =>
      names.map((name) => `${alias}.${escapeIdentifier(name)}`).join(', ');
    const { rows } = await client.query<{ rows: number }>(
      `SELECT count(*)::int AS rows FROM ${constraint.child} c
        WHERE (${list(constraint.columns, 'c')}) IN (SELECT ${list(constraint.referenced, 't')} FROM (${sql.diffRows('removed')}) t)`,
    );
    const referencing = rows[0]!.rows;
    if (!referencing) continue;
    const action = actions[constraint.action] ?? constraint.action;
    throw new ConfigurationError(
      DB.SYNC_REFERENCED_ROWS,
      `Overwrite would remove rows of "${options.table}" in ${where} that ${referencing} row(s) of ${constraint.child} ` +
        `reference through foreign key "${constraint.name}" (ON DELETE ${action}); nothing was changed.`,
      {
        remedy: blocking
          ? `PostgreSQL refuses to remove rows that ${constraint.child} still references: remove or re-point those rows first, or sync with mode: upsert, which never removes rows.`
          : `Removing them would ${constraint.action === 'c' ? 'delete' : 'change'} those rows of ${constraint.child} (ON DELETE ${action}): if that is intended, set "delete-referenced: true"; else sync with mode: upsert.`,
      },
    );
  }
}

/**
 * Every serial and identity column of the table is advanced past its largest value, so the app's next
 * insert cannot collide with a row the sync copied; a sequence already beyond it is left alone.
 */
async function advanceSequences(client: Client, sql: SyncSql, columns: TableColumns) {
  for (const [name, column] of columns) {
    if (column.surrogate !== 'identity' && column.surrogate !== 'serial') continue;
    await client.query(
      `SELECT setval(seq, top) FROM (
         SELECT pg_get_serial_sequence($1, $2)::regclass AS seq, (SELECT max(${escapeIdentifier(name)}) FROM ${sql.table}) AS top) x
        WHERE seq IS NOT NULL AND top IS NOT NULL AND top >= coalesce(pg_sequence_last_value(seq), top)`,
      [sql.table, name],
    );
  }
}

async function summaryOf(client: Client, query: string): Promise<Summary> {
  const { rows } = await client.query<Summary>(query);
  return rows[0]!;
}

/** Before commit: the target's synced rows hash like the source's, and overwrite left no others. */
async function verify(client: Client, sql: SyncSql, source: Summary, wholeTable: boolean, where: string) {
  const target = await summaryOf(client, sql.targetSummary(wholeTable));
  if (target.checksum === source.checksum && target.rows === source.rows) return;
  throw new SlipwayError(
    DB.SYNC_VERIFY_FAILED,
    `After applying, ${where} has ${target.rows} synced row(s) with checksum ${target.checksum}, where the ` +
      `source has ${source.rows} with checksum ${source.checksum}; rolled back, nothing was changed.`,
    {
      remedy:
        'A trigger or rule on the table may rewrite rows; check it, or sync the columns it does not touch.',
    },
  );
}

function describePlan(table: string, where: string, mode: SyncMode, counts: SyncCounts): string {
  return (
    `Plan for "${table}" into ${where} (${mode}): ${counts.added} added, ${counts.changed} changed, ` +
    `${counts.removed} removed, ${counts.unchanged} unchanged.`
  );
}
