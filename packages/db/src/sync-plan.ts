import type { Client } from 'pg';
import { escapeIdentifier } from 'pg';
import { quoteIdentifier } from './identifiers';

export type RowKey = Record<string, unknown>;

/** The row-level diff of a sync, by key; `removed` is only ever filled in overwrite mode. */
export interface SyncPlan {
  added: RowKey[];
  changed: { key: RowKey; columns: string[] }[];
  removed: RowKey[];
  unchanged: number;
}

export interface SyncCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

export function planCounts(plan: SyncPlan): SyncCounts {
  return {
    added: plan.added.length,
    changed: plan.changed.length,
    removed: plan.removed.length,
    unchanged: plan.unchanged,
  };
}

/** Temp tables of the target session, dropped at commit or rollback: the source's rows, and their hashes. */
export const STAGING_TABLE = escapeIdentifier('slipway_sync_rows');
export const HASHES_TABLE = escapeIdentifier('slipway_sync_hashes');

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
    this.table = quoteIdentifier(tableName, 'Table');
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
      `ALTER TABLE ${HASHES_TABLE} ${this.hashNames.map((name) => `ADD COLUMN ${name} bigint NOT NULL`).join(', ')}`
    );
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
        : `(SELECT t.* FROM ${this.table} t WHERE EXISTS (SELECT 1 FROM ${HASHES_TABLE} h WHERE ${this.keysMatch('h', 't')}))`,
    );
  }

  /** Every key of a table, as the plan lists them, in one JSON array. */
  keysOf(relation: string): { text: string; values: string[] } {
    return {
      text: `SELECT coalesce(json_agg(${this.keyObject('r')}), '[]') AS keys FROM ${relation} r`,
      values: this.keyNames,
    };
  }

  private digest(sum: string): string {
    return `md5(count(*)::text || ':' || coalesce(${sum}, 0)::text)`;
  }

  async plan(client: Client, includeRemoved: boolean): Promise<SyncPlan> {
    const params = this.keyNames;
    const targetHashes = this.columnHashes('t');
    const changedColumns = this.compared.length
      ? `array_remove(ARRAY[${this.compared
          .map((_, i) => {
            const at = this.keys.length + i;
            return `CASE WHEN h.h${at} <> ${targetHashes[at]} THEN $${params.length + i + 1} END`;
          })
          .join(', ')}]::text[], NULL)`
      : `'{}'::text[]`;
    // One JSON array per list: far cheaper to ship and parse than a row per key.
    const list = async <T>(text: string, values: string[] = params): Promise<T[]> =>
      (
        await client.query<{ list: T[] }>(
          `SELECT coalesce(json_agg(item), '[]') AS list FROM (${text}) AS items(item)`,
          values,
        )
      ).rows[0]!.list;
    const added = await list<RowKey>(
      `SELECT ${this.keyObject('h')} FROM ${HASHES_TABLE} h
        WHERE NOT EXISTS (SELECT 1 FROM ${this.table} t WHERE ${this.keysMatch('h', 't')})`,
    );
    const changed = await list<{ key: RowKey; columns: string[] }>(
      `SELECT json_build_object('key', ${this.keyObject('h')}, 'columns', ${changedColumns})
         FROM ${HASHES_TABLE} h JOIN ${this.table} t ON ${this.keysMatch('h', 't')}
        WHERE ${this.storedRowHash('h')} <> ${this.rowHash('t')}`,
      [...params, ...this.comparedNames],
    );
    const { rows: counted } = await client.query<{ matched: number }>(
      `SELECT count(*)::int AS matched FROM ${HASHES_TABLE} h JOIN ${this.table} t ON ${this.keysMatch('h', 't')}`,
    );
    const removed = includeRemoved
      ? await list<RowKey>(
          `SELECT ${this.keyObject('t')} FROM ${this.table} t
            WHERE NOT EXISTS (SELECT 1 FROM ${HASHES_TABLE} h WHERE ${this.keysMatch('h', 't')})`,
        )
      : [];
    return { added, changed, removed, unchanged: counted[0]!.matched - changed.length };
  }

  /** The keys, as text, of the source rows the target lacks or differs from. */
  neededKeys(): string {
    return `SELECT ${this.keys.map((key) => `coalesce(array_agg(h.${key}::text), '{}') AS ${key}`).join(', ')}
              FROM ${HASHES_TABLE} h LEFT JOIN ${this.table} t ON ${this.keysMatch('h', 't')}
             WHERE t.${this.keys[0]} IS NULL OR ${this.storedRowHash('h')} <> ${this.rowHash('t')}`;
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

  deleteMissing(): string {
    return `DELETE FROM ${this.table} t WHERE NOT EXISTS (SELECT 1 FROM ${HASHES_TABLE} h WHERE ${this.keysMatch('h', 't')})`;
  }
}
