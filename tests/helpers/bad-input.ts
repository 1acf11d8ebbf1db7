import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ActionRun, runAction } from './action';
import { PgServer, startPostgres } from './postgres';
import { RecordedRequest, Recorder, startRecorder } from './recorder';

/**
 * The bad-input corpus: each case runs an action's bundle as the runner does, with valid inputs but one
 * (or two that contradict), against an AWS endpoint that records every request, a real PostgreSQL and a
 * git workspace. A case passes when the step fails with exit 1 and an error that names the input and
 * carries a documented code, having sent no request and changed neither the database nor the workspace.
 */
export interface BadInput {
  /** What the case tries, as its test title. */
  title: string;
  inputs: Record<string, string>;
  /** The input the error must name (as action.yml spells it). */
  names: string;
  /** A second input the error must also name (contradictions). */
  alsoNames?: string;
  /** Text that must never appear in the output (a secret). */
  secret?: string;
  env?: Record<string, string>;
}

const root = join(__dirname, '..', '..');

const documented = new Set(
  [
    ...readFileSync(join(root, 'docs', 'troubleshooting.md'), 'utf8').matchAll(
      /^### (SLW-[A-Z]+-\d{3}) — /gm,
    ),
  ].map((m) => m[1]),
);

export interface World {
  /** One connection, kept open: the fingerprint is taken after every case, one case at a time. */
  sql: Client;
  workspace: string;
  /** A directory beside the workspace, for inputs that try to reach outside it. */
  outside: string;
  db: PgServer;
}

/** Files every action could be pointed at: a Dockerfile, a task definition, SQL migrations, prompts. */
function makeWorkspace(): { workspace: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'slipway-bad-input-'));
  const workspace = join(base, 'workspace');
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, '001_outside.sql'), 'CREATE TABLE outside_was_applied (id int);\n');
  writeFileSync(join(outside, 'task.json'), JSON.stringify({ family: 'outside', containerDefinitions: [] }));
  cpSync(join(root, 'tests', 'fixtures', 'app'), workspace, { recursive: true });
  cpSync(join(root, 'tests', 'fixtures', 'migrations'), join(workspace, 'db', 'migrations'), {
    recursive: true,
  });
  cpSync(
    join(root, 'tests', 'fixtures', 'fargate-task-definition.json'),
    join(workspace, 'task-definition.json'),
  );
  mkdirSync(join(workspace, 'prompts'));
  writeFileSync(join(workspace, 'prompts', 'greeting.yaml'), 'name: greeting\ncontent: hello\n');
  // Not in the database: a sync that ran would add it.
  writeFileSync(join(workspace, 'prompts', 'fresh.yaml'), 'name: fresh\ncontent: new\n');
  writeFileSync(join(workspace, 'appspec.yaml'), 'version: 0.0\nResources: []\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: workspace });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'first');
  writeFileSync(join(workspace, 'services.txt'), 'api\n');
  git('add', '.');
  git('commit', '-qm', 'second');
  return { workspace, outside };
}

/** Every file under dir (but .git's internals) with its size and content hash, plus git's own view. */
function workspaceFingerprint(dir: string): string {
  const entries: string[] = [];
  const walk = (path: string, rel: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const relative = rel ? `${rel}/${name}` : name;
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (relative === '.git/objects') continue;
        walk(full, relative);
      } else {
        entries.push(`${relative} ${createHash('sha1').update(readFileSync(full)).digest('hex')}`);
      }
    }
  };
  walk(dir, '');
  const status = execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: dir }).toString();
  return `${entries.join('\n')}\n${status}`;
}

async function query<T>(client: Client, text: string): Promise<T[]> {
  return (await client.query(text)).rows as T[];
}

/** Databases, tables, columns and every row of every user table: any change shows. */
async function databaseFingerprint(client: Client): Promise<string> {
  const databases = await query<{ datname: string }>(
    client,
    "SELECT datname FROM pg_database WHERE datname NOT IN ('template0') ORDER BY datname",
  );
  const tables = await query<{ name: string; columns: string }>(
    client,
    `SELECT format('%I.%I', table_schema, table_name) AS name, string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) AS columns
       FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
      GROUP BY table_schema, table_name ORDER BY 1`,
  );
  const digests = tables.length
    ? await query<{ name: string; digest: string }>(
        client,
        tables
          .map(
            (table) =>
              `SELECT '${table.name.replace(/'/g, "''")}' AS name, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${table.name} t`,
          )
          .join(' UNION ALL '),
      )
    : [];
  return [
    databases.map((d) => d.datname).join(','),
    ...tables.map((table, i) => `${table.name}(${table.columns}) ${digests[i]?.digest}`),
  ].join('\n');
}

interface Outcome {
  run: ActionRun;
  requests: RecordedRequest[];
  workspace: string;
  database: string;
}

/**
 * One action's corpus: starts the world, runs every case's bundle (a few at once: they mostly wait on
 * process start), then checks each case as a test of its own.
 */
export function badInputCorpus(
  action: string,
  cases: BadInput[],
  options: { ready?: (world: World) => Promise<void>; concurrency?: number } = {},
): void {
  let world: World | undefined;
  let baseline: { workspace: string; database: string };
  const outcomes = new Map<string, Outcome | Error>();
  const titles = cases.map((c) => c.title);
  if (new Set(titles).size !== titles.length) throw new Error(`${action}: two cases share a title`);

  beforeAll(async () => {
    const db = await startPostgres('bad-input');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    world = { ...makeWorkspace(), db, sql };
    await query(sql, 'CREATE TABLE IF NOT EXISTS prompts (name text PRIMARY KEY, content text)');
    await query(sql, "INSERT INTO prompts VALUES ('greeting', 'hello') ON CONFLICT DO NOTHING");
    await options.ready?.(world);
    baseline = { workspace: workspaceFingerprint(world.workspace), database: await databaseFingerprint(sql) };
    const queue = [...cases];
    const worker = async () => {
      for (let bad = queue.shift(); bad; bad = queue.shift()) {
        try {
          outcomes.set(bad.title, await runCase(action, world!, bad));
        } catch (error) {
          outcomes.set(bad.title, error as Error);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
  }, 600_000);

  afterAll(async () => {
    if (!world) return;
    await world.sql.end();
    await world.db.stop();
    rmSync(join(world.workspace, '..'), { recursive: true, force: true });
  });

  test(`${action}: the corpus has at least 40 cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases.map((c) => [c.title, c] as const))('%s', (_title, bad) => {
    const outcome = outcomes.get(bad.title);
    if (outcome instanceof Error || !outcome) throw outcome ?? new Error('the case did not run');
    const { run, requests } = outcome;
    const output = `${run.stdout}\n${run.stderr}`;
    const error = run.errors.at(-1) ?? '';
    const context = `${bad.title}\n--- stdout ---\n${run.stdout.slice(-3000)}\n--- stderr ---\n${run.stderr.slice(-2000)}`;
    expect({ context, exitCode: run.exitCode }).toEqual({ context, exitCode: 1 });
    expect({ context, namesInput: error.includes(`"${bad.names}"`) }).toEqual({ context, namesInput: true });
    if (bad.alsoNames)
      expect({ context, namesBoth: error.includes(`"${bad.alsoNames}"`) }).toEqual({
        context,
        namesBoth: true,
      });
    const code = /SLW-[A-Z]+-\d{3}/.exec(error)?.[0];
    expect({ context, code, documented: documented.has(code) }).toEqual({ context, code, documented: true });
    expect({ context, code }).not.toEqual({ context, code: 'SLW-KIT-000' });
    expect({ context, requests }).toEqual({ context, requests: [] });
    // An annotation stays short whatever the input's size.
    expect({ context, long: error.length > 1500 }).toEqual({ context, long: false });
    // What the caller typed may be echoed ("NaN" given as a number); anything else of the kind is a bug.
    const ours = Object.values(bad.inputs).reduce(
      (text, value) => (value ? text.split(value).join('') : text),
      output,
    );
    for (const junk of [/\n\s+at .+:\d+:\d+/, /\bundefined\b/, /\bNaN\b/, /\[object Object\]/]) {
      expect({ context, junk: junk.test(ours) }).toEqual({ context, junk: false });
    }
    if (bad.secret) {
      // The runner's own mask command is the one place a secret may be written.
      const shown = output
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      expect({ context, leaked: shown.includes(bad.secret) }).toEqual({ context, leaked: false });
    }
    expect(outcome.workspace).toBe(baseline.workspace);
    expect(outcome.database).toBe(baseline.database);
  });
}

let fingerprints: Promise<unknown> = Promise.resolve();
/** Cases run several at once, but a pg client takes one query at a time: their fingerprints queue. */
function fingerprintInTurn(client: Client): Promise<string> {
  const next = fingerprints.then(() => databaseFingerprint(client));
  fingerprints = next.catch(() => undefined);
  return next;
}

async function runCase(action: string, world: World, bad: BadInput): Promise<Outcome> {
  const recorder: Recorder = await startRecorder();
  try {
    // "{db}" stands for the test database's URL, known only once it runs.
    const inputs = Object.fromEntries(
      Object.entries(bad.inputs).map(([name, value]) => [name, value.split('{db}').join(world.db.url)]),
    );
    const run = await runAction(action, inputs, {
      endpoint: recorder.url,
      cwd: world.workspace,
      env: {
        GITHUB_WORKSPACE: world.workspace,
        GITHUB_API_URL: recorder.url,
        GITHUB_REPOSITORY: 'octo/app',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: headSha(world.workspace),
        ...bad.env,
      },
    });
    return {
      run,
      requests: [...recorder.requests],
      workspace: workspaceFingerprint(world.workspace),
      database: await fingerprintInTurn(world.sql),
    };
  } finally {
    await recorder.stop();
  }
}

export function headSha(workspace: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: workspace }).toString().trim();
}

/** The usual hostile variants of one single-line input, each a case of its own. */
export function hostile(name: string, valid: string, base: Record<string, string>): BadInput[] {
  const variants: [string, string][] = [
    ['a line break', `${valid}\nx`],
    ['a control character', `${valid}\u0007`],
    ['a 10 kB value', 'x'.repeat(10_000)],
    ['an option', '--output=pwned.txt'],
    ['shell metacharacters', `${valid};touch pwned`],
  ];
  return variants.map(([what, value]) => ({
    title: `${name}: ${what}`,
    inputs: { ...base, [name]: value },
    names: name,
  }));
}
