import type { Client } from 'pg';
import { ConfigurationError, Logger, SlipwayError } from '@slipway/kit';
import { DB } from './codes';
import { DbTarget, connect, describeTarget } from './connection';
import { quoteIdentifier } from './identifiers';
import { acquireAdvisoryLock, migrationLockKey } from './lock';
import { MigrationFile, readMigrations } from './migration-files';
import { reason } from './reason';

export interface MigrateOptions {
  dir: string;
  dryRun: boolean;
  lockTimeoutMs: number;
  historyTable?: string;
  applicationName?: string;
  logger: Logger;
}

export interface MigrateResult {
  /** Applied by this run, in order. */
  applied: string[];
  /** Still to apply: what a dry run would apply; empty after a real run. */
  pending: string[];
  /** Files in dir that earlier runs applied. */
  alreadyApplied: string[];
}

/**
 * A migration file failed: rolled back, unless it opted out of the transaction. `applied` are the files
 * this run committed before it.
 */
export class MigrationError extends SlipwayError {
  readonly file: string;
  /** False for a file that ran outside a transaction: what it did before the error stays. */
  readonly rolledBack: boolean;

  constructor(
    file: MigrationFile,
    readonly applied: string[],
    where: string,
    cause: unknown,
  ) {
    super(
      DB.MIGRATION_FAILED,
      `Migration ${file.name} failed on ${where}${location(file.sql, cause)} ` +
        (file.transaction
          ? 'and was rolled back'
          : 'outside a transaction (its header opts out), so what it did before the error stays') +
        `: ${reason(cause)}. ` +
        (applied.length ? `${applied.join(', ')} stayed applied; ` : '') +
        'later files did not run.',
      {
        remedy: file.transaction
          ? `Fix ${file.name} (it was not recorded, so the next run applies it again).`
          : `Fix ${file.name} so that it can run again over what it left (it was not recorded): e.g. IF NOT EXISTS, ` +
            'and drop the INVALID index a failed CREATE INDEX CONCURRENTLY leaves.',
        cause,
      },
    );
    this.file = file.name;
    this.rolledBack = file.transaction;
  }
}

/**
 * Applies the pending `*.sql` files of dir in natural order, each in its own transaction, under a
 * session advisory lock so that concurrent runs serialise; a history table records what ran.
 */
export async function migrate(target: DbTarget, options: MigrateOptions): Promise<MigrateResult> {
  const historyTable = options.historyTable ?? 'slipway_migrations';
  const history = quoteIdentifier(historyTable, 'History table');
  const files = await readMigrations(options.dir);
  const where = describeTarget(target);
  const { logger } = options;

  const client = await connect(target, { applicationName: options.applicationName ?? 'slipway-migrate' });
  try {
    if (!options.dryRun) {
      await acquireAdvisoryLock(client, migrationLockKey(historyTable), {
        timeoutMs: options.lockTimeoutMs,
        where,
        logger,
      });
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${history} (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(),
           duration_ms integer NOT NULL
         )`,
      );
    }
    const { alreadyApplied, pending } = plan(
      files,
      await readHistory(client, history),
      options.dir,
      where,
      logger,
    );
    if (options.dryRun) {
      logger.info('Dry run: nothing was changed.');
      return { applied: [], pending: pending.map((file) => file.name), alreadyApplied };
    }
    const applied: string[] = [];
    for (const file of pending) {
      await applyFile(client, history, file).catch((error: unknown) => {
        throw new MigrationError(file, applied, where, error);
      });
      applied.push(file.name);
      logger.info(`Applied ${file.name}.`);
    }
    return { applied, pending: [], alreadyApplied };
  } finally {
    // Ending the session also releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}

/** Splits the files into applied and pending, refusing any applied file that has since been edited. */
function plan(
  files: MigrationFile[],
  recorded: Map<string, string>,
  dir: string,
  where: string,
  logger: Logger,
) {
  const edited = files.filter((file) => recorded.has(file.name) && recorded.get(file.name) !== file.checksum);
  if (edited.length) {
    throw new ConfigurationError(
      DB.CHECKSUM_MISMATCH,
      `${edited.map((file) => file.name).join(', ')} changed after being applied to ${where}; nothing was run.`,
      { remedy: 'Restore the applied file as it was, and put the change in a new migration file.' },
    );
  }
  const present = new Set(files.map((file) => file.name));
  const vanished = [...recorded.keys()].filter((name) => !present.has(name));
  if (vanished.length) logger.warning(`Applied to ${where} but not in ${dir}: ${vanished.join(', ')}.`);

  const alreadyApplied = files.filter((file) => recorded.has(file.name)).map((file) => file.name);
  const pending = files.filter((file) => !recorded.has(file.name));
  logger.info(
    `${where}: ${alreadyApplied.length} migration(s) already applied, ${pending.length} pending` +
      (pending.length ? `: ${pending.map((file) => file.name).join(', ')}.` : '.'),
  );
  return { alreadyApplied, pending };
}

/** name → checksum; a dry run on a database that has no history table yet reads an empty one. */
async function readHistory(client: Client, history: string): Promise<Map<string, string>> {
  const { rows: exists } = await client.query<{ present: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [history],
  );
  if (!exists[0]?.present) return new Map();
  const { rows } = await client.query<{ name: string; checksum: string }>(
    `SELECT name, checksum FROM ${history}`,
  );
  return new Map(rows.map((row) => [row.name, row.checksum]));
}

/**
 * One file and its history row, in one transaction: either both are committed or neither. A file that
 * opts out runs as sent (still under the session's advisory lock), then its row is recorded.
 */
async function applyFile(client: Client, history: string, file: MigrationFile): Promise<void> {
  const started = performance.now();
  const record = () =>
    client.query(`INSERT INTO ${history} (name, checksum, duration_ms) VALUES ($1, $2, $3)`, [
      file.name,
      file.checksum,
      Math.round(performance.now() - started),
    ]);
  if (!file.transaction) {
    await client.query(file.sql);
    await record();
    return;
  }
  try {
    await client.query('BEGIN');
    await client.query(file.sql);
    await record();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Postgres reports where a statement failed as a 1-based character offset into the text it was sent. */
function location(sql: string, error: unknown): string {
  const position = Number((error as { position?: string }).position);
  if (!Number.isInteger(position) || position < 1) return '';
  const lines = [...sql]
    .slice(0, position - 1)
    .join('')
    .split('\n');
  return ` at line ${lines.length}, column ${(lines.at(-1) ?? '').length + 1}`;
}
