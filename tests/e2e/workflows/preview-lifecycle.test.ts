/**
 * Pull-request previews as an app repository runs them (docs/examples/preview.yml) through the local
 * runner: opened, synchronize, closed, a fork's pull request, and the scheduled sweep — asserting on the
 * preview services in ECS, the image digests and the one sticky comment the GitHub API double holds.
 */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { pullRequestEvent, scheduleEvent } from '@slipway/runner';
import type { RunResult } from '@slipway/runner';
import { REGISTRY, REPOSITORY, startWorld, type World } from './world';

let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);
afterAll(() => world?.stop());

const pr = (action: 'opened' | 'synchronize' | 'closed', number: number, head: string, fork?: string) =>
  world.run(
    'preview',
    pullRequestEvent({
      repository: REPOSITORY,
      action,
      number,
      head: { sha: head, ref: `feature-${number}`, repository: fork },
      base: { sha: world.repo.head('main'), ref: 'main' },
    }),
  );

const resultsOf = (run: RunResult) =>
  Object.fromEntries(Object.values(run.jobs).map((job) => [job.id, job.result]));
const errorsOf = (run: RunResult) =>
  Object.values(run.jobs).flatMap((job) => job.runs.flatMap((r) => r.errors.map((e) => `${job.id}: ${e}`)));

async function preview(number: number) {
  const { services } = await world.ecs.send(
    new DescribeServicesCommand({ cluster: 'deals-staging', services: [`deals-api-pr-${number}`] }),
  );
  // A deleted service drains, then goes INACTIVE.
  const service = services?.find((s) => s.status === 'ACTIVE');
  if (!service) return undefined;
  return { image: (await world.running('staging', `deals-api-pr-${number}`)).image };
}

function feature(number: number, version: string): string {
  world.repo.git('checkout', '-q', 'main');
  world.repo.git('checkout', '-q', '-B', `feature-${number}`);
  return world.repo.commit(
    `feature-${number}`,
    { 'api/server.py': `# The deals API.\nVERSION = "${version}"\n` },
    `API ${version}`,
  )[1];
}

test('opened, synchronize, closed: one preview updated in place and deleted, one sticky comment that follows it', async () => {
  const production = await world.running('production', 'deals-api');
  const first = feature(7, 'pr-7a');
  const opened = await pr('opened', 7, first);
  expect(errorsOf(opened)).toEqual([]);
  expect(resultsOf(opened)).toMatchObject({
    'preview/preview': 'success',
    'preview/cleanup': 'skipped',
    'preview/sweep': 'skipped',
  });
  const digest = await world.digestOf('deals/api', `sha-${first.slice(0, 7)}`);
  expect(await world.digestOf('deals/api', 'pr-7')).toBe(digest);
  expect(await preview(7)).toEqual({ image: `${REGISTRY}/deals/api@${digest}` });
  const [comment] = world.github.comments.get(7)!;
  expect(world.github.comments.get(7)).toHaveLength(1);
  expect(comment!.body).toContain('✅ Ready');
  expect(comment!.body).toContain(digest);
  // The plan of the production deploy this pull request would cause, made with the read-only role that
  // pull requests may assume, folded under the table; production itself untouched.
  expect(world.roles.slice(-2)).toEqual([
    expect.objectContaining({
      role: 'arn:aws:iam::123456789012:role/deals-previewer',
      subject: `repo:${REPOSITORY}:pull_request`,
    }),
    expect.objectContaining({
      role: 'arn:aws:iam::123456789012:role/deals-production-planner',
      subject: `repo:${REPOSITORY}:pull_request`,
    }),
  ]);
  const plan = comment!.body.slice(comment!.body.indexOf('<details>'));
  expect(plan).toMatch(/^<details><summary>Plan of the production deploy<\/summary>\n/);
  expect(plan).toContain(
    '**deals-api**: `taskDefinition: deals-api-production:1 → a new revision of deals-api-production`',
  );
  expect(plan).toContain('| `containerDefinitions[api].image` |');
  expect(plan).toMatch(new RegExp(`\\| api \\| ${REGISTRY}/deals/api@${digest} \\| ${digest} \\|`));
  expect(plan).toMatch(/\*\*Pre-flight\*\* \(enforce\): [1-9]\d* passed, 0 failed, 0 not checked\./);
  expect(await world.running('production', 'deals-api')).toEqual(production);

  const second = feature(7, 'pr-7b');
  const synchronized = await pr('synchronize', 7, second);
  expect(errorsOf(synchronized)).toEqual([]);
  const updated = await world.digestOf('deals/api', `sha-${second.slice(0, 7)}`);
  expect(updated).not.toBe(digest);
  expect(await preview(7)).toEqual({ image: `${REGISTRY}/deals/api@${updated}` });
  expect(world.github.comments.get(7)).toEqual([
    { id: comment!.id, body: expect.stringContaining(updated!) },
  ]);

  const closed = await pr('closed', 7, second);
  expect(errorsOf(closed)).toEqual([]);
  expect(resultsOf(closed)).toMatchObject({ 'preview/preview': 'skipped', 'preview/cleanup': 'success' });
  expect(await preview(7)).toBeUndefined();
  expect(world.github.comments.get(7)).toEqual([
    { id: comment!.id, body: expect.stringContaining('🗑️ Deleted') },
  ]);
}, 180_000);

test('a fork’s pull request reaches no job with credentials', async () => {
  const requests = world.github.requests.length;
  const roles = world.roles.length;
  const run = await pr('opened', 9, feature(9, 'from a fork'), 'stranger/deals');
  expect(Object.values(resultsOf(run)).every((r) => r === 'skipped')).toBe(true);
  expect(world.roles).toHaveLength(roles);
  expect(world.github.requests).toHaveLength(requests);
  expect(await preview(9)).toBeUndefined();
}, 60_000);

test('the scheduled sweep deletes the preview of a pull request that is no longer open', async () => {
  const opened = await pr('opened', 8, feature(8, 'pr-8'));
  expect(errorsOf(opened)).toEqual([]);
  expect(await preview(8)).toBeDefined();
  world.github.open = new Set([]);
  const run = await world.run(
    'preview',
    scheduleEvent({ repository: REPOSITORY, cron: '17 4 * * *', sha: world.repo.head('main') }),
  );
  expect(errorsOf(run)).toEqual([]);
  expect(resultsOf(run)).toMatchObject({
    'preview/preview': 'skipped',
    'preview/cleanup': 'skipped',
    'preview/sweep': 'success',
  });
  expect(await preview(8)).toBeUndefined();
  expect(world.github.requests.some((r) => r.path.startsWith(`/repos/${REPOSITORY}/pulls`))).toBe(true);
}, 120_000);
