import type { Client } from 'pg';
import { escapeIdentifier } from 'pg';
import { parseTableName, quoteIdentifier } from './identifiers';
import { PLAN_LIST_LIMIT } from './sync-result';

export type RowKey = Record<string, unknown>;

/**
 * The row-level diff of a sync, by key; `removed` is only ever filled in overwrite mode. Each list holds
 * the first PLAN_LIST_LIMIT keys in key order, so memory stays flat however many rows differ; `counts`
 * has the totals.
 */
export interface SyncPlan {
  added: RowKey[];
  changed: { key: RowKey; columns: string[] }[];
  removed: RowKey[];
  unchanged: number;
  counts: SyncCounts;
}

export interface SyncCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

export function planCounts(plan: SyncPlan): SyncCounts {
  return plan.counts;
}

/**
 * Temp tables of the target session, dropped at commit or rollback: the source's rows, their hashes, and
 * the diff (the key and kind of every row the sync adds, changes or removes).
 */
export const STAGING_TABLE = escapeIdentifier('slipway_sync_rows');
export const HASHES_TABLE = escapeIdentifier('slipway_sync_hashes');
export const DIFF_TABLE = escapeIdentifier('slipway_sync_diff');
/** The diff as the merge of two hash streams finds it: kind, and the key as hex (see streamHashes). */
export const DIFF_KEYS_TABLE = escapeIdentifier('slipway_sync_diff_keys');

/** `extra`: a row only the target has, which upsert keeps (and verification leaves out). */
type DiffKind = 'added' | 'changed' | 'removed' | 'extra';

/** The key columns' values as text, one array per key column: how keys travel between servers. */
export type KeyArrays = string[][];

/**
 * The SQL of one sync over a table: every name validated and quoted once, here.
 *
 * Rows are compared by hashes of their columns' text form (the one representation every type has):
 * one 64-bit hash per column, seeded by the column's position so equal values in two columns differ,
 * NULL hashing to the position's own constant. A row's hash is the XOR of its columns'; a set of rows
 * is summarised by its count and the sum of its rows' hashes, which needs no ordering.
 */
export class SyncSql {
  readonly table: string;
  readonly keys: string[];
  readonly compared: string[];
  /** Keys then compared columns, quoted, comma-separated. */
  readonly list: string;
  private readonly hashNames: string[];

  constructor(
    readonly tableName: string,
    readonly keyNames: string[],
    readonly comparedNames: string[],
  ) {
    this.table = parseTableName(tableName).quoted;
    this.keys = keyNames.map((name) => quoteIdentifier(name, 'Key column'));
    this.compared = comparedNames.map((name) => quoteIdentifier(name, 'Column'));
    this.list = [...this.keys, ...this.compared].join(', ');
    this.hashNames = [...this.keys, ...this.compared].map((_, i) => `h${i}`);
  }

  private columnHashes(alias: string): string[] {
    return [...this.keys, ...this.compared].map(
      (column, i) => `coalesce(hashtextextended(${alias}.${column}::text, ${i}), ${-1 - i})`,
    );
  }

  private rowHash(alias: string): string {
    return `(${this.columnHashes(alias).join(' # ')})`;
  }

  private storedRowHash(alias: string): string {
    return `(${this.hashNames.map((name) => `${alias}.${name}`).join(' # ')})`;
  }

  /** s.k = t.k for every key. */
  private keysMatch(s: string, t: string): string {
    return this.keys.map((key) => `${s}.${key} = ${t}.${key}`).join(' AND ');
  }

  private keyObject(alias: string): string {
    return `json_build_object(${this.keys.map((key, i) => `$${i + 1}::text, ${alias}.${key}`).join(', ')})`;
  }

  createTemporaryTables(): string {
    return (
      `CREATE TEMP TABLE ${STAGING_TABLE} ON COMMIT DROP AS SELECT ${this.list} FROM ${this.table} WITH NO DATA; ` +
      `CREATE TEMP TABLE ${HASHES_TABLE} ON COMMIT DROP AS SELECT ${this.keys.join(', ')} FROM ${this.table} WITH NO DATA; ` +
      `ALTER TABLE ${HASHES_TABLE} ${this.hashNames.map((name) => `ADD COLUMN ${name} bigint NOT NULL`).join(', ')}; ` +
      `CREATE TEMP TABLE ${DIFF_TABLE} ON COMMIT DROP AS SELECT ${this.keys.join(', ')} FROM ${this.table} WITH NO DATA; ` +
      `ALTER TABLE ${DIFF_TABLE} ADD COLUMN kind text NOT NULL; ` +
      `CREATE TEMP TABLE ${DIFF_KEYS_TABLE} (kind text NOT NULL, key text NOT NULL) ON COMMIT DROP`
    );
  }

  /**
   * Run on either side: each row's key and hash, in the byte order of the key, so two streams merge in
   * one pass. The key is its columns' UTF-8 bytes in hex, comma-separated ('n' for NULL): text that
   * sorts the same under any collation's "C" order and in JavaScript, and needs no escaping.
   */
  streamHashes(): string {
    const key = this.keys
      .map((column) => `coalesce(encode(convert_to(r.${column}::text, 'UTF8'), 'hex'), 'n')`)
      .join(` || ',' || `);
    return `SELECT (${key}) COLLATE "C" AS key, ${this.rowHash('r')} AS hash FROM ${this.table} AS r ORDER BY 1`;
  }

  /** The merged diff's keys into the diff table, decoded back to the key columns' types. */
  decodeDiffKeys(types: string[]): string {
    const keys = this.keys.map((_, i) => {
      const part = `split_part(d.key, ',', ${i + 1})`;
      return `CASE WHEN ${part} = 'n' THEN NULL ELSE convert_from(decode(${part}, 'hex'), 'UTF8')::${escapeIdentifier(types[i]!)} END`;
    });
    return `INSERT INTO ${DIFF_TABLE} (${this.keys.join(', ')}, kind) SELECT ${keys.join(', ')}, d.kind FROM ${DIFF_KEYS_TABLE} d`;
  }

  /** Run on the source: the keys and column hashes of the rows with the given keys, as the hashes table holds them. */
  sourceHashesByKey(): string {
    const keysAsText = this.keys.map((key) => `r.${key}::text`).join(', ');
    const arrays = this.keys.map((_, i) => `$${i + 1}::text[]`).join(', ');
    return `SELECT ${this.keys.map((key) => `r.${key}::text`).join(', ')}, ${this.columnHashes('r').join(', ')}
              FROM ${this.table} AS r WHERE (${keysAsText}) IN (SELECT * FROM unnest(${arrays}))`;
  }

  /** The first changed keys the plan lists, as text, one array per key column. */
  firstChangedKeys(): string {
    return `SELECT ${this.keys.map((key) => `coalesce(array_agg(d.${key}::text), '{}') AS ${key}`).join(', ')}
              FROM (SELECT * FROM ${DIFF_TABLE} WHERE kind = 'changed' ORDER BY ${this.keys.join(', ')} LIMIT ${PLAN_LIST_LIMIT}) d`;
  }

  /** Run on the source: its keys and column hashes, in the hashes table's column order. */
  sourceHashes(): string {
    return `SELECT ${this.keys.join(', ')}, ${this.columnHashes('r').join(', ')} FROM ${this.table} AS r`;
  }

  copyHashesIn(): string {
    return `COPY ${HASHES_TABLE} FROM STDIN`;
  }

  /** For sources loaded whole into the staging table (files, snapshots): their hashes, computed here. */
  hashStaged(): string {
    return `INSERT INTO ${HASHES_TABLE} SELECT ${this.keys.map((key) => `r.${key}`).join(', ')}, ${this.columnHashes('r').join(', ')} FROM ${STAGING_TABLE} AS r`;
  }

  /** Count and hash sum of rows: of the hashes table, or computed from a table of rows (either side's). */
  summary(relation: string): string {
    const hash = relation === HASHES_TABLE ? this.storedRowHash('r') : this.rowHash('r');
    return `SELECT count(*)::int AS rows, ${this.digest(`sum(${hash})`)} AS checksum FROM ${relation} r`;
  }

  /** Count and hash sum of the target rows a sync made equal to the source: all of them for overwrite. */
  targetSummary(wholeTable: boolean): string {
    return this.summary(
      wholeTable
        ? this.table
        : `(SELECT t.* FROM ${this.table} t WHERE NOT EXISTS (SELECT 1 FROM ${DIFF_TABLE} d WHERE d.kind = 'extra' AND ${this.keysMatch('d', 't')}))`,
    );
  }

  /** A table's row count, and its first keys as the plan lists them, in one JSON array. */
  firstKeysOf(relation: string): { text: string; values: string[] } {
    return {
      text: `SELECT (SELECT count(*) FROM ${relation})::int AS rows, coalesce(json_agg(${this.keyObject('r')}), '[]') AS keys
               FROM (SELECT * FROM ${relation} ORDER BY ${this.keys.join(', ')} LIMIT ${PLAN_LIST_LIMIT}) r`,
      values: this.keyNames,
    };
  }

  private digest(sum: string): string {
    return `md5(count(*)::text || ':' || coalesce(${sum}, 0)::text)`;
  }

  /**
   * Works out the diff into the diff table in one join of the source's hashes with the target's rows,
   * and counts it. `sourceRows` is the hashes table's size.
   */
  async diffByJoin(client: Client, includeRemoved: boolean, sourceRows: number): Promise<SyncCounts> {
    const first = this.keys[0]!;
    const key = this.keys.map((column) => `coalesce(h.${column}, t.${column})`).join(', ');
    await client.query(
      `INSERT INTO ${DIFF_TABLE} (${this.keys.join(', ')}, kind)
       SELECT ${key}, CASE WHEN t.${first} IS NULL THEN 'added' WHEN h.${first} IS NULL THEN '${includeRemoved ? 'removed' : 'extra'}' ELSE 'changed' END
         FROM ${HASHES_TABLE} h FULL JOIN ${this.table} t ON ${this.keysMatch('h', 't')}
        WHERE t.${first} IS NULL OR h.${first} IS NULL OR ${this.storedRowHash('h')} <> ${this.rowHash('t')}`,
    );
    const { rows } = await client.query<Record<'added' | 'changed' | 'removed', number>>(
      `SELECT count(*) FILTER (WHERE kind = 'added')::int AS added, count(*) FILTER (WHERE kind = 'changed')::int AS changed,
              count(*) FILTER (WHERE kind = 'removed')::int AS removed FROM ${DIFF_TABLE}`,
    );
    return { ...rows[0]!, unchanged: sourceRows - rows[0]!.added - rows[0]!.changed };
  }

  /**
   * The plan from the diff table: the first keys of each kind, and for changed ones the columns that
   * differ (from the hashes table, which holds at least those rows' source hashes).
   */
  async readPlan(client: Client, counts: SyncCounts): Promise<SyncPlan> {
    const params = this.keyNames;
    const first1000 = (kind: DiffKind) =>
      `SELECT d.* FROM ${DIFF_TABLE} d WHERE d.kind = '${kind}' ORDER BY ${this.keys.map((k) => `d.${k}`).join(', ')} LIMIT ${PLAN_LIST_LIMIT}`;
    // One JSON array per list: far cheaper to ship and parse than a row per key.
    const list = async <T>(text: string, values: string[] = params): Promise<T[]> =>
      (
        await client.query<{ list: T[] }>(
          `SELECT coalesce(json_agg(item), '[]') AS list FROM (${text}) AS items(item)`,
          values,
        )
      ).rows[0]!.list;
    const keysOf = (kind: 'added' | 'removed') =>
      counts[kind] ? list<RowKey>(`SELECT ${this.keyObject('d')} FROM (${first1000(kind)}) d`) : [];
    const targetHashes = this.columnHashes('t');
    const changedColumns = this.compared.length
      ? `array_remove(ARRAY[${this.compared
          .map((_, i) => {
            const at = this.keys.length + i;
            return `CASE WHEN h.h${at} <> ${targetHashes[at]} THEN $${params.length + i + 1} END`;
          })
          .join(', ')}]::text[], NULL)`
      : `'{}'::text[]`;
    return {
      added: await keysOf('added'),
      changed: counts.changed
        ? await list<{ key: RowKey; columns: string[] }>(
            `SELECT json_build_object('key', ${this.keyObject('h')}, 'columns', ${changedColumns})
               FROM (${first1000('changed')}) d
               JOIN ${HASHES_TABLE} h ON ${this.keysMatch('d', 'h')} JOIN ${this.table} t ON ${this.keysMatch('d', 't')}`,
            [...params, ...this.comparedNames],
          )
        : [],
      removed: await keysOf('removed'),
      unchanged: counts.unchanged,
      counts,
    };
  }

  /** The keys, as text, of the source rows the target lacks or differs from. */
  neededKeys(): string {
    return `SELECT ${this.keys.map((key) => `coalesce(array_agg(d.${key}::text), '{}') AS ${key}`).join(', ')}
              FROM ${DIFF_TABLE} d WHERE d.kind <> 'removed'`;
  }

  /** The target's rows of one kind of the diff: `changed` or `removed` ones as they are now. */
  diffRows(kind: DiffKind, alias = 't'): string {
    return `SELECT ${alias}.* FROM ${this.table} ${alias} JOIN ${DIFF_TABLE} d ON ${this.keysMatch('d', alias)} WHERE d.kind = '${kind}'`;
  }

  /** The keys of one kind of the diff. */
  diffKeys(kind: DiffKind): string {
    return `SELECT ${this.keys.map((k) => `d.${k}`).join(', ')} FROM ${DIFF_TABLE} d WHERE d.kind = '${kind}'`;
  }

  /** Run on the source: the rows with the given keys (one text array parameter per key column), as text. */
  sourceRowsByKey(): string {
    const keysAsText = this.keys.map((key) => `r.${key}::text`).join(', ');
    const arrays = this.keys.map((_, i) => `$${i + 1}::text[]`).join(', ');
    return `SELECT ${[...this.keys, ...this.compared].map((column) => `r.${column}::text`).join(', ')}
              FROM ${this.table} AS r WHERE (${keysAsText}) IN (SELECT * FROM unnest(${arrays}))`;
  }

  sourceRows(): string {
    return `SELECT ${this.list} FROM ${this.table}`;
  }

  upsert(): string {
    const updates = this.compared.map((column) => `${column} = EXCLUDED.${column}`).join(', ');
    return (
      `INSERT INTO ${this.table} AS t (${this.list}) OVERRIDING SYSTEM VALUE SELECT ${this.list} FROM ${STAGING_TABLE} ` +
      `ON CONFLICT (${this.keys.join(', ')}) ` +
      (updates
        ? `DO UPDATE SET ${updates} WHERE ${this.rowHash('t')} <> ${this.rowHash('EXCLUDED')}`
        : 'DO NOTHING')
    );
  }

  deleteRemoved(): string {
    return `DELETE FROM ${this.table} t USING ${DIFF_TABLE} d WHERE d.kind = 'removed' AND ${this.keysMatch('d', 't')}`;
  }
}
