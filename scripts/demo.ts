/**
 * The real workflows on this machine, no AWS account and no Docker: `.github/workflows/deploy.yml` and
 * `rollback.yml`, called by docs/examples' callers from an app repository with real git history, run by
 * the local runner (@slipway/runner) in the lifecycle suite's world (tests/e2e/workflows/world.ts): the
 * sandbox for AWS, two PostgreSQL servers, an SSH bastion, a GitHub API double and a docker stand-in.
 *
 *   a push to staging → a merge into main → a crashing image, caught → a rollback dispatch.
 *
 * Those workflows call tools .ci/run installs (aws, moto_server, sshd, jq). Without them, or with
 * `npm run demo -- --actions`, the same pipeline runs action by action on embedded parts only
 * (scripts/demo-actions.ts), so a fresh clone's first `npm run demo` works after `npm ci` alone.
 */
import { createHash } from 'node:crypto';
import { PutImageCommand } from '@aws-sdk/client-ecr';
import { pushEvent, workflowDispatchEvent, type RunResult } from '@slipway/runner';
import { REGISTRY, REPOSITORY, startWorld, type World } from '../tests/e2e/workflows/world';
import { missingLine, readPrerequisites } from '../tests/helpers/prerequisites';
import { Story } from './story';

const story = new Story();
/** What the world and the workflows' run steps call, of what .ci/run installs (.ci/prerequisites). */
const TOOLS = ['git', 'jq', '/usr/sbin/sshd', 'ssh-keygen', 'moto_server', 'aws'];
const sha7 = (sha: string) => `sha-${sha.slice(0, 7)}`;

/** Each job's result, a matrix job per service: 'deploy/deploy (deals-api)' → 'success'. */
function jobResults(run: RunResult): Record<string, string> {
  const table: Record<string, string> = {};
  for (const job of Object.values(run.jobs)) {
    for (const r of job.runs) {
      const service = r.matrix.service === undefined ? '' : ` (${String(r.matrix.service)})`;
      table[`${job.id}${service}`] = r.result;
    }
    if (!job.runs.length) table[job.id] = job.result;
  }
  return table;
}

/** Tells a run: each job with its result and duration, then its summaries, each once. */
function tell(run: RunResult): Record<string, string> {
  const seen = new Set<string>();
  for (const job of Object.values(run.jobs)) {
    for (const r of job.runs) {
      const service = r.matrix.service === undefined ? '' : ` (${String(r.matrix.service)})`;
      story.log(`${job.id}${service}: ${r.result} in ${(r.durationMs / 1000).toFixed(1)} s`);
    }
    if (!job.runs.length) story.log(`${job.id}: ${job.result}`);
  }
  for (const job of Object.values(run.jobs)) {
    for (const r of job.runs) {
      if (r.summary.trim() && !seen.has(r.summary)) {
        seen.add(r.summary);
        story.summary(r.summary);
      }
    }
  }
  return jobResults(run);
}

/**
 * The images each service's first revision runs (`:initial`), built from main's first commit: the world
 * registers them but the registry never had them, and this story's rollback goes back to them.
 */
async function seedInitialImages(world: World) {
  const revision = world.repo.head('main');
  for (const container of ['api', 'worker']) {
    const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digest(`${container} config`),
        size: 1469,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: digest(`${container} layer`),
          size: 31_457_280,
        },
      ],
      annotations: { 'org.opencontainers.image.revision': revision },
    };
    await world.ecr.send(
      new PutImageCommand({
        repositoryName: `deals/${container}`,
        imageManifest: JSON.stringify(manifest),
        imageManifestMediaType: manifest.mediaType,
        imageTag: 'initial',
      }),
    );
  }
}

const succeeded = (results: Record<string, string>, jobs: string[]) =>
  jobs.every((job) => results[job] === 'success');

async function main() {
  const missing = missingLine(readPrerequisites().filter(({ command }) => TOOLS.includes(command)));
  // A fresh clone still gets the whole pipeline: the actions' own code, step by step, on the embedded parts.
  if (process.argv.includes('--actions')) return (await import('./demo-actions')).actionsDemo();
  if (missing) {
    console.log(`${missing}\nUntil then, the same pipeline runs action by action on the embedded sandbox:\n`);
    return (await import('./demo-actions')).actionsDemo();
  }
  const started = Date.now();
  const world: World = await startWorld();
  await seedInitialImages(world);
  const push = (branch: string, [before, after]: [string, string]) =>
    world.run('deploy', pushEvent({ repository: REPOSITORY, ref: `refs/heads/${branch}`, before, after }));
  const digest = async (environment: 'staging' | 'production', service: string) =>
    (await world.running(environment, service)).image.split('@')[1];
  try {
    console.log(
      `World ready in ${((Date.now() - started) / 1000).toFixed(1)} s: sandbox AWS at ${world.sandbox.url}, ` +
        `PostgreSQL staging and production, bastion ${world.bastion.host}:${world.bastion.port}, ` +
        `app repository ${REPOSITORY} (api and worker) at ${world.repo.dir}`,
    );
    console.log(
      'The story: the real deploy.yml and rollback.yml, through the local runner. A push to staging builds ' +
        'and deploys both services; a merge into main promotes what staging validated; a crashing image is ' +
        'caught; a rollback dispatch goes back a revision.',
    );

    await story.step('push to staging: both services, a migration and a prompt changed', async () => {
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
      const results = tell(await push('staging', commit));
      story.expect(
        'each image built, the migration run through the tunnel, both services deployed and validated, prompts synced',
        succeeded(results, [
          'deploy/image (deals-api)',
          'deploy/image (deals-worker)',
          'deploy/migrate',
          'deploy/deploy (deals-api)',
          'deploy/deploy (deals-worker)',
          'deploy/prompts',
        ]),
      );
      const tag = sha7(commit[1]);
      story.expect(
        `staging runs the images built for ${tag}`,
        (await digest('staging', 'deals-api')) === (await world.digestOf('deals/api', tag)) &&
          (await digest('staging', 'deals-worker')) === (await world.digestOf('deals/worker', tag)),
      );
    });

    await story.step('merge into main: production gets what staging validated', async () => {
      const before = world.repo.head('main');
      world.repo.git('checkout', '-q', 'main');
      world.repo.git('merge', '-q', '--no-ff', 'staging', '-m', 'Merge branch staging');
      const builds = world.builds().length;
      const results = tell(await push('main', [before, world.repo.head('main')]));
      story.expect(
        'approved, migrated, both services deployed and validated, prompts copied from staging',
        succeeded(results, [
          'deploy/approval',
          'deploy/migrate',
          'deploy/deploy (deals-api)',
          'deploy/deploy (deals-worker)',
          'deploy/prompts',
        ]),
      );
      story.expect(
        'production runs the very digests staging validated, and nothing was rebuilt',
        (await digest('production', 'deals-api')) === (await digest('staging', 'deals-api')) &&
          (await digest('production', 'deals-worker')) === (await digest('staging', 'deals-worker')) &&
          world.builds().length === builds,
      );
    });

    await story.step('push to staging: an api image that crashes on start', async () => {
      const staged = world.repo.commit(
        'staging',
        {
          'api/server.py': '# The deals API.\nVERSION = "3"\nraise SystemExit(1)\n',
          'prompts/greet.yaml': 'content: |\n  Never shown.\nmodel: gpt-x\n',
        },
        'API v3 (crashes on start)',
      );
      const good = await world.running('staging', 'deals-api');
      // The sandbox runs this commit's image as a crash once it exists.
      world.onEnvironment = async (job) => {
        if (!job.startsWith('deploy/deploy')) return;
        const crashing = await world.digestOf('deals/api', sha7(staged[1]));
        if (crashing) world.sandbox.setScenario(`${REGISTRY}/deals/api@${crashing}`, 'crash');
      };
      try {
        const results = tell(await push('staging', staged));
        story.expect(
          'the deploy job failed with the diagnosis, and the prompts were not synced',
          results['deploy/deploy (deals-api)'] === 'failure' && results['deploy/prompts'] === 'skipped',
        );
        story.expect(
          'ECS is back on the last good image',
          (await world.running('staging', 'deals-api')).image === good.image,
        );
      } finally {
        world.onEnvironment = undefined;
      }
    });

    await story.step(
      'rollback dispatch: production’s api back to the revision before the merge',
      async () => {
        const current = await world.running('production', 'deals-api');
        const run = await world.run(
          'rollback',
          workflowDispatchEvent({
            repository: REPOSITORY,
            ref: 'refs/heads/main',
            sha: world.repo.head('main'),
            inputs: { environment: 'production', services: '["deals-api"]', revision: 'previous' },
          }),
        );
        const results = tell(run);
        const after = await world.running('production', 'deals-api');
        const name = (arn: string) => arn.split('/').at(-1);
        story.expect(
          `rolled back and validated: ${name(current.taskDefinition)} → ${name(after.taskDefinition)}, the image it ran before`,
          results['rollback/rollback (deals-api)'] === 'success' &&
            after.image === `${REGISTRY}/deals/api:initial`,
        );
      },
    );

    if (!story.verdict()) process.exitCode = 1;
  } finally {
    await world.stop();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof Error && 'describe' in error ? (error as { describe(): string }).describe() : error,
  );
  process.exitCode = 1;
});
