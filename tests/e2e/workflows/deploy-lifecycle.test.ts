/**
 * The deploy and rollback workflows as an app repository runs them (docs/examples' callers), through
 * the local runner, one commit after another: every step asserts on what the workflows left behind —
 * ECS task definitions, image digests, database rows, job results — not on their logs.
 */
import { pushEvent } from '@slipway/runner';
import type { RunResult } from '@slipway/runner';
import { REGISTRY, REPOSITORY, startWorld, type Environment, type World } from './world';

let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);
afterAll(() => world?.stop());

const push = (branch: string, [before, after]: [string, string]) =>
  world.run('deploy', pushEvent({ repository: REPOSITORY, ref: `refs/heads/${branch}`, before, after }));

/** Each job's result, matrix jobs by service: { 'deploy/deploy (deals-api)': 'success', … }. */
function results(run: RunResult): Record<string, string> {
  const table: Record<string, string> = {};
  for (const job of Object.values(run.jobs)) {
    if (!job.id.includes('/')) continue;
    if (job.runs.length > 1 || (job.runs[0] && Object.keys(job.runs[0].matrix).length)) {
      for (const r of job.runs) table[`${job.id} (${String(r.matrix.service)})`] = r.result;
    } else table[job.id] = job.result;
  }
  return table;
}

const errorsOf = (run: RunResult) =>
  Object.values(run.jobs).flatMap((job) => job.runs.flatMap((r) => r.errors.map((e) => `${job.id}: ${e}`)));

const prompts = (environment: Environment) =>
  world.query<{ name: string; content: string }>(
    environment,
    'SELECT name, content FROM prompts ORDER BY name',
  );

const sha7 = (sha: string) => `sha-${sha.slice(0, 7)}`;

test('1. a push to staging changing both services, migrations and prompts: built once each, migrated through the tunnel, deployed, validated, prompts synced', async () => {
  const commit = world.repo.commit(
    'staging',
    {
      'api/server.py': '# The deals API.\nVERSION = "2"\n',
      'worker/main.py': '# The deals worker.\nBATCH = 20\n',
      'migrations/003_deal_price.sql': 'ALTER TABLE deals ADD COLUMN price_cents bigint;\n',
      'prompts/summary.md': '---\nmodel: gpt-x\n---\nSummarise the deal in one line.\n',
    },
    'Prices, a bigger worker batch and a summary prompt',
  );
  const run = await push('staging', commit);
  expect(errorsOf(run)).toEqual([]);
  expect(results(run)).toEqual({
    'deploy/select': 'success',
    'deploy/approval': 'skipped',
    'deploy/image (deals-api)': 'success',
    'deploy/image (deals-worker)': 'success',
    'deploy/migrate': 'success',
    'deploy/deploy (deals-api)': 'success',
    'deploy/deploy (deals-worker)': 'success',
    'deploy/prompts': 'success',
  });
  const tag = sha7(commit[1]);
  expect(
    world
      .builds()
      .map((b) => b.tags.filter((t) => t.endsWith(tag)))
      .sort(),
  ).toEqual([[`${REGISTRY}/deals/api:${tag}`], [`${REGISTRY}/deals/worker:${tag}`]].sort());
  for (const [service, container] of [
    ['deals-api', 'api'],
    ['deals-worker', 'worker'],
  ] as const) {
    const digest = await world.digestOf(`deals/${container}`, tag);
    expect(digest).toMatch(/^sha256:/);
    expect((await world.running('staging', service)).image).toBe(`${REGISTRY}/deals/${container}@${digest}`);
  }
  expect(
    await world.query(
      'staging',
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'deals' ORDER BY 1",
    ),
  ).toEqual([{ column_name: 'id' }, { column_name: 'price_cents' }, { column_name: 'title' }]);
  expect((await prompts('staging')).map((p) => p.name)).toEqual(['greet', 'summary']);
  expect(world.healthChecks.staging).toBeGreaterThan(0);
  expect(new Set(world.roles.map((r) => r.subject))).toEqual(
    new Set([`repo:${REPOSITORY}:environment:staging`]),
  );
}, 180_000);
