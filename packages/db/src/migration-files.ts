import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '@slipway/kit';
import { DB } from './codes';
import { reason } from './reason';

export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
  /** False when a header line opts out: `-- slipway: no-transaction`. */
  transaction: boolean;
}

const NO_TRANSACTION = /^--\s*slipway:\s*no-transaction\s*$/i;

/**
 * Whether a file runs in a transaction: yes, unless one of the comment lines that open it says
 * `-- slipway: no-transaction` (for statements PostgreSQL refuses in one, e.g. CREATE INDEX CONCURRENTLY).
 */
export function runsInTransaction(sql: string): boolean {
  for (const line of sql.split(/\r?\n/)) {
    const text = line.trim();
    if (!text) continue;
    if (!text.startsWith('--')) return true;
    if (NO_TRANSACTION.test(text)) return false;
  }
  return true;
}

/**
 * Orders names as people number files: runs of digits compare by value, so 2_b < 10_c whether or not
 * they are zero-padded. Names equal by that rule fall back to code-point order, so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i] as string, right[i] as string];
    const order = isDigits(x) && isDigits(y) ? compareNumerals(x, y) : compareText(x, y);
    if (order) return order;
  }
  return left.length - right.length || compareText(a, b);
}

const isDigits = (text: string) => /^\d/.test(text);

function compareNumerals(x: string, y: string): number {
  const [m, n] = [x.replace(/^0+/, ''), y.replace(/^0+/, '')];
  return m.length - n.length || compareText(m, n);
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The `*.sql` files directly in dir, in natural order; no such file is a ConfigurationError. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const remedy = 'Point it at a directory of .sql migrations; relative paths start at the working directory.';
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new ConfigurationError(
      DB.NO_MIGRATIONS,
      `Migrations directory "${dir}" cannot be read: ${reason(error)}.`,
      {
        remedy,
      },
    );
  }
  const names = entries
    .filter((entry) => !entry.isDirectory() && entry.name.endsWith('.sql'))
    .map((entry) => entry.name)
    .sort(naturalCompare);
  if (!names.length) {
    throw new ConfigurationError(DB.NO_MIGRATIONS, `Migrations directory "${dir}" has no .sql files.`, {
      remedy,
    });
  }
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name));
      const sql = bytes.toString('utf8');
      return {
        name,
        sql,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        transaction: runsInTransaction(sql),
      };
    }),
  );
}
