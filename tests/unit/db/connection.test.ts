import { DB, DbTarget, connectionUrl, pgEnv, targetFromUrl, waitForDatabase } from '@slipway/db';
import { ConfigurationError, SlipwayError, virtualClock } from '@slipway/kit';
import { freePort } from '../../helpers/ports';

const target: DbTarget = {
  host: 'db.internal',
  port: 6543,
  user: 'app@team',
  password: 'p@ss:w/rd?#%&',
  database: 'deals db',
};

describe('connectionUrl', () => {
  test('URL-encodes the user, password and database', () => {
    expect(connectionUrl(target)).toBe(
      'postgresql://app%40team:p%40ss%3Aw%2Frd%3F%23%25%26@db.internal:6543/deals%20db',
    );
  });

  test('brackets an IPv6 host and asks for TLS when ssl is set', () => {
    expect(connectionUrl({ ...target, host: '::1', ssl: true })).toBe(
      'postgresql://app%40team:p%40ss%3Aw%2Frd%3F%23%25%26@[::1]:6543/deals%20db?sslmode=require',
    );
  });

  test('targetFromUrl reads back exactly what connectionUrl wrote', () => {
    for (const t of [target, { ...target, host: '::1', ssl: true }]) {
      expect(targetFromUrl(connectionUrl(t))).toEqual({ ssl: false, ...t });
    }
    expect(targetFromUrl('postgresql://u:p@h/d')).toEqual({
      host: 'h',
      port: 5432,
      user: 'u',
      password: 'p',
      database: 'd',
      ssl: false,
    });
  });

  test.each([
    ['not a URL', 'hunter2'],
    ['another scheme', 'mysql://u:hunter2@h:3306/d'],
    ['no database', 'postgres://u:hunter2@h:5432'],
    ['a broken escape', 'postgres://u:hunter2%zz@h:5432/d'],
  ])('targetFromUrl refuses %s without repeating the password', (_label, url) => {
    const error = catchError(() => targetFromUrl(url));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: DB.INVALID_URL });
    expect(error.message).not.toContain('hunter2');
  });
});

describe('pgEnv', () => {
  test('sets DATABASE_URL and the libpq variables, plain (not URL-encoded)', () => {
    expect(pgEnv(target)).toEqual({
      DATABASE_URL: connectionUrl(target),
      PGHOST: 'db.internal',
      PGPORT: '6543',
      PGUSER: 'app@team',
      PGPASSWORD: 'p@ss:w/rd?#%&',
      PGDATABASE: 'deals db',
    });
  });

  test('adds PGSSLMODE=require only with ssl', () => {
    expect(pgEnv({ ...target, ssl: true }).PGSSLMODE).toBe('require');
    expect(pgEnv({ ...target, ssl: false })).not.toHaveProperty('PGSSLMODE');
  });
});

describe('waitForDatabase', () => {
  test('retries a closed port with backoff until the deadline, then names host:port and the last error', async () => {
    const port = await freePort();
    const clock = virtualClock(1_000);
    const closed = { host: '127.0.0.1', port, user: 'u', password: 'hunter2', database: 'app' };
    const error = (await waitForDatabase(closed, { timeoutMs: 5_000, clock }).catch(
      (e: unknown) => e,
    )) as SlipwayError;

    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: DB.UNREACHABLE });
    expect(error.message).toContain(`127.0.0.1:${port}/app`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('hunter2');
    expect(clock.slept.length).toBeGreaterThan(3);
    // The last pause ends at the deadline, where no attempt has time left: each pause followed an attempt.
    expect(clock.now()).toBe(6_000);
    expect(error.message).toContain(`within 5000 ms (${clock.slept.length} attempts)`);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
