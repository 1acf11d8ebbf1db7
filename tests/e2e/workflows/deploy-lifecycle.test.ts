/**
 * The deploy and rollback workflows as an app repository runs them (docs/examples' callers), through
 * the local runner, one commit after another: every step asserts on what the workflows left behind —
 * ECS task definitions, image digests, database rows, job results — not on their logs.
 */
import { pushEvent, workflowDispatchEvent } from '@slipway/runner';
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
  expect(results(run)).toMatchObject({
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

/** The digest staging runs for each container, and what production runs. */
async function digests(environment: Environment): Promise<Record<string, string>> {
  const api = (await world.running(environment, 'deals-api')).image;
  const worker = (await world.running(environment, 'deals-worker')).image;
  return { api: api.split('@')[1] ?? api, worker: worker.split('@')[1] ?? worker };
}

/** Promotion: production runs exactly the digests staging validated; nothing is built; roles trust production's jobs. */
async function expectPromoted(
  run: RunResult,
  services: ('api' | 'worker')[],
  buildsBefore: number,
  rolesFrom: number,
) {
  expect(errorsOf(run)).toEqual([]);
  const staging = await digests('staging');
  const production = await digests('production');
  for (const container of services) expect(production[container]).toBe(staging[container]);
  expect(world.builds()).toHaveLength(buildsBefore);
  const subjects = world.roles.slice(rolesFrom).map((r) => r.subject);
  expect(new Set(subjects)).toEqual(new Set([`repo:${REPOSITORY}:environment:production`]));
  expect(world.approvals.filter((a) => a.environment === 'production-approval').length).toBeGreaterThan(0);
}

describe('2. merges into main promote what staging validated', () => {
  test('fast-forward: both services, the migrations and the prompts copied from staging', async () => {
    const before = world.repo.head('main');
    world.repo.git('checkout', '-q', 'main');
    world.repo.git('merge', '-q', '--ff-only', 'staging');
    const builds = world.builds().length;
    const rolesFrom = world.roles.length;
    const run = await push('main', [before, world.repo.head('main')]);
    expect(results(run)).toMatchObject({
      'deploy/select': 'success',
      'deploy/approval': 'success',
      'deploy/image': 'skipped',
      'deploy/migrate': 'success',
      'deploy/deploy (deals-api)': 'success',
      'deploy/deploy (deals-worker)': 'success',
      'deploy/prompts': 'success',
    });
    await expectPromoted(run, ['api', 'worker'], builds, rolesFrom);
    expect(
      await world.query(
        'production',
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'deals'",
      ),
    ).toEqual([{ n: 3 }]);
    expect(await prompts('production')).toEqual(await prompts('staging'));
    expect(world.healthChecks.production).toBeGreaterThan(0);
  }, 180_000);

  test('merge commit: only the api changed; production takes staging’s api digest, the worker stays', async () => {
    const staged = world.repo.commit(
      'staging',
      {
        'api/server.py': '# The deals API.\nVERSION = "3"\n',
        'prompts/greet.yaml': 'content: |\n  Hi {{name}}, three new deals today.\nmodel: gpt-x\n',
      },
      'API v3 and a friendlier greeting',
    );
    const builds = world.builds().length;
    const stagingRun = await push('staging', staged);
    expect(errorsOf(stagingRun)).toEqual([]);
    expect(world.builds()).toHaveLength(builds + 1);
    const workerBefore = (await digests('production')).worker;
    const before = world.repo.head('main');
    world.repo.git('checkout', '-q', 'main');
    world.repo.git('merge', '-q', '--no-ff', 'staging', '-m', 'Merge branch staging');
    const rolesFrom = world.roles.length;
    const run = await push('main', [before, world.repo.head('main')]);
    expect(results(run)).toMatchObject({
      'deploy/deploy (deals-api)': 'success',
      'deploy/prompts': 'success',
    });
    expect(Object.keys(results(run))).not.toContain('deploy/deploy (deals-worker)');
    await expectPromoted(run, ['api'], builds + 1, rolesFrom);
    expect((await digests('production')).worker).toBe(workerBefore);
    expect((await prompts('production')).find((p) => p.name === 'greet')?.content).toBe(
      'Hi {{name}}, three new deals today.\n',
    );
  }, 180_000);

  test('3 and squash: a worker-only push leaves the api alone and validates the worker on ECS terms; its squash merge promotes it', async () => {
    const staged = world.repo.commit(
      'staging',
      { 'worker/main.py': '# The deals worker.\nBATCH = 50\n' },
      'Bigger batches',
    );
    const apiBefore = await world.running('staging', 'deals-api');
    const checks = world.healthChecks.staging;
    const stagingRun = await push('staging', staged);
    expect(results(stagingRun)).toMatchObject({
      'deploy/select': 'success',
      'deploy/approval': 'skipped',
      'deploy/image (deals-worker)': 'success',
      'deploy/migrate': 'success',
      'deploy/deploy (deals-worker)': 'success',
      'deploy/prompts': 'success',
    });
    expect(await world.running('staging', 'deals-api')).toEqual(apiBefore);
    // The worker has no health URL: validated on ECS's terms, the api's endpoint is not asked.
    expect(world.healthChecks.staging).toBe(checks);
    const builds = world.builds().length;
    const before = world.repo.head('main');
    world.repo.git('checkout', '-q', 'main');
    world.repo.git('merge', '-q', '--squash', 'staging');
    world.repo.git('commit', '-q', '-m', 'Bigger batches (squashed)');
    const rolesFrom = world.roles.length;
    const run = await push('main', [before, world.repo.head('main')]);
    expect(Object.keys(results(run))).not.toContain('deploy/deploy (deals-api)');
    expect(results(run)['deploy/deploy (deals-worker)']).toBe('success');
    await expectPromoted(run, ['api', 'worker'], builds, rolesFrom);
  }, 180_000);
});

test('6. a crashing image: the deploy job fails with the diagnosis, ECS is back on the last good image, the prompts are not synced', async () => {
  const staged = world.repo.commit(
    'staging',
    {
      'api/server.py': '# The deals API.\nVERSION = "4"\nraise SystemExit(1)\n',
      'prompts/greet.yaml': 'content: |\n  Never shown.\nmodel: gpt-x\n',
    },
    'API v4 (crashes on start)',
  );
  const good = await world.running('staging', 'deals-api');
  const promptsBefore = await prompts('staging');
  // This commit's image exits on start: the sandbox runs it as a crash once it exists.
  world.onEnvironment = async (job) => {
    if (!job.startsWith('deploy/deploy')) return;
    const digest = await world.digestOf('deals/api', sha7(staged[1]));
    if (digest) world.sandbox.setScenario(`${REGISTRY}/deals/api@${digest}`, 'crash');
  };
  try {
    const run = await push('staging', staged);
    expect(results(run)).toMatchObject({
      'deploy/image (deals-api)': 'success',
      'deploy/deploy (deals-api)': 'failure',
      'deploy/prompts': 'skipped',
    });
    expect(run.conclusion).toBe('failure');
    const errors = errorsOf(run).join('\n');
    expect(errors).toMatch(/deploy\/deploy: .*deals-api/);
    expect(errors).toMatch(/exit(ed)? code 1|exited with code 1|Essential container/i);
    expect(await world.running('staging', 'deals-api')).toMatchObject({ image: good.image });
    expect(await prompts('staging')).toEqual(promptsBefore);
  } finally {
    world.onEnvironment = undefined;
  }
}, 180_000);

describe('7. rollback dispatches (docs/examples/rollback.yml)', () => {
  const dispatch = (inputs: Record<string, string>) =>
    world.run(
      'rollback',
      workflowDispatchEvent({
        repository: REPOSITORY,
        ref: 'refs/heads/main',
        sha: world.repo.head('main'),
        inputs,
      }),
    );

  test('to previous, then to a chosen revision, each validated', async () => {
    const current = await world.running('staging', 'deals-api');
    const family = current.taskDefinition.replace(/:\d+$/, '');
    const run = await dispatch({ environment: 'staging', services: '["deals-api"]', revision: 'previous' });
    expect(errorsOf(run)).toEqual([]);
    expect(results(run)).toMatchObject({ 'rollback/rollback (deals-api)': 'success' });
    const previous = await world.running('staging', 'deals-api');
    expect(previous.taskDefinition).not.toBe(current.taskDefinition);
    expect(previous.image).not.toBe(current.image);
    expect(run.jobs['rollback/rollback']!.runs[0]!.summary).toContain(
      `Recent revisions of ${family.split('/')[1]}`,
    );
    expect(world.roles.at(-1)!.subject).toBe(`repo:${REPOSITORY}:environment:staging`);

    const revision = current.taskDefinition.split(':').at(-1)!;
    const chosen = await dispatch({ environment: 'staging', services: '["deals-api"]', revision });
    expect(errorsOf(chosen)).toEqual([]);
    expect(results(chosen)).toMatchObject({ 'rollback/rollback (deals-api)': 'success' });
    expect(await world.running('staging', 'deals-api')).toEqual(current);
  }, 120_000);
});

describe('4. changes with no image', () => {
  test('a migrations-only push migrates and redeploys nothing', async () => {
    const before = {
      api: await world.running('staging', 'deals-api'),
      worker: await world.running('staging', 'deals-worker'),
    };
    const builds = world.builds().length;
    const run = await push(
      'staging',
      world.repo.commit(
        'staging',
        { 'migrations/004_deal_notes.sql': 'ALTER TABLE deals ADD COLUMN notes text;\n' },
        'Deal notes',
      ),
    );
    expect(errorsOf(run)).toEqual([]);
    expect(results(run)).toMatchObject({
      'deploy/image': 'skipped',
      'deploy/migrate': 'success',
      'deploy/deploy': 'skipped',
      'deploy/prompts': 'skipped',
    });
    expect(
      await world.query(
        'staging',
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'deals' AND column_name = 'notes'",
      ),
    ).toEqual([{ column_name: 'notes' }]);
    expect({
      api: await world.running('staging', 'deals-api'),
      worker: await world.running('staging', 'deals-worker'),
    }).toEqual(before);
    expect(world.builds()).toHaveLength(builds);
  }, 120_000);

  test('a prompts-only push syncs the prompts and redeploys nothing', async () => {
    const before = {
      api: await world.running('staging', 'deals-api'),
      worker: await world.running('staging', 'deals-worker'),
    };
    const run = await push(
      'staging',
      world.repo.commit(
        'staging',
        { 'prompts/greet.yaml': 'content: |\n  Hello again, {{name}}.\nmodel: gpt-x\n' },
        'Warmer greeting',
      ),
    );
    expect(errorsOf(run)).toEqual([]);
    expect(results(run)).toMatchObject({
      'deploy/image': 'skipped',
      'deploy/migrate': 'skipped',
      'deploy/deploy': 'skipped',
      'deploy/prompts': 'success',
    });
    expect((await prompts('staging')).find((p) => p.name === 'greet')?.content).toBe(
      'Hello again, {{name}}.\n',
    );
    expect({
      api: await world.running('staging', 'deals-api'),
      worker: await world.running('staging', 'deals-worker'),
    }).toEqual(before);
  }, 120_000);
});

test('5. a force push whose before is gone: every service is deployed, not a git error', async () => {
  world.repo.git('checkout', '-q', 'staging');
  const gone = world.repo.head('staging');
  world.repo.git('reset', '-q', '--hard', 'HEAD~1');
  const [, after] = world.repo.commit(
    'staging',
    { 'api/server.py': '# The deals API.\nVERSION = "5"\n' },
    'API v5, replacing the rewritten history',
  );
  // The old tip is on no branch now: a checkout (all branches, full history) cannot reach it.
  world.repo.git('reflog', 'expire', '--expire=now', '--all');
  world.repo.git('gc', '-q', '--prune=now');
  const run = await world.run(
    'deploy',
    pushEvent({ repository: REPOSITORY, ref: 'refs/heads/staging', before: gone, after, forced: true }),
  );
  expect(errorsOf(run)).toEqual([]);
  expect(results(run)).toMatchObject({
    'deploy/select': 'success',
    'deploy/deploy (deals-api)': 'success',
    'deploy/deploy (deals-worker)': 'success',
  });
  const tag = sha7(after);
  for (const container of ['api', 'worker']) {
    expect((await digests('staging'))[container]).toBe(await world.digestOf(`deals/${container}`, tag));
  }
}, 120_000);
