import type { Client } from 'pg';
import { ConfigurationError } from '@slipway/kit';
import { DB } from './codes';
import { parseTableName } from './identifiers';

/**
 * A column's values come from the database, not from the app: an identity column, a serial column (a
 * default of nextval), or a generated one (computed from the others).
 */
export type Surrogate = 'identity' | 'serial' | 'generated';

export interface Column {
  /** information_schema's udt_name: text, int4, jsonb, _text (an array of text), … */
  type: string;
  surrogate?: Surrogate;
}

/** column name → its type and, for database-made values, how they are made. */
export type TableColumns = Map<string, Column>;

/** A table's columns (`table` or `schema.table`; else in the session's current schema); empty when none. */
export async function readColumns(client: Client, table: string): Promise<TableColumns> {
  const { schema, table: name } = parseTableName(table);
  const { rows } = await client.query<{ column_name: string; udt_name: string; surrogate: Surrogate | null }>(
    `SELECT column_name, udt_name,
            CASE WHEN is_identity = 'YES' THEN 'identity'
                 WHEN is_generated = 'ALWAYS' THEN 'generated'
                 WHEN column_default LIKE 'nextval(%' THEN 'serial' END AS surrogate
       FROM information_schema.columns
      WHERE table_schema = coalesce($2, current_schema()) AND table_name = $1 ORDER BY ordinal_position`,
    [name, schema ?? null],
  );
  return new Map(
    rows.map((row) => [row.column_name, { type: row.udt_name, surrogate: row.surrogate ?? undefined }]),
  );
}

// Values of types in one family survive the text round trip of COPY and compare as text.
const TYPE_FAMILIES = [
  ['text', 'varchar', 'bpchar', 'name', 'citext'],
  ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'],
  ['json', 'jsonb'],
  ['timestamp', 'timestamptz'],
];

function family(type: string): string {
  if (type.startsWith('_')) return `_${family(type.slice(1))}`;
  return TYPE_FAMILIES.find((types) => types.includes(type))?.[0] ?? type;
}

export interface SchemaCheck {
  table: string;
  target: TableColumns;
  /** The source's columns; undefined for sources without a schema of their own (files, snapshots). */
  source?: TableColumns;
  /** Every column the sync reads and writes: the keys, then the compared columns. */
  columns: string[];
}

/** Throws a ConfigurationError naming the first missing column or incompatible type, before anything runs. */
export function checkSchema({ table, target, source, columns }: SchemaCheck): void {
  if (!target.size) throw mismatch(`Table "${table}" does not exist in the target database.`);
  if (source && !source.size) throw mismatch(`Table "${table}" does not exist in the source database.`);
  for (const column of columns) {
    const targetColumn = target.get(column);
    const sourceType = source?.get(column)?.type;
    if (source && !sourceType) {
      throw mismatch(`Column "${column}" of table "${table}" is missing in the source database.`);
    }
    if (!targetColumn) {
      throw mismatch(
        `Column "${column}" of table "${table}" is missing in the target database` +
          (sourceType ? ` (the source has it as ${sourceType}).` : '.'),
      );
    }
    if (sourceType && family(sourceType) !== family(targetColumn.type)) {
      throw mismatch(
        `Column "${column}" of table "${table}" is ${sourceType} in the source but ${targetColumn.type} in the target.`,
      );
    }
    if (targetColumn.surrogate === 'generated') {
      throw mismatch(
        `Column "${column}" of table "${table}" is generated in the target: the database computes it, so it cannot be copied.`,
      );
    }
  }
}

/**
 * The columns compared and copied when none are named: all the source's but the keys and those whose
 * values the database makes (identity, serial, generated, on either side), so the natural key decides
 * identity. A restore also puts back identity and serial values, so the rows are again exactly as they
 * were; generated ones follow from the rest.
 */
export function defaultColumns(
  names: string[],
  keys: string[],
  sides: (TableColumns | undefined)[],
  restore: boolean,
): string[] {
  const madeByDatabase = (name: string) =>
    sides.some((side) => {
      const surrogate = side?.get(name)?.surrogate;
      return surrogate && (!restore || surrogate === 'generated');
    });
  return names.filter((name) => !keys.includes(name) && !madeByDatabase(name));
}

function mismatch(message: string): ConfigurationError {
  return new ConfigurationError(DB.SYNC_SCHEMA_MISMATCH, `${message} Nothing was changed.`, {
    remedy:
      'Migrate both databases to the same schema first, or check the names in "table", "key-columns" and "columns" (the columns to compare).',
  });
}
