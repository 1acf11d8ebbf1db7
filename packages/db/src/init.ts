import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { ConfigurationError, Logger, SlipwayError } from '@slipway/kit';
import { DB } from './codes';
import { DbTarget, connect, describeTarget } from './connection';
import { quoteIdentifier } from './identifiers';
import { INIT_INPUTS } from './inputs';
import { acquireAdvisoryLock } from './lock';
import { reason } from './reason';

/** Where CREATE and DROP DATABASE run: a database other than the one they act on. */
export const MAINTENANCE_DATABASE = 'postgres';

export interface InitOptions {
  createIfMissing: boolean;
  reset: boolean;
  /** Must equal target.database for a reset to happen. */
  resetConfirmation?: string;
  environment?: string;
  allowProductionReset: boolean;
  extensions: string[];
  applicationName?: string;
  /** Only read what is there and list what would be done (InitResult.planned); change nothing. */
  dryRun?: boolean;
  /** How long to wait for another run initialising the same database (default 300 s). */
  lockTimeoutMs?: number;
  logger: Logger;
}

export interface InitStep {
  step: 'create database' | 'reset database' | 'create extension';
  name: string;
}

export interface InitResult {
  /** The database did not exist and was created. */
  created: boolean;
  /** The database existed and was dropped and created again. */
  reset: boolean;
  extensions: string[];
  /** What a dry run would have done, in order; empty after a real run. */
  planned: InitStep[];
}

/** The advisory-lock key that serialises runs initialising one database (taken on the maintenance database). */
export function initLockKey(database: string): bigint {
  return createHash('sha256').update(`slipway-init:${database}`).digest().readBigInt64BE(0);
}

/**
 * The DB-init sequence: create the database if missing, reset it when that is confirmed and allowed,
 * then make sure the extensions exist in it. Every refusal happens before anything is touched.
 */
export async function initDatabase(target: DbTarget, options: InitOptions): Promise<InitResult> {
  const database = quoteIdentifier(target.database, 'Database');
  const extensions = options.extensions.map((name) => ({ name, quoted: quoteIdentifier(name, 'Extension') }));
  if (options.reset) refuseUnsafeReset(target.database, options);
  const applicationName = options.applicationName ?? 'slipway-init';
  const { logger } = options;
  const where = describeTarget(target);
  if (options.dryRun)
    return { ...(await plan(target, options, applicationName)), created: false, reset: false };

  const admin = await connect(target, { database: MAINTENANCE_DATABASE, applicationName });
  let created: boolean;
  let reset: boolean;
  try {
    // Two runs initialising one database at once would race CREATE DATABASE (which also fails while
    // template1 is being copied) and CREATE EXTENSION: one at a time, per database name.
    await acquireAdvisoryLock(admin, initLockKey(target.database), {
      timeoutMs: options.lockTimeoutMs ?? 300_000,
      what: `the init lock of database "${target.database}"`,
      where: describeTarget(target, MAINTENANCE_DATABASE),
      logger,
    });
    const exists = await databaseExists(admin, target.database);
    reset = exists && options.reset;
    if (reset) await dropDatabase(admin, target, database, logger);
    const create = reset || (!exists && (options.createIfMissing || options.reset));
    created = create && (await createDatabase(admin, database, where)) && !reset;
    if (reset) logger.info(`Reset ${where}: dropped and created again.`);
    if (created) logger.info(`Created ${where}.`);
    if (extensions.length) await createExtensions(target, extensions, applicationName, where, logger);
  } finally {
    await admin.end().catch(() => undefined);
  }
  return { created, reset, extensions: extensions.map((extension) => extension.name), planned: [] };
}

async function databaseExists(admin: Client, name: string): Promise<boolean> {
  const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length > 0;
}

/** A dry run: reads whether the database and the extensions exist, and lists what a real run would do. */
async function plan(
  target: DbTarget,
  options: InitOptions,
  applicationName: string,
): Promise<Pick<InitResult, 'extensions' | 'planned'>> {
  const admin = await connect(target, { database: MAINTENANCE_DATABASE, applicationName });
  let exists: boolean;
  try {
    exists = await databaseExists(admin, target.database);
  } finally {
    await admin.end().catch(() => undefined);
  }
  const planned: InitStep[] = [];
  const fresh = exists ? options.reset : options.createIfMissing || options.reset;
  if (fresh) planned.push({ step: exists ? 'reset database' : 'create database', name: target.database });
  let missing = options.extensions;
  if (!fresh && missing.length) {
    // A missing database fails here with DATABASE_MISSING, as the real run would.
    const client = await connect(target, { applicationName });
    try {
      const { rows } = await client.query<{ extname: string }>(
        'SELECT extname FROM pg_extension WHERE extname = ANY($1)',
        [missing],
      );
      const installed = new Set(rows.map((row) => row.extname));
      missing = missing.filter((name) => !installed.has(name));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  planned.push(...missing.map((name) => ({ step: 'create extension' as const, name })));
  for (const step of planned) options.logger.info(`Dry run: would ${step.step} ${step.name}.`);
  return { extensions: [], planned };
}

async function createExtensions(
  target: DbTarget,
  extensions: { name: string; quoted: string }[],
  applicationName: string,
  where: string,
  logger: Logger,
): Promise<void> {
  const client = await connect(target, { applicationName });
  try {
    for (const extension of extensions) {
      await step(`create extension "${extension.name}" in ${where}`, EXTENSION_RIGHTS, () =>
        client.query(`CREATE EXTENSION IF NOT EXISTS ${extension.quoted}`),
      );
      logger.info(`Extension ${extension.name} is installed in ${where}.`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Refuses a reset that is not confirmed by name, or one in production without allow-production-reset. */
export function refuseUnsafeReset(
  database: string,
  options: Pick<InitOptions, 'resetConfirmation' | 'environment' | 'allowProductionReset'>,
): void {
  if (options.resetConfirmation !== database) {
    const given = options.resetConfirmation ? `"${options.resetConfirmation}"` : 'empty';
    throw new ConfigurationError(
      DB.RESET_NOT_CONFIRMED,
      `Reset of database "${database}" is not confirmed: "${INIT_INPUTS.resetConfirmation}" must name it, and is ${given}.`,
      {
        remedy: `Set "${INIT_INPUTS.resetConfirmation}: ${database}" to drop it with all its data and create it again.`,
      },
    );
  }
  if (options.environment?.trim().toLowerCase() === 'production' && !options.allowProductionReset) {
    throw new ConfigurationError(
      DB.PRODUCTION_RESET_REFUSED,
      `Refusing to reset database "${database}" in the production environment: "environment" is production and "${INIT_INPUTS.allowProductionReset}" is not true.`,
      {
        remedy: `Set "${INIT_INPUTS.allowProductionReset}: true" too if production data really must be dropped.`,
      },
    );
  }
}

async function dropDatabase(
  admin: Client,
  target: DbTarget,
  database: string,
  logger: Logger,
): Promise<void> {
  const { rows } = await admin.query<{ pid: number; application_name: string }>(
    'SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [target.database],
  );
  if (rows.length) {
    const sessions = rows.map((row) => `pid ${row.pid} "${row.application_name}"`).join(', ');
    logger.info(`Terminating ${rows.length} other session(s) on ${describeTarget(target)}: ${sessions}.`);
  }
  // FORCE terminates those sessions, and any that connect meanwhile, as part of the drop.
  await step(`drop database ${describeTarget(target)}`, DATABASE_RIGHTS, () =>
    admin.query(`DROP DATABASE ${database} WITH (FORCE)`),
  );
}

/** False when a concurrent run created it first. */
async function createDatabase(admin: Client, database: string, where: string): Promise<boolean> {
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return false;
    throw initFailed(`create database ${where}`, DATABASE_RIGHTS, error);
  }
}

const DATABASE_RIGHTS = 'The user needs the CREATEDB privilege, and must own a database to drop it.';
const EXTENSION_RIGHTS =
  'The extension must be in pg_available_extensions, and the user allowed to create it (on RDS, rds_superuser).';

async function step<T>(what: string, remedy: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw initFailed(what, remedy, error);
  }
}

function initFailed(what: string, remedy: string, error: unknown): SlipwayError {
  return new SlipwayError(DB.INIT_FAILED, `Could not ${what}: ${reason(error)}.`, { remedy, cause: error });
}
