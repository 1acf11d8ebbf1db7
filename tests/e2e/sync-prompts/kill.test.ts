/**
 * SIGKILL the action, or crash and restart the target server, at random points of a sync: the target's
 * checksum is always the old one or the source's, never anything in between.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { distDir } from '../../helpers/action';
import { PgPair, startPostgresPair } from '../../helpers/postgres';

const RUNS = 30;
const bundle = join(distDir(), 'sync-prompts', 'index.js');
let pair: PgPair;

beforeAll(async () => {
  pair = await startPostgresPair();
}, 90_000);
afterAll(() => pair?.stop());

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const checksum = async (url: string) =>
  (
    await sql<{ checksum: string }>(
      url,
      `SELECT md5(coalesce(string_agg(md5(ROW(name, content)::text), '' ORDER BY name COLLATE "C"), '')) AS checksum
         FROM prompts`,
    )
  )[0]!.checksum;

/** Runs the bundle; after faultAfterMs, kills it with SIGKILL or restarts the target server. */
function runSync(
  faultAfterMs?: number,
  fault: 'kill' | 'restart' = 'kill',
): Promise<{ exitCode: number | null; signal: string | null }> {
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      'INPUT_SOURCE-URL': pair.staging.url,
      'INPUT_TARGET-URL': pair.production.url,
      INPUT_MODE: 'overwrite',
      INPUT_FORCE: 'true',
    },
    stdio: 'ignore',
  });
  let restarted: Promise<void> = Promise.resolve();
  const timer =
    faultAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          if (fault === 'kill') child.kill('SIGKILL');
          else restarted = pair.production.restart();
        }, faultAfterMs);
  return new Promise((resolve) =>
    child.on('exit', (exitCode, signal) => {
      clearTimeout(timer);
      void restarted.then(() => resolve({ exitCode, signal }));
    }),
  );
}

test(`${RUNS} syncs killed at random points leave the target old or new, never half-synced`, async () => {
  const rows = (version: string) =>
    `SELECT 'p' || i AS name, repeat('${version} ', 200) || i AS content FROM generate_series(1, 10000) i`;
  await sql(pair.staging.url, `CREATE TABLE prompts (name text PRIMARY KEY, content text)`);
  await sql(pair.staging.url, `INSERT INTO prompts ${rows('new')}`);
  await sql(pair.production.url, `CREATE TABLE prompts (name text PRIMARY KEY, content text)`);
  await sql(pair.production.url, `CREATE TABLE prompts_old AS ${rows('old')}`);
  const reset = () =>
    sql(
      pair.production.url,
      'BEGIN; TRUNCATE prompts; INSERT INTO prompts SELECT * FROM prompts_old; COMMIT',
    );
  await reset();
  const [oldSum, newSum] = [await checksum(pair.production.url), await checksum(pair.staging.url)];

  const started = Date.now();
  expect(await runSync()).toEqual({ exitCode: 0, signal: null });
  const fullMs = Date.now() - started;
  expect(await checksum(pair.production.url)).toBe(newSum);

  const outcomes = { old: 0, new: 0, finished: 0, restarts: 0 };
  for (let run = 0; run < RUNS; run++) {
    await reset();
    const fault = run % 3 === 2 ? 'restart' : 'kill';
    const faultAfterMs = Math.round(Math.random() * fullMs * 1.5);
    const { exitCode } = await runSync(faultAfterMs, fault);
    if (exitCode === 0) outcomes.finished++;
    if (fault === 'restart') outcomes.restarts++;
    const now = await checksum(pair.production.url);
    const verdict = { run, fault, faultAfterMs, ok: now === oldSum || now === newSum };
    expect(verdict).toEqual({ ...verdict, ok: true });
    outcomes[now === oldSum ? 'old' : 'new']++;
  }
  console.log(`sync ${fullMs} ms; after ${RUNS} faults: ${JSON.stringify(outcomes)}`);
  // A suite whose faults all land before the transaction or after the end proves little.
  expect(outcomes.old).toBeGreaterThan(0);
  expect(outcomes.finished).toBeLessThan(RUNS);
}, 240_000);
