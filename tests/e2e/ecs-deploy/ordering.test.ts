import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import {
  REGISTRY,
  createStableService,
  describeService,
  ecsClient,
  imagesOf,
  pushImages,
} from '../../helpers/ecs';

// Two pushes landed close together and the older run reached ECS last: the deploy must see that the
// service already runs a newer commit, using the git history of the checkout it runs in.
let sandbox: Sandbox;
let ecs: ECSClient;
let repo: string;
const commits: string[] = [];
const CLUSTER = 'order';

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'slipway-order-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@a',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@a',
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  for (const n of [1, 2, 3]) {
    await writeFile(join(repo, 'app.txt'), `v${n}`);
    git('add', 'app.txt');
    git('commit', '-q', '-m', `v${n}`);
    commits.push(git('rev-parse', 'HEAD'));
  }
  sandbox = await startSandbox({ speed: 100, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
}, 30_000);
afterAll(() => sandbox?.stop());

const image = (n: number) => `${REGISTRY}/web:sha-${commits[n - 1]!.slice(0, 7)}`;
const deploy = async (inputs: Record<string, string>, workspace = repo) => {
  await pushImages(sandbox.url, imagesOf(inputs.images));
  return runAction(
    'ecs-deploy',
    // The order is decided before anything changes: no rollout needs following.
    { cluster: CLUSTER, services: 'web', timeout: '60', wait: 'false', ...inputs },
    { endpoint: sandbox.url, cwd: workspace, env: { GITHUB_WORKSPACE: workspace } },
  );
};
const revisions = async () => (await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns ?? [];

test('older is refused and changes nothing; newer deploys; equal is UNCHANGED; allow-older goes back', async () => {
  await createStableService(ecs, 'web', { cluster: CLUSTER, image: image(2) });
  const before = await revisions();
  const running = (await describeService(ecs, CLUSTER, 'web'))!;

  const stale = await deploy({ images: `app=${image(1)}` });
  expect(stale.exitCode).toBe(1);
  expect(stale.errors).toHaveLength(1);
  expect(stale.errors[0]).toContain('title=SLW-ECS-028');
  expect(stale.errors[0]).toContain(`runs commit ${commits[1]!.slice(0, 7)} (${image(2)})`);
  expect(stale.errors[0]).toContain(`${image(1)} is commit ${commits[0]!.slice(0, 7)}, an older one`);
  expect(await revisions()).toEqual(before);
  const after = (await describeService(ecs, CLUSTER, 'web'))!;
  expect(after.taskDefinition).toBe(running.taskDefinition);
  expect(after.deployments?.map((d) => d.id)).toEqual(running.deployments?.map((d) => d.id));

  const newer = await deploy({ images: `app=${image(3)}` });
  expect(newer.errors).toEqual([]);
  expect(newer.outputs.status).toBe('STARTED');
  expect(newer.stdout).toContain(`is newer than the running ${commits[1]!.slice(0, 7)}`);

  const again = await deploy({ images: `app=${image(3)}` });
  expect(again.exitCode).toBe(0);
  expect(again.outputs.status).toBe('UNCHANGED');

  const rollback = await deploy({ images: `app=${image(2)}`, 'allow-older': 'true' });
  expect(rollback.errors).toEqual([]);
  expect(rollback.outputs.status).toBe('STARTED');
  expect(rollback.stdout).toMatch(
    /::warning::web \(container app\): going back from \w+ to the older \w+, as "allow-older" asks/,
  );
  expect((await describeService(ecs, CLUSTER, 'web'))!.taskDefinition).toBe(
    rollback.outputs['task-definition-arn'],
  );

  // Without a checkout the order cannot be told: a warning says what to fix, and the deploy goes on.
  const blind = await deploy(
    { images: `app=${image(1)}` },
    await mkdtemp(join(tmpdir(), 'slipway-no-checkout-')),
  );
  expect(blind.errors).toEqual([]);
  expect(blind.outputs.status).toBe('STARTED');
  expect(blind.stdout).toMatch(
    /::warning::web \(container app\): deploy order not checked: .* is not a git checkout.*fetch-depth: 0/,
  );
}, 120_000);

test('an image pinned by digest, as build-push-ecr outputs it, is ordered by the sha- tag ECR holds for it', async () => {
  const ecr = new ECRClient({
    region: 'us-east-1',
    endpoint: sandbox.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'pinned' }));
  const digests: string[] = [];
  for (const n of [1, 2, 3]) {
    // One image per commit, tagged as build-push-ecr tags it (and a moving tag, which says nothing).
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        size: 100,
        digest: `sha256:${String(n).repeat(64)}`,
      },
      layers: [],
    });
    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: 'pinned',
        imageManifest: body,
        imageTag: `sha-${commits[n - 1]!.slice(0, 7)}`,
      }),
    );
    await ecr.send(
      new PutImageCommand({ repositoryName: 'pinned', imageManifest: body, imageTag: `build-${n}` }),
    );
    digests.push(put.image!.imageId!.imageDigest!);
  }
  const pinned = (n: number) => `${REGISTRY}/pinned@${digests[n - 1]}`;
  await createStableService(ecs, 'pinned', { cluster: CLUSTER, image: pinned(3) });
  const before = await revisions();

  const stale = await deploy({ services: 'pinned', images: `app=${pinned(2)}` });
  expect(stale.exitCode).toBe(1);
  expect(stale.errors[0]).toContain('title=SLW-ECS-028');
  expect(stale.errors[0]).toContain(`runs commit ${commits[2]!.slice(0, 7)} (${pinned(3)})`);
  expect(await revisions()).toEqual(before);
  expect((await describeService(ecs, CLUSTER, 'pinned'))!.taskDefinition).toMatch(/pinned:1$/);
}, 60_000);
