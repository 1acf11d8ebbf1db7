import type { Client } from 'pg';
import { ConfigurationError } from '@slipway/kit';
import { DB } from './codes';

/** column name → type name (information_schema's udt_name: text, int4, jsonb, …). */
export type TableColumns = Map<string, string>;

/** A table's columns in the session's current schema; empty when the table does not exist. */
export async function readColumns(client: Client, table: string): Promise<TableColumns> {
  const { rows } = await client.query<{ column_name: string; udt_name: string }>(
    `SELECT column_name, udt_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return new Map(rows.map((row) => [row.column_name, row.udt_name]));
}

// Values of types in one family survive the text round trip of COPY and compare as text.
const TYPE_FAMILIES = [
  ['text', 'varchar', 'bpchar', 'name', 'citext'],
  ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'],
  ['json', 'jsonb'],
  ['timestamp', 'timestamptz'],
];

function family(type: string): string {
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
    const targetType = target.get(column);
    const sourceType = source?.get(column);
    if (source && !sourceType) {
      throw mismatch(`Column "${column}" of table "${table}" is missing in the source database.`);
    }
    if (!targetType) {
      throw mismatch(
        `Column "${column}" of table "${table}" is missing in the target database` +
          (sourceType ? ` (the source has it as ${sourceType}).` : '.'),
      );
    }
    if (sourceType && family(sourceType) !== family(targetType)) {
      throw mismatch(
        `Column "${column}" of table "${table}" is ${sourceType} in the source but ${targetType} in the target.`,
      );
    }
  }
}

function mismatch(message: string): ConfigurationError {
  return new ConfigurationError(DB.SYNC_SCHEMA_MISMATCH, `${message} Nothing was changed.`, {
    remedy: 'Migrate both databases to the same schema first, or name the columns to compare in "columns".',
  });
}
