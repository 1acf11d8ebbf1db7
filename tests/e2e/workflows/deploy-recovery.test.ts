/**
 * The deploy and rollback workflows when things go wrong or are unusual, through the local runner with
 * docs/examples' callers: changes with no image, a crashing image, rollback dispatches, a force push, two
 * pushes whose jobs interleave.
 * Every step asserts on what the workflows left behind, not on their logs.
 */
import { pushEvent, workflowDispatchEvent } from '@slipway/runner';
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

test('a first push to staging deploys both services', async () => {
  const run = await push(
    'staging',
    world.repo.commit(
      'staging',
      {
        'api/server.py': '# The deals API.\nVERSION = "2"\n',
        'worker/main.py': '# The deals worker.\nBATCH = 20\n',
        'prompts/summary.md': '---\nmodel: gpt-x\n---\nSummarise the deal in one line.\n',
      },
      'API v2, worker batches of 20',
    ),
  );
  expect(errorsOf(run)).toEqual([]);
  expect(results(run)).toMatchObject({
    'deploy/migrate': 'success',
    'deploy/deploy (deals-api)': 'success',
    'deploy/deploy (deals-worker)': 'success',
    'deploy/prompts': 'success',
  });
}, 180_000);

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

test('two pushes whose jobs interleave: the older run, slower to build, cannot put its commit back over the newer one', async () => {
  const older = world.repo.commit(
    'staging',
    { 'worker/main.py': '# The deals worker.\nBATCH = 30\n' },
    'Batches of 30',
  );
  const newer = world.repo.commit(
    'staging',
    { 'worker/main.py': '# The deals worker.\nBATCH = 40\n' },
    'Batches of 40',
  );
  // The older run's image job is held at its environment until the newer run has finished.
  let reached!: () => void;
  let release!: () => void;
  const atImage = new Promise<void>((resolve) => (reached = resolve));
  const held = new Promise<void>((resolve) => (release = resolve));
  world.onEnvironment = async (job) => {
    if (!job.startsWith('deploy/image')) return;
    world.onEnvironment = undefined;
    reached();
    await held;
  };
  try {
    const olderRun = push('staging', older);
    await atImage;
    const newerRun = await push('staging', newer);
    expect(results(newerRun)).toMatchObject({ 'deploy/deploy (deals-worker)': 'success' });
    const newerDigest = await world.digestOf('deals/worker', sha7(newer[1]));
    expect((await digests('staging')).worker).toBe(newerDigest);

    release();
    const run = await olderRun;
    expect(results(run)).toMatchObject({
      'deploy/image (deals-worker)': 'success',
      'deploy/deploy (deals-worker)': 'failure',
    });
    expect(errorsOf(run).join('\n')).toMatch(
      new RegExp(
        `SLW-ECS-028[^]*${older[1].slice(0, 7)}[^]*${newer[1].slice(0, 7)}|SLW-ECS-028[^]*${newer[1].slice(0, 7)}[^]*${older[1].slice(0, 7)}`,
      ),
    );
    expect((await digests('staging')).worker).toBe(newerDigest);
  } finally {
    release();
    world.onEnvironment = undefined;
  }
}, 240_000);
