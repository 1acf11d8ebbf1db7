/**
 * Each seed team's flow, whole, from the reusable workflows with inputs only: the callers in docs/examples
 * committed to app repositories of their own (seed-world), run through the local runner. Every step
 * asserts on what the workflows produced — ECS state, image digests and tags, database rows, job results.
 * The fourth flow, prompts from files on staging and copied to production with force, is the general
 * caller's (docs/examples/deploy.yml): deploy-lifecycle's steps 1 and 2 prove it.
 */
import { DescribeRepositoriesCommand, ListImagesCommand } from '@aws-sdk/client-ecr';
import { pushEvent, workflowDispatchEvent } from '@slipway/runner';
import { errorsOf, results } from './helpers';
import { REPOSITORY, startSeedWorld, type App, type SeedWorld } from './seed-world';

let world: SeedWorld;

beforeAll(async () => {
  world = await startSeedWorld();
}, 180_000);
afterAll(() => world?.stop());

const push = (app: App, ref: string, [before, after]: [string, string]) =>
  app.run('deploy', pushEvent({ repository: REPOSITORY, ref, before, after }));

/** The jobs that entered production-approval, the environment with reviewers, since the mark. */
const reviewed = (from: number) =>
  world.approvals
    .slice(from)
    .filter((a) => a.environment === 'production-approval')
    .map((a) => a.job);

/** The service runs the image ECR holds under the tag, pinned by that digest. */
async function expectRunning(app: App, cluster: string, service: string, repository: string, tag: string) {
  const digest = await app.digestOf(repository, tag);
  expect(digest).toMatch(/^sha256:/);
  expect((await app.running(cluster, service)).image).toBe(`${app.registry}/${repository}@${digest}`);
  return digest!;
}

describe('ECS with /health and the init sequence (init-sequence.yml)', () => {
  const staging = (sql: string) => world.query<Record<string, unknown>>('staging', 'deals_staging', sql);

  test('a push to staging creates the database, creates the extensions, migrates with alembic, seeds it, then deploys and validates the backend', async () => {
    const app = world.apps['init-sequence'];
    const commit = app.repo.commit('staging', { 'app/main.py': 'VERSION = "2"\n' }, 'Backend v2');
    const run = await push(app, 'refs/heads/staging', commit);
    expect(errorsOf(run)).toEqual([]);
    expect(results(run)).toMatchObject({
      'deploy/select': 'success',
      'deploy/image (deals-backend)': 'success',
      'deploy/migrate': 'success',
      'deploy/deploy (deals-backend)': 'success',
    });
    expect(
      await world.query(
        'staging',
        'postgres',
        "SELECT 1 AS n FROM pg_database WHERE datname = 'deals_staging'",
      ),
    ).toEqual([{ n: 1 }]);
    expect(await staging('SELECT extname FROM pg_extension WHERE extname <> $$plpgsql$$ ORDER BY 1')).toEqual(
      [{ extname: 'cube' }, { extname: 'pg_trgm' }],
    );
    expect(await staging('SELECT version_num FROM alembic_version')).toEqual([{ version_num: '0002' }]);
    expect(await staging('SELECT email, is_superuser FROM users')).toEqual([
      { email: 'admin@deals.example.com', is_superuser: true },
    ]);
    expect(await staging('SELECT title FROM deals ORDER BY title')).toEqual([
      { title: 'Bulk discount' },
      { title: 'Spring sale' },
    ]);
    await expectRunning(
      app,
      'deals-staging',
      'deals-backend',
      'deals/backend',
      `sha-${commit[1].slice(0, 7)}`,
    );
    expect(app.healthChecks['https://staging.deals.example.com/health']).toBeGreaterThan(0);
  }, 240_000);

  test('the guarded reset: a dispatch naming another database drops nothing; naming it drops and recreates it, migrated and seeded again', async () => {
    const app = world.apps['init-sequence'];
    await staging("INSERT INTO deals (title) VALUES ('Left from testing')");
    const dispatch = (name: string) =>
      app.run(
        'deploy',
        workflowDispatchEvent({
          repository: REPOSITORY,
          ref: 'refs/heads/staging',
          sha: app.repo.head('staging'),
          inputs: { 'reset-database': name },
        }),
      );

    const refused = await dispatch('deals_production');
    expect(results(refused)).toMatchObject({ 'deploy/migrate': 'failure', 'deploy/deploy': 'skipped' });
    expect(errorsOf(refused).join('\n')).toMatch(/reset-confirmation/);
    expect(await staging('SELECT count(*)::int AS n FROM deals')).toEqual([{ n: 3 }]);

    const reset = await dispatch('deals_staging');
    expect(errorsOf(reset)).toEqual([]);
    expect(results(reset)['deploy/migrate']).toBe('success');
    expect(await staging('SELECT title FROM deals ORDER BY title')).toEqual([
      { title: 'Bulk discount' },
      { title: 'Spring sale' },
    ]);
    expect(await staging('SELECT version_num FROM alembic_version')).toEqual([{ version_num: '0002' }]);
    expect(
      await staging('SELECT count(*)::int AS n FROM pg_extension WHERE extname IN ($$cube$$, $$pg_trgm$$)'),
    ).toEqual([{ n: 2 }]);
  }, 240_000);
});

describe('three gateways in one step (gateways.yml)', () => {
  test('a change to their common code builds, deploys and validates all three in one run, each on its own health URL, after the alembic migrations', async () => {
    const app = world.apps.gateways;
    const commit = app.repo.commit(
      'staging',
      { 'gateways/common/limits.py': 'TIMEOUT_SECONDS = 60\n' },
      'A longer timeout for every gateway',
    );
    const run = await push(app, 'refs/heads/staging', commit);
    expect(errorsOf(run)).toEqual([]);
    const gateways = ['llm', 'memory', 'retrieval'];
    expect(results(run)).toEqual({
      'deploy/select': 'success',
      'deploy/approval': 'skipped',
      'deploy/sources': 'skipped',
      ...Object.fromEntries(gateways.map((g) => [`deploy/image (${g}-gateway)`, 'success'])),
      'deploy/migrate': 'success',
      ...Object.fromEntries(gateways.map((g) => [`deploy/deploy (${g}-gateway)`, 'success'])),
      'deploy/prompts': 'skipped',
    });
    const tag = `sha-${commit[1].slice(0, 7)}`;
    const digests = new Set<string>();
    for (const g of gateways) {
      digests.add(await expectRunning(app, 'agentic-staging', `${g}-gateway`, `agentic/${g}-gateway`, tag));
    }
    // Three images, one per context, not one image three times.
    expect(digests.size).toBe(3);
    for (const [url, checks] of Object.entries(app.healthChecks)) {
      expect([url, checks > 0]).toEqual([url, true]);
    }
    expect(
      await world.query('staging', 'agentic_staging', 'SELECT version_num FROM alembic_version'),
    ).toEqual([{ version_num: '0001' }]);
  }, 240_000);
});

describe('a tag policy per environment (tag-policy.yml, tag-policy-rollback.yml)', () => {
  const cluster = 'clever-better-production';
  const services = ['bot', 'ml-service', 'data-ingestion'];
  const tagsOf = async (app: App, repository: string, digest: string) =>
    (
      await app.ecr.send(
        new ListImagesCommand({ repositoryName: repository, filter: { tagStatus: 'TAGGED' } }),
      )
    )
      .imageIds!.filter((id) => id.imageDigest === digest)
      .map((id) => id.imageTag!)
      .sort();
  const release = async (app: App, version: string, files: Record<string, string>) => {
    const commit = app.repo.commit('main', files, `Release ${version}`);
    app.repo.git('tag', version);
    const approvals = world.approvals.length;
    const run = await push(app, `refs/tags/${version}`, ['0'.repeat(40), commit[1]]);
    expect(errorsOf(run)).toEqual([]);
    expect(reviewed(approvals)).toEqual(['deploy/approval']);
    for (const service of services) {
      expect([service, results(run)[`deploy/deploy (${cluster}-${service})`]]).toEqual([service, 'success']);
    }
    return commit[1];
  };

  test('a release tag builds each service into its IMMUTABLE production repository, tagged 1.2.3 and sha-<7> only, then deploys and validates it', async () => {
    const app = world.apps['tag-policy'];
    const sha = await release(app, 'v1.2.3', { 'ml-service/serve.py': 'MODEL = "v2"\n' });
    for (const service of services) {
      const repository = `${cluster}-${service}`;
      const { repositories } = await app.ecr.send(
        new DescribeRepositoriesCommand({ repositoryNames: [repository] }),
      );
      expect(repositories?.[0]?.imageTagMutability).toBe('IMMUTABLE');
      const digest = await expectRunning(app, cluster, repository, repository, '1.2.3');
      const tags = await tagsOf(app, repository, digest);
      expect(tags).toContain('1.2.3');
      expect(tags).toContain(`sha-${sha.slice(0, 7)}`);
      // Only tags that name one build: no 1.2, 1, production or branch.
      for (const tag of tags) expect([tag, /^(1\.2\.3|sha-[0-9a-f]{7,40})$/.test(tag)]).toEqual([tag, true]);
    }
    expect(Object.values(app.healthChecks)[0]).toBeGreaterThan(0);
  }, 240_000);

  test('the manual rollback takes every service back to N-1 (the release before), validated, after one approval', async () => {
    const app = world.apps['tag-policy'];
    const before = Object.fromEntries(
      await Promise.all(
        services.map(async (s) => [s, await app.running(cluster, `${cluster}-${s}`)] as const),
      ),
    );
    await release(app, 'v1.2.4', { 'bot/main.go': 'package main\n\n// The bot, faster.\nfunc main() {}\n' });
    for (const service of services) {
      const repository = `${cluster}-${service}`;
      const digest = await expectRunning(app, cluster, repository, repository, '1.2.4');
      // Each release is its own image (its revision label), so going back is a change to see.
      expect(before[service]!.image).not.toContain(digest);
    }
    const approvals = world.approvals.length;
    const run = await app.run(
      'rollback',
      workflowDispatchEvent({
        repository: REPOSITORY,
        ref: 'refs/heads/main',
        sha: app.repo.head('main'),
        inputs: { environment: 'production', services: JSON.stringify(services), revision: 'previous' },
      }),
    );
    expect(errorsOf(run)).toEqual([]);
    expect(reviewed(approvals)).toEqual(['rollback/approval']);
    for (const service of services) {
      expect([service, results(run)[`rollback/rollback (${service})`]]).toEqual([service, 'success']);
      const now = await app.running(cluster, `${cluster}-${service}`);
      expect(now.image).toBe(before[service]!.image);
      expect(now.image).toContain(`@${await app.digestOf(`${cluster}-${service}`, '1.2.3')}`);
    }
  }, 240_000);
});
