/**
 * The deploy workflow as an app repository runs it (docs/examples/deploy.yml), through the local runner,
 * one commit after another: a push to staging, then merges into main by fast-forward, merge commit and
 * squash. Every step asserts on what the workflows left behind — ECS task definitions, image digests,
 * database rows, job results — not on their logs. Failures, rollbacks and the odd pushes: deploy-recovery.
 */
import type { RunResult } from '@slipway/runner';
import { digestsOf, errorsOf, promptsOf, pushTo, results, sha7 } from './helpers';
import { REGISTRY, REPOSITORY, startWorld, type Environment, type World } from './world';

let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);
afterAll(() => world?.stop());

const push = (branch: string, commit: [string, string]) => pushTo(world, branch, commit);
const prompts = (environment: Environment) => promptsOf(world, environment);
const digests = (environment: Environment) => digestsOf(world, environment);

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
  // build-push-ecr's post step ran with the state its main saved: each image job's login is logged out.
  expect(world.dockerSessions().sort()).toEqual(
    [`login ${REGISTRY}`, `login ${REGISTRY}`, `logout ${REGISTRY}`, `logout ${REGISTRY}`].sort(),
  );
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
