/**
 * sync-prompts as the runner runs it — the bundle, a process of its own on Node 24 — between two real
 * PostgreSQL servers, beside the copies people do by hand, in the same run: the raw
 * `COPY … TO STDOUT | COPY … FROM STDIN` pipe and `pg_dump --data-only -t prompts | psql`, each into an
 * emptied table. Then a no-op re-sync, drifts of d% (rows written and snapshot size beside d), a
 * restore checked exact, and each sync's peak RSS. The servers come from the system's binaries so
 * pg_dump and psql share their major version.
 *
 *   npm run bench:sync-prompts -- [--rows 100000] [--bytes 2000] [--runs 3] [--drifts 1,10]
 *   SLIPWAY_DIST_DIR=/tmp/mine npm run bench:sync-prompts   # a private build
 */
import { execFile, execSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { distDir, runnerNode } from '../tests/helpers/action';
import { startSystemPostgres } from './system-postgres';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    bytes: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    drifts: { type: 'string', default: '1,10' },
  },
  allowPositionals: true,
});
const rows = Number(values.rows);
const bytes = Number(values.bytes);
const runs = Number(values.runs);
const drifts = values.drifts.split(',').map(Number);
const TABLE = `prompts (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, content text, model text,
  params jsonb, updated_at timestamptz NOT NULL DEFAULT '2026-01-01')`;

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

interface SyncRun {
  ms: number;
  /** Peak resident set of the step's process, MiB (GNU time's %M). */
  rssMiB: number;
  outputs: Record<string, string>;
}

/** Runs dist/sync-prompts as the runner does (INPUT_* variables, GITHUB_OUTPUT), under GNU time. */
async function syncPrompts(inputs: Record<string, string>): Promise<SyncRun> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-sync-'));
  const output = join(dir, 'output');
  await writeFile(output, '');
  await writeFile(join(dir, 'summary'), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    RUNNER_TEMP: dir,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  try {
    const started = performance.now();
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/time',
        ['-f', 'maxrss=%M', runnerNode, join(distDir(), 'sync-prompts', 'index.js')],
        { env, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`sync-prompts failed: ${stdout}\n${stderr}`)) : resolve(stderr),
      ),
    );
    const ms = performance.now() - started;
    const outputs: Record<string, string> = {};
    const lines = (await readFile(output, 'utf8')).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
      if (match) outputs[match[1]!] = lines[++i]!;
    }
    return { ms, rssMiB: Number(/maxrss=(\d+)/.exec(stderr)![1]) / 1024, outputs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The table's rows, ids aside, as one md5: what "exact" is checked against. */
const fingerprint = async (url: string) =>
  (
    await sql<{ md5: string }>(
      url,
      `SELECT md5(string_agg(t::text, E'\\n' ORDER BY name)) AS md5
         FROM (SELECT name, content, model, params, updated_at FROM prompts) t`,
    )
  )[0]!.md5;

async function main() {
  const [source, target] = await Promise.all([startSystemPostgres(), startSystemPostgres()]);
  try {
    await sql(source.url, `CREATE TABLE ${TABLE}`);
    await sql(
      source.url,
      `INSERT INTO prompts (name, content, model, params)
       SELECT 'prompt-' || i, left(repeat(md5(i::text), ${Math.ceil(bytes / 32)}), ${bytes}),
              'model-' || (i % 7), jsonb_build_object('temperature', (i % 10) / 10.0)
         FROM generate_series(1, ${rows}) i`,
    );
    await sql(source.url, 'VACUUM ANALYZE prompts');
    await sql(target.url, `CREATE TABLE ${TABLE}`);
    const inputs = {
      'source-url': source.url,
      'target-url': target.url,
      mode: 'overwrite',
      force: 'true',
    };
    const empty = () =>
      sql(
        target.url,
        'TRUNCATE prompts; DROP TABLE IF EXISTS slipway_prompt_snapshots, slipway_prompt_syncs',
      );
    const copy = '(name, content, model, params, updated_at)';
    const baselines = {
      pipe: () =>
        execSync(
          `psql -q '${source.url}' -c 'COPY prompts ${copy} TO STDOUT' | psql -q -v ON_ERROR_STOP=1 '${target.url}' -c 'COPY prompts ${copy} FROM STDIN'`,
        ),
      dump: () =>
        execSync(
          `pg_dump --data-only -t prompts '${source.url}' | psql -q -v ON_ERROR_STOP=1 '${target.url}'`,
        ),
    };

    // Full copies into an emptied table, in turns: pipe, pg_dump, sync (rotated each run).
    const full = { pipe: [] as number[], dump: [] as number[], sync: [] as number[], rss: [] as number[] };
    for (let run = 0; run < runs; run++) {
      const order = (['pipe', 'dump', 'sync'] as const).map((_, i, all) => all[(i + run) % 3]!);
      for (const who of order) {
        await empty();
        if (who === 'sync') {
          const result = await syncPrompts(inputs);
          full.sync.push(result.ms);
          full.rss.push(result.rssMiB);
        } else {
          full[who].push(await timed(async () => baselines[who]()));
        }
      }
    }
    const dump = median(full.dump);

    // The target now equals the source: a re-sync has nothing to do.
    const snapshots = async () => {
      const [found] = await sql<{ exists: boolean }>(
        target.url,
        "SELECT to_regclass('slipway_prompt_snapshots') IS NOT NULL AS exists",
      );
      if (!found?.exists) return 0;
      return (
        await sql<{ n: number }>(target.url, 'SELECT count(*)::int AS n FROM slipway_prompt_snapshots')
      )[0]!.n;
    };
    const noop: SyncRun[] = [];
    const snapshotsBefore = await snapshots();
    for (let run = 0; run < runs; run++) noop.push(await syncPrompts(inputs));
    const noopWrites = (await snapshots()) - snapshotsBefore;

    // d% of the rows edited in the target (a third), missing (a third) or extra (a third).
    const driftRows: string[] = [];
    const driftRss: number[] = [];
    let exact = true;
    for (const percent of drifts) {
      const every = Math.round(100 / percent);
      const before = await fingerprint(target.url);
      await sql(
        target.url,
        `UPDATE prompts SET content = content || ' (edited)' WHERE id % ${every * 3} = 0;
         DELETE FROM prompts WHERE id % ${every * 3} = 1;
         INSERT INTO prompts (name, content) SELECT 'only-in-target-' || i, 'x' FROM generate_series(1, ${Math.round(rows / every / 3)}) i`,
      );
      const drifted = await fingerprint(target.url);
      const synced = await syncPrompts(inputs);
      const { added, changed, removed } = synced.outputs;
      const differing = Number(added) + Number(changed) + Number(removed);
      const kept = (
        await sql<{ n: number }>(
          target.url,
          `SELECT count(*)::int AS n FROM slipway_prompt_snapshots WHERE sync_id = '${synced.outputs['sync-id']}'`,
        )
      )[0]!.n;
      const restore = await syncPrompts({ ...inputs, 'source-url': '', restore: synced.outputs['sync-id']! });
      driftRss.push(synced.rssMiB, restore.rssMiB);
      const restored = (await fingerprint(target.url)) === drifted;
      exact &&= restored && (await fingerprint(target.url)) !== before;
      // Back to the source's rows for the next drift.
      await syncPrompts(inputs);
      driftRows.push(
        `| ${percent}% drift (${added} added, ${changed} changed, ${removed} removed) | ${(synced.ms / 1000).toFixed(2)} s | ${(synced.ms / dump).toFixed(2)}× | ${differing} rows written, snapshot of ${kept} | ${synced.rssMiB.toFixed(0)} MiB |`,
        `| restore of that snapshot (${restored ? 'exact' : '**not exact**'}) | ${(restore.ms / 1000).toFixed(2)} s | ${(restore.ms / dump).toFixed(2)}× | — | ${restore.rssMiB.toFixed(0)} MiB |`,
      );
    }

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const noopMs = median(noop.map((run) => run.ms));
    console.log(
      `\n${rows} rows × ${bytes} B (a Django-shaped table: id bigserial, name unique, jsonb, timestamptz) between two PostgreSQL servers; ` +
        `sync-prompts is the bundle run as a process on Node 24; medians of ${runs} runs\n`,
    );
    console.log(
      '| run | wall time | vs pg_dump \\| psql | writes | peak RSS |\n| --- | --- | --- | --- | --- |',
    );
    console.log(
      `| \`COPY … TO STDOUT \\| COPY … FROM STDIN\` (psql) into an emptied table | ${s(median(full.pipe))} | ${(median(full.pipe) / dump).toFixed(2)}× | all rows | — |`,
    );
    console.log(
      `| \`pg_dump --data-only -t prompts \\| psql\` into an emptied table (baseline) | ${s(dump)} | 1.00× | all rows | — |`,
    );
    console.log(
      `| sync-prompts overwrite into an emptied table (transaction, verification) | ${s(median(full.sync))} | ${(median(full.sync) / dump).toFixed(2)}× | all rows | ${median(full.rss).toFixed(0)} MiB |`,
    );
    console.log(
      `| sync-prompts re-sync, nothing differs | ${s(noopMs)} | ${(noopMs / dump).toFixed(2)}× | ${noopWrites} snapshot rows | ${median(noop.map((run) => run.rssMiB)).toFixed(0)} MiB |`,
    );
    for (const row of driftRows) console.log(row);
    console.log(
      `\nTargets: full sync ≤ 1.00× pg_dump ${median(full.sync) <= dump ? '✅' : '❌'}; no-op ≤ 0.30× with no snapshot ` +
        `${noopMs <= 0.3 * dump && noopWrites === 0 ? '✅' : '❌'}; restores exact ${exact ? '✅' : '❌'}; ` +
        `peak RSS ≤ 200 MiB ${Math.max(...full.rss, ...noop.map((run) => run.rssMiB), ...driftRss) <= 200 ? '✅' : '❌'}.`,
    );
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
