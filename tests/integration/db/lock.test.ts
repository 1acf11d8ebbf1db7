/**
 * The advisory lock against a real PostgreSQL: bounded on the clock it is given, taken at once when free.
 */
import { Client } from 'pg';
import { DB, connectionUrl, targetFromUrl } from '@slipway/db';
import { acquireAdvisoryLock } from '@slipway/db/src/lock';
import { memoryLogger, virtualClock } from '@slipway/kit';
import { startPostgres, type PgServer } from '../../helpers/postgres';

let server: PgServer;
let url: string;
const KEY = 4242n;

beforeAll(async () => {
  server = await startPostgres('db-lock');
  url = connectionUrl(targetFromUrl(server.url));
});
afterAll(async () => {
  await server?.stop();
});

async function session(applicationName: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return client;
}

test('a free lock is taken at the first try, with no wait', async () => {
  const client = await session('lock-free');
  const clock = virtualClock(0);
  try {
    await acquireAdvisoryLock(client, KEY, { timeoutMs: 60_000, where: 'db', logger: memoryLogger(), clock });
    expect(clock.slept).toEqual([]);
  } finally {
    await client.end();
  }
});

test('a held lock is waited for on the given clock, 250 ms between tries, and given up at its timeout', async () => {
  const holder = await session('stuck-holder');
  const waiter = await session('lock-waiter');
  const logger = memoryLogger();
  const clock = virtualClock(0);
  try {
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [KEY.toString()]);
    const started = Date.now();
    const error = (await acquireAdvisoryLock(waiter, KEY, {
      timeoutMs: 120_000,
      what: 'the test lock',
      where: 'db',
      logger,
      clock,
    }).catch((e: unknown) => e)) as Error;
    // Two minutes of waiting took no real two minutes: the lock reads the clock it is given.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(clock.now()).toBe(120_000);
    expect(new Set(clock.slept)).toEqual(new Set([250]));
    expect(error).toMatchObject({ code: DB.LOCK_TIMEOUT });
    expect(error.message).toMatch(/Gave up after 120000 ms waiting for the test lock on db, held by pid \d+/);
    expect(error.message).toContain('application "stuck-holder"');
    expect(logger.lines.filter((l) => l.includes('Waiting up to'))).toHaveLength(1);
  } finally {
    await Promise.all([holder.end(), waiter.end()]);
  }
});
