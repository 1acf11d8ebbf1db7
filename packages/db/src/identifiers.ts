import { ConfigurationError } from '@slipway/kit';
import { DB } from './codes';

// Postgres truncates names beyond 63 bytes, which would silently point at another object.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

/** Checks a name that came from input and returns it quoted for SQL: the only way names reach a statement. */
export function quoteIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new ConfigurationError(DB.INVALID_IDENTIFIER, `${what} "${name}" is not a valid name.`, {
      remedy: 'Use 1–63 letters, digits, "_" or "-", starting with a letter or "_".',
    });
  }
  // The pattern admits no double quote, so quoting is wrapping (and pg need not be loaded to check input).
  return `"${name}"`;
}

/** A table name from input, `table` or `schema.table`: its parts, and the whole quoted for SQL. */
export function parseTableName(name: string): { schema?: string; table: string; quoted: string } {
  const parts = name.split('.');
  if (parts.length > 2) quoteIdentifier(name, 'Table');
  const [schema, table] = parts.length === 2 ? parts : [undefined, parts[0]!];
  const quoted = [schema, table]
    .filter((part) => part !== undefined)
    .map((part) => quoteIdentifier(part!, 'Table'))
    .join('.');
  return { schema, table: table!, quoted };
}
