/**
 * Syncing a prompts table between two real PostgreSQL servers, against the copy people do by hand:
 * `pg_dump --data-only -t prompts <source> | psql <target>` into an emptied copy, in the same run.
 * The servers come from the system's binaries so pg_dump and the servers share a major version.
 *
 *   npm run bench:sync-prompts -- [--rows 100000] [--bytes 2000] [--runs 3]
 */
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { SyncOptions, syncPrompts, targetFromUrl } from '@slipway/db';
import { consoleLogger } from '@slipway/kit';
import { startSystemPostgres } from './system-postgres';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    bytes: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
  },
  allowPositionals: true,
});
const rows = Number(values.rows);
const bytes = Number(values.bytes);
const runs = Number(values.runs);
const TABLE = 'prompts (name text PRIMARY KEY, content text, model text, params jsonb)';

async function sql(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const medianOf = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

/** Runs the baseline and the candidate in turns, each after `before`; ratios are taken per pair. */
async function paired(
  baseline: () => Promise<unknown>,
  candidate: () => Promise<unknown>,
  before: () => Promise<unknown>,
) {
  const pairs: [number, number][] = [];
  for (let run = 0; run < runs; run++) {
    await before();
    const first = await timed(run % 2 ? candidate : baseline);
    await before();
    const second = await timed(run % 2 ? baseline : candidate);
    pairs.push(run % 2 ? [second, first] : [first, second]);
  }
  return {
    baseline: medianOf(pairs.map(([b]) => b)),
    candidate: medianOf(pairs.map(([, c]) => c)),
    ratio: medianOf(pairs.map(([b, c]) => c / b)),
  };
}

async function main() {
  const [source, target] = await Promise.all([startSystemPostgres(), startSystemPostgres()]);
  try {
    await sql(source.url, `CREATE TABLE ${TABLE}`);
    await sql(
      source.url,
      `INSERT INTO prompts SELECT 'prompt-' || i, left(repeat(md5(i::text), ${Math.ceil(bytes / 32)}), ${bytes}),
              'model-' || (i % 7), jsonb_build_object('temperature', (i % 10) / 10.0)
         FROM generate_series(1, ${rows}) i`,
    );
    await sql(target.url, `CREATE TABLE ${TABLE}`);
    const options: SyncOptions = {
      source: { kind: 'database', database: targetFromUrl(source.url) },
      table: 'prompts',
      keyColumns: ['name'],
      mode: 'overwrite',
      force: true,
      dryRun: false,
      logger: consoleLogger(() => undefined),
    };
    const empty = () => sql(target.url, 'TRUNCATE prompts');

    const full = await paired(
      async () =>
        execSync(
          `pg_dump --data-only -t prompts '${source.url}' | psql -q -v ON_ERROR_STOP=1 '${target.url}'`,
        ),
      () => syncPrompts(targetFromUrl(target.url), options),
      empty,
    );
    await syncPrompts(targetFromUrl(target.url), options);
    // About 1% edited, 0.2% missing, two extra: a typical release's drift.
    await sql(
      target.url,
      `UPDATE prompts SET content = content || ' (edited)' WHERE name LIKE '%00';
       DELETE FROM prompts WHERE name LIKE '%50' OR name LIKE '%51';
       INSERT INTO prompts VALUES ('only-in-target-1', 'x', 'm', NULL), ('only-in-target-2', 'y', 'm', NULL)`,
    );
    const dryRuns: number[] = [];
    let counts;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      counts = (await syncPrompts(targetFromUrl(target.url), { ...options, dryRun: true })).counts;
      dryRuns.push(performance.now() - started);
    }
    const dryRun = medianOf(dryRuns);
    const applyDrift = await timed(() => syncPrompts(targetFromUrl(target.url), options));

    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`${rows} rows × ${bytes} B between two PostgreSQL servers, medians of ${runs} paired runs\n`);
    console.log('| run | wall time | vs baseline |\n| --- | --- | --- |');
    console.log(
      `| pg_dump --data-only \\| psql into an emptied table (baseline) | ${seconds(full.baseline)} | 1.00× |`,
    );
    console.log(
      `| sync-prompts overwrite into an emptied table (transaction, snapshot, verification) | ${seconds(full.candidate)} | ${full.ratio.toFixed(2)}× |`,
    );
    console.log(
      `| sync-prompts dry-run diff (${counts!.added} added, ${counts!.changed} changed, ${counts!.removed} removed) | ${seconds(dryRun)} | — |`,
    );
    console.log(
      `| sync-prompts applying that drift (snapshot of all ${rows} rows first) | ${seconds(applyDrift)} | — |`,
    );
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
