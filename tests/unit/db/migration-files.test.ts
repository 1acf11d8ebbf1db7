import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB, migrate, naturalCompare, quoteIdentifier, readMigrations, runsInTransaction } from '@slipway/db';
import { ConfigurationError, memoryLogger } from '@slipway/kit';
import { freePort } from '../../helpers/ports';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-db-unit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('naturalCompare', () => {
  test('orders numbered names by value, padded or not', () => {
    const names = [
      '010_z.sql',
      '2_b.sql',
      '001_x.sql',
      '002_y.sql',
      '10_c.sql',
      '1_a.sql',
      'V2__b.sql',
      'V10__a.sql',
    ];
    expect([...names].sort(naturalCompare)).toEqual([
      '1_a.sql',
      '001_x.sql',
      '2_b.sql',
      '002_y.sql',
      '10_c.sql',
      '010_z.sql',
      'V2__b.sql',
      'V10__a.sql',
    ]);
  });

  test('is a total order: names equal in value still compare, and only a name equals itself', () => {
    expect(naturalCompare('01_a.sql', '1_a.sql')).toBeLessThan(0);
    expect(naturalCompare('1_a.sql', '01_a.sql')).toBeGreaterThan(0);
    expect(naturalCompare('1_a.sql', '1_a.sql')).toBe(0);
    expect(naturalCompare('1_a.sql', '1_a.sql.bak')).toBeLessThan(0);
  });

  test('compares long numbers without losing precision', () => {
    expect(naturalCompare('20240101000000000001_a.sql', '20240101000000000002_a.sql')).toBeLessThan(0);
  });
});

describe('quoteIdentifier', () => {
  test.each([
    ['app', '"app"'],
    ['uuid-ossp', '"uuid-ossp"'],
    ['Deploy_History', '"Deploy_History"'],
    ['_x1', '"_x1"'],
    ['a'.repeat(63), `"${'a'.repeat(63)}"`],
  ])('accepts %s as %s', (name, quoted) => {
    expect(quoteIdentifier(name, 'Database')).toBe(quoted);
  });

  test.each(['', '1abc', 'a;drop table x', 'a"b', 'a b', 'ünïcode', 'a'.repeat(64), 'public.t'])(
    'refuses %j with a ConfigurationError that names it',
    (name) => {
      expect(() => quoteIdentifier(name, 'Extension')).toThrow(ConfigurationError);
      expect(() => quoteIdentifier(name, 'Extension')).toThrow(`Extension "${name}" is not a valid name.`);
    },
  );
});

describe('readMigrations', () => {
  test('reads the .sql files in natural order with their sha256, skipping other files and directories', async () => {
    await writeFile(join(dir, '10_c.sql'), 'SELECT 10;');
    await writeFile(join(dir, '2_b.sql'), 'SELECT 2;');
    await writeFile(join(dir, '1_a.sql'), 'SELECT 1;');
    await writeFile(join(dir, 'README.md'), '# not a migration');
    await mkdir(join(dir, '3_dir.sql'));

    const files = await readMigrations(dir);

    expect(files.map((file) => file.name)).toEqual(['1_a.sql', '2_b.sql', '10_c.sql']);
    expect(files[1]).toEqual({
      name: '2_b.sql',
      sql: 'SELECT 2;',
      checksum: createHash('sha256').update('SELECT 2;').digest('hex'),
      transaction: true,
    });
  });
});

describe('runsInTransaction', () => {
  test.each([
    ['SELECT 1;', true],
    ['-- slipway: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);', false],
    [
      '\n-- Why: builds without blocking writes.\n--   Slipway:   NO-TRANSACTION  \r\nCREATE INDEX CONCURRENTLY i ON t (c);',
      false,
    ],
    ['SELECT 1;\n-- slipway: no-transaction', true],
    ['-- slipway: no-transaction, please\nSELECT 1;', true],
  ])('%j → %p', (sql, expected) => {
    expect(runsInTransaction(sql)).toBe(expected);
  });
});

describe('migrate refuses bad configuration before connecting', () => {
  const options = async () => ({ dryRun: false, lockTimeoutMs: 1_000, logger: memoryLogger(), dir });
  // Nothing listens here, so reaching the network would be SLW-DB-001 instead.
  const nowhere = async () => ({
    host: '127.0.0.1',
    port: await freePort(),
    user: 'u',
    password: 'p',
    database: 'd',
  });

  test('a missing directory', async () => {
    const error = migrate(await nowhere(), { ...(await options()), dir: join(dir, 'nope') });
    await expect(error).rejects.toThrow(ConfigurationError);
    await expect(error).rejects.toMatchObject({
      code: DB.NO_MIGRATIONS,
      message: expect.stringContaining('nope'),
    });
  });

  test('a directory with no .sql files', async () => {
    await writeFile(join(dir, 'notes.txt'), 'x');
    await expect(migrate(await nowhere(), await options())).rejects.toMatchObject({
      code: DB.NO_MIGRATIONS,
      message: expect.stringContaining('has no .sql files'),
    });
  });

  test('a history table name that is not an identifier', async () => {
    await writeFile(join(dir, '1_a.sql'), 'SELECT 1;');
    await expect(
      migrate(await nowhere(), { ...(await options()), historyTable: 'x; DROP TABLE users' }),
    ).rejects.toMatchObject({ code: DB.INVALID_IDENTIFIER });
  });
});
