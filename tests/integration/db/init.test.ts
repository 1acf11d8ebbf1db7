/**
 * The DB-init sequence against a real PostgreSQL: every test works on its own database name.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  DB,
  DbTarget,
  InitOptions,
  MAINTENANCE_DATABASE,
  connectionUrl,
  initDatabase,
  initLockKey,
  targetFromUrl,
} from '@slipway/db';
import { ConfigurationError, memoryLogger } from '@slipway/kit';
import { startPostgres, type PgServer } from '../../helpers/postgres';

let server: PgServer;
let admin: DbTarget;
let target: DbTarget;

beforeAll(async () => {
  server = await startPostgres('db-init');
  admin = targetFromUrl(server.url);
});
afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  target = { ...admin, database: `init_${randomBytes(4).toString('hex')}` };
});

async function query<T extends Record<string, unknown>>(
  on: DbTarget,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: connectionUrl(on) });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const databaseExists = async (name: string) =>
  (await query(admin, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;

function options(
  extra: Partial<InitOptions> = {},
): InitOptions & { logger: ReturnType<typeof memoryLogger> } {
  return {
    createIfMissing: false,
    reset: false,
    allowProductionReset: false,
    extensions: [],
    ...extra,
    logger: memoryLogger(),
  };
}

/** A database holding one row, to see whether a reset happened. */
async function databaseWithData(): Promise<void> {
  await query(admin, `CREATE DATABASE ${target.database}`);
  await query(target, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me');");
}

const precious = async () =>
  (await query<{ v: string }>(target, 'SELECT v FROM precious')).map((row) => row.v);

test('creates the database when it is missing, and only then', async () => {
  expect(await initDatabase(target, options({ createIfMissing: true }))).toEqual({
    created: true,
    reset: false,
    extensions: [],
    planned: [],
  });
  expect(await databaseExists(target.database)).toBe(true);

  expect(await initDatabase(target, options({ createIfMissing: true }))).toMatchObject({ created: false });
});

test('a missing database is not created unless asked', async () => {
  await expect(initDatabase(target, options({ extensions: ['plpgsql'] }))).rejects.toMatchObject({
    code: DB.DATABASE_MISSING,
    message: expect.stringContaining(target.database),
  });
  expect(await databaseExists(target.database)).toBe(false);
});

test.each([
  ['no confirmation', undefined],
  ['a confirmation naming another database', 'postgres'],
])('reset with %s is refused, naming the input, and the data stays', async (_label, resetConfirmation) => {
  await databaseWithData();

  const error = await initDatabase(target, options({ reset: true, resetConfirmation })).catch(
    (e: unknown) => e,
  );

  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error).toMatchObject({
    code: DB.RESET_NOT_CONFIRMED,
    message: expect.stringContaining('"reset-confirmation"'),
  });
  expect((error as ConfigurationError).remedy).toContain(`reset-confirmation: ${target.database}`);
  expect(await precious()).toEqual(['keep me']);
});

test('reset in production is refused without allow-production-reset, and the data stays', async () => {
  await databaseWithData();

  const error = await initDatabase(
    target,
    options({ reset: true, resetConfirmation: target.database, environment: 'production' }),
  ).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(ConfigurationError);
  expect(error).toMatchObject({ code: DB.PRODUCTION_RESET_REFUSED });
  expect((error as ConfigurationError).remedy).toContain('allow-production-reset: true');
  expect(await precious()).toEqual(['keep me']);
});

test.each([
  ['in staging', { environment: 'staging' }],
  ['in production with allow-production-reset', { environment: 'production', allowProductionReset: true }],
])('a confirmed reset %s drops the data, even with a session open on it', async (_label, extra) => {
  await databaseWithData();
  const open = new Client({ connectionString: connectionUrl(target), application_name: 'web-app' });
  open.on('error', () => undefined);
  await open.connect();
  const opts = options({ reset: true, resetConfirmation: target.database, ...extra });

  try {
    expect(await initDatabase(target, opts)).toEqual({
      created: false,
      reset: true,
      extensions: [],
      planned: [],
    });
  } finally {
    await open.end().catch(() => undefined);
  }

  expect(await databaseExists(target.database)).toBe(true);
  await expect(precious()).rejects.toThrow('relation "precious" does not exist');
  expect(opts.logger.lines.join('\n')).toMatch(/Terminating 1 other session\(s\) on .*"web-app"/);
  expect(opts.logger.lines.join('\n')).not.toContain(target.password);
});

test('creates the extensions in the target database, idempotently', async () => {
  const extensions = ['plpgsql', 'pgcrypto', 'uuid-ossp'];
  const opts = options({ createIfMissing: true, extensions });

  expect(await initDatabase(target, opts)).toEqual({ created: true, reset: false, extensions, planned: [] });
  expect(await initDatabase(target, opts)).toEqual({ created: false, reset: false, extensions, planned: [] });

  const installed = await query<{ extname: string }>(
    target,
    'SELECT extname FROM pg_extension ORDER BY extname',
  );
  expect(installed.map((row) => row.extname)).toEqual(expect.arrayContaining(extensions));
  const [row] = await query<{ uuid: string }>(target, 'SELECT uuid_generate_v4()::text AS uuid');
  expect(row?.uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(await query(admin, "SELECT 1 FROM pg_extension WHERE extname = 'pgcrypto'")).toHaveLength(0);
});

test('an extension the server does not have fails naming it', async () => {
  await expect(
    initDatabase(target, options({ createIfMissing: true, extensions: ['no_such_extension'] })),
  ).rejects.toMatchObject({ code: DB.INIT_FAILED, message: expect.stringContaining('"no_such_extension"') });
});

test('names that are not identifiers are refused before anything is touched', async () => {
  const badExtension = options({ createIfMissing: true, extensions: ['pgcrypto; DROP DATABASE postgres'] });
  await expect(initDatabase(target, badExtension)).rejects.toMatchObject({ code: DB.INVALID_IDENTIFIER });
  expect(await databaseExists(target.database)).toBe(false);

  const badDatabase = { ...target, database: 'x"; DROP DATABASE postgres; --' };
  await expect(initDatabase(badDatabase, options({ createIfMissing: true }))).rejects.toMatchObject({
    code: DB.INVALID_IDENTIFIER,
  });
  expect(await databaseExists(badDatabase.database)).toBe(false);
});

test('runs that initialise one database at once are serialised: one creates it, none fails', async () => {
  const runs = await Promise.all(
    Array.from({ length: 4 }, () =>
      initDatabase(target, options({ createIfMissing: true, extensions: ['plpgsql'] })),
    ),
  );
  expect(runs.filter((run) => run.created)).toHaveLength(1);
  expect(await databaseExists(target.database)).toBe(true);
});

describe('dry run', () => {
  const extensionsOf = async () =>
    (await query<{ extname: string }>(target, 'SELECT extname FROM pg_extension')).map((row) => row.extname);

  test('on a missing database lists the create and the extensions, and creates nothing', async () => {
    const opts = options({ createIfMissing: true, extensions: ['pgcrypto'], dryRun: true });
    expect(await initDatabase(target, opts)).toEqual({
      created: false,
      reset: false,
      extensions: [],
      planned: [
        { step: 'create database', name: target.database },
        { step: 'create extension', name: 'pgcrypto' },
      ],
    });
    expect(await databaseExists(target.database)).toBe(false);
    expect(opts.logger.lines.join('\n')).toContain(`Dry run: would create database ${target.database}.`);
  });

  test('a confirmed reset is listed, and the data and its sessions stay', async () => {
    await databaseWithData();
    const open = new Client({ connectionString: connectionUrl(target), application_name: 'web-app' });
    await open.connect();
    try {
      const result = await initDatabase(
        target,
        options({ reset: true, resetConfirmation: target.database, extensions: ['pgcrypto'], dryRun: true }),
      );
      expect(result.planned).toEqual([
        { step: 'reset database', name: target.database },
        { step: 'create extension', name: 'pgcrypto' },
      ]);
      expect((await open.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await open.end();
    }
    expect(await precious()).toEqual(['keep me']);
    expect(await extensionsOf()).not.toContain('pgcrypto');
  });

  test('lists only the extensions that are missing, and installs none', async () => {
    await databaseWithData();
    await query(target, 'CREATE EXTENSION pgcrypto');
    const result = await initDatabase(
      target,
      options({ extensions: ['pgcrypto', 'uuid-ossp'], dryRun: true }),
    );
    expect(result.planned).toEqual([{ step: 'create extension', name: 'uuid-ossp' }]);
    expect(await extensionsOf()).not.toContain('uuid-ossp');
  });

  test('still refuses an unconfirmed reset', async () => {
    await databaseWithData();
    await expect(initDatabase(target, options({ reset: true, dryRun: true }))).rejects.toMatchObject({
      code: DB.RESET_NOT_CONFIRMED,
    });
  });
});

test('waiting for another run initialising the same database is bounded by the lock timeout', async () => {
  const holder = new Client({
    connectionString: connectionUrl({ ...admin, database: MAINTENANCE_DATABASE }),
    application_name: 'slipway-init octo/app run 42',
  });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [initLockKey(target.database).toString()]);
    const started = Date.now();
    const error = await initDatabase(target, {
      ...options({ createIfMissing: true }),
      lockTimeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({
      code: DB.LOCK_TIMEOUT,
      message: expect.stringMatching(
        new RegExp(
          `init lock of database "${target.database}".*held by pid \\d+ \\(application "slipway-init octo/app run 42"`,
        ),
      ),
    });
  } finally {
    await holder.end();
  }
  expect(await databaseExists(target.database)).toBe(false);
});
