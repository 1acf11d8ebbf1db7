import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client, QueryArrayConfig } from 'pg';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ConfigurationError, Logger, SlipwayError } from '@slipway/kit';
import { DB } from './codes';
import { DbTarget, connect, describeTarget } from './connection';
import { PromptRow, readPromptFiles } from './prompt-files';
import { reason } from './reason';
import { DEFAULT_KEEP_SNAPSHOTS, SyncNeedsForceError, SyncResult } from './sync-result';
import { HASHES_TABLE, RowKey, STAGING_TABLE, SyncCounts, SyncPlan, SyncSql, planCounts } from './sync-plan';
import { TableColumns, checkSchema, readColumns } from './sync-schema';

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
  applicationName?: string;
  logger: Logger;
}

export const SYNCS_TABLE = escapeIdentifier('slipway_prompt_syncs');
export const SNAPSHOTS_TABLE = escapeIdentifier('slipway_prompt_snapshots');
export const PREVIOUS_SNAPSHOT = 'previous';

// Text forms that differ between servers' settings would make equal values look different.
const SESSION_SETTINGS =
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; " +
  "SET extra_float_digits = 1; SET bytea_output = 'hex'";

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
    const compared =
      options.columns ??
      defaultColumns(source.kind === 'snapshot' ? targetColumns : sourceColumns, files, options.keyColumns);
    const sql = new SyncSql(options.table, options.keyColumns, compared);
    checkSchema({
      table: options.table,
      target: targetColumns,
      source: sourceColumns,
      columns: [...options.keyColumns, ...compared],
    });

    const syncId = randomUUID();
    const sameTypes = [...options.keyColumns, ...compared].every(
      (column) => !sourceColumns || sourceColumns.get(column) === targetColumns.get(column),
    );
    await client.query('BEGIN');
    // One snapshot of the source for everything read from it.
    await sourceClient?.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await lockTarget(client, options.table, where, logger);
      await client.query(sql.createTemporaryTables());
      const context = { client, sourceClient, sql, sameTypes };
      prepared =
        source.kind === 'database' && !(await hasRows(client, sql))
          ? await prepareEmptyTable({ ...context, sourceClient: sourceClient!, database: source.database })
          : await prepareByHashes({ ...context, source, files, targetColumns, mode });
      const { plan } = prepared;
      const result = async (applied: boolean): Promise<SyncResult> => ({
        syncId,
        applied,
        table: options.table,
        mode,
        where,
        counts: planCounts(plan),
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
      if ((plan.changed.length || plan.removed.length) && !options.force) {
        throw new SyncNeedsForceError(await result(false));
      }
      await takeSnapshot(client, syncId, options, sql);
      await prepared.apply();
      await verify(client, sql, await prepared.expected, prepared.wholeTable, where);
      const applied = await result(true);
      await client.query('COMMIT');
      logger.info(`Committed sync ${syncId} into ${where}; snapshot ${syncId} holds the rows before it.`);
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

/** All the source's columns but the keys: a table's, or every field any prompt file sets. */
function defaultColumns(
  columns: TableColumns | undefined,
  files: PromptRow[] | undefined,
  keys: string[],
): string[] {
  const names = columns ? [...columns.keys()] : [...new Set(files?.flatMap((row) => Object.keys(row)))];
  return names.filter((name) => !keys.includes(name));
}

/**
 * Syncs into one database wait for each other (they share the snapshot tables); the lock ends with
 * the transaction, whatever ends it.
 */
async function lockTarget(client: Client, table: string, where: string, logger: Logger): Promise<void> {
  const key = createHash('sha256').update('slipway-sync').digest().readBigInt64BE(0).toString();
  const { rows } = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_xact_lock($1::bigint) AS locked',
    [key],
  );
  if (rows[0]?.locked) return;
  logger.info(`Another sync into ${where} is running; waiting for it to finish before syncing "${table}".`);
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
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
  const { rows } = await sourceClient.query<{ keys: RowKey[] }>(sql.keysOf(sql.table));
  return {
    plan: { added: rows[0]!.keys, changed: [], removed: [], unchanged: 0 },
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
  if (sourceClient) {
    await pipeline(
      sourceClient.query(copyTo(`COPY (${sql.sourceHashes()}) TO STDOUT`)),
      client.query(copyFrom(sql.copyHashesIn())),
    );
  } else {
    await stageWhole(context);
  }
  await client.query(`ANALYZE ${HASHES_TABLE}`);
  const expected = await summaryOf(client, sql.summary(HASHES_TABLE));
  const plan = await sql.plan(client, context.mode === 'overwrite');
  return {
    plan,
    expected: Promise.resolve(expected),
    wholeTable: context.mode === 'overwrite',
    apply: async () => {
      const needed = plan.added.length + plan.changed.length;
      if (needed) {
        if (sourceClient) await copyNeededRows(context, needed, expected.rows);
        await client.query(sql.upsert());
      }
      if (plan.removed.length) await client.query(sql.deleteMissing());
    },
    close: async () => undefined,
  };
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
    const json = columns.map((column) => ['json', 'jsonb'].includes(targetColumns.get(column) ?? ''));
    const lines = files.map(
      (row) => columns.map((column, i) => copyField(row[column], json[i]!)).join('\t') + '\n',
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

/** COPY's text format: tab-separated, \\N for NULL, backslash escapes; JSON columns get JSON text. */
function copyField(value: unknown, json: boolean): string {
  if (value === null || value === undefined) return '\\N';
  const text = json || typeof value === 'object' ? JSON.stringify(value) : String(value);
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

async function loadSnapshot(client: Client, sql: SyncSql, syncId: string, table: string): Promise<number> {
  await ensureSnapshotTables(client);
  const { rows } = await client.query<{ sync_id: string; row_count: number }>(
    `SELECT sync_id, row_count FROM ${SYNCS_TABLE}
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
  await client.query(
    `INSERT INTO ${STAGING_TABLE} (${sql.list})
     SELECT ${sql.list} FROM ${SNAPSHOTS_TABLE} s, jsonb_populate_record(NULL::${sql.table}, s.row)
      WHERE s.sync_id = $1`,
    [snapshot.sync_id],
  );
  return snapshot.row_count;
}

/** One row per sync; its snapshot is one row per target row, so no table outgrows a single value. */
async function ensureSnapshotTables(client: Client): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${SYNCS_TABLE} (
       sync_id text PRIMARY KEY, table_name text NOT NULL, taken_at timestamptz NOT NULL, row_count int NOT NULL);
     CREATE TABLE IF NOT EXISTS ${SNAPSHOTS_TABLE} (
       sync_id text NOT NULL REFERENCES ${SYNCS_TABLE} ON DELETE CASCADE, row jsonb NOT NULL);
     CREATE INDEX IF NOT EXISTS slipway_prompt_snapshots_sync_id ON ${SNAPSHOTS_TABLE} (sync_id)`,
  );
}

/** The target's whole rows before the change, kept in the same transaction as the change. */
async function takeSnapshot(client: Client, syncId: string, options: SyncOptions, sql: SyncSql) {
  await ensureSnapshotTables(client);
  await client.query(
    `INSERT INTO ${SYNCS_TABLE} (sync_id, table_name, taken_at, row_count)
     SELECT $1, $2, clock_timestamp(), count(*) FROM ${sql.table}`,
    [syncId, options.table],
  );
  await client.query(
    `INSERT INTO ${SNAPSHOTS_TABLE} (sync_id, row) SELECT $1, to_jsonb(t) FROM ${sql.table} t`,
    [syncId],
  );
  await client.query(
    `DELETE FROM ${SYNCS_TABLE} WHERE table_name = $1 AND sync_id NOT IN (
       SELECT sync_id FROM ${SYNCS_TABLE} WHERE table_name = $1 ORDER BY taken_at DESC LIMIT $2)`,
    [options.table, options.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS],
  );
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
