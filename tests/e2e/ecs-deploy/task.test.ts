/** ecs-deploy's one-off task (e.g. migrations inside the VPC) through dist/ecs-deploy/index.js against the sandbox. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { distDir, runAction } from '../../helpers/action';
import {
  REGISTRY,
  createStableService,
  describeService,
  ecsClient,
  imagesOf,
  pushImages,
} from '../../helpers/ecs';
import { awsChildEnv } from '../../helpers/env';
import { waitUntil } from '../../helpers/ports';

const CLUSTER = 'tasks';
let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 100, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
});
afterAll(() => sandbox?.stop());

// The images a deploy names were pushed before it, as a build step does.
const deploy = async (inputs: Record<string, string>) => {
  await pushImages(sandbox.url, imagesOf(inputs.images));
  return runAction('ecs-deploy', { cluster: CLUSTER, timeout: '60', ...inputs }, { endpoint: sandbox.url });
};

const standaloneTasks = async (status: 'RUNNING' | 'STOPPED') => {
  const { taskArns } = await ecs.send(
    new ListTasksCommand({ cluster: CLUSTER, startedBy: 'slipway', desiredStatus: status }),
  );
  if (!taskArns?.length) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }))).tasks ?? [];
};

test('a task before the update runs the new revision with the service network, streams its log, and gates the deploy', async () => {
  await createStableService(ecs, 'api', { cluster: CLUSTER });
  const ok = await deploy({
    services: 'api',
    images: `app=${REGISTRY}/api:v2`,
    'run-task-command': 'npm run migrate',
  });
  expect(ok.errors).toEqual([]);
  expect(ok.outputs).toMatchObject({ status: 'SUCCEEDED', 'task-exit-code': '0' });
  expect(ok.stdout).toMatch(/^ {2}\| \$ sh -c npm run migrate$/m);
  expect(ok.stdout).toMatch(/One-off task SUCCEEDED: exit code 0/);
  expect(ok.summary).toMatch(/One-off task `[0-9a-f]+` \(app\): ✅ SUCCEEDED/);
  const [task] = (await standaloneTasks('STOPPED')).filter((t) => t.taskArn === ok.outputs['task-arn']);
  expect(task?.taskDefinitionArn).toBe(ok.outputs['task-definition-arn']);
  expect(task?.overrides?.containerOverrides).toEqual([
    { name: 'app', command: ['sh', '-c', 'npm run migrate'] },
  ]);

  const before = (await describeService(ecs, CLUSTER, 'api'))!.taskDefinition;
  const failed = await deploy({
    services: 'api',
    images: `app=${REGISTRY}/api:v3`,
    'run-task-command': '["sh", "-c", "alembic upgrade head; exit 3"]',
  });
  expect(failed.exitCode).toBe(1);
  expect(failed.errors[0]).toMatch(
    /SLW-ECS-017: The one-off task \(app\) failed: exit code 3\. No service was updated\./,
  );
  expect((await describeService(ecs, CLUSTER, 'api'))!.taskDefinition).toBe(before);
}, 120_000);

test('a task after the update runs once every service succeeded', async () => {
  await createStableService(ecs, 'worker', { cluster: CLUSTER });
  const run = await deploy({
    services: 'worker',
    images: `app=${REGISTRY}/worker:v2`,
    'run-task-command': 'node scripts/warm-cache.js',
    'run-task-when': 'after',
  });
  expect(run.errors).toEqual([]);
  expect(run.outputs['task-exit-code']).toBe('0');
  expect(run.stdout.indexOf('worker: SUCCEEDED')).toBeLessThan(run.stdout.indexOf('One-off task'));
}, 120_000);

test('cancelling the job stops the running task', async () => {
  await createStableService(ecs, 'jobs', { cluster: CLUSTER });
  const child = spawn(process.execPath, [join(distDir(), 'ecs-deploy', 'index.js')], {
    env: awsChildEnv(sandbox.url, {
      INPUT_CLUSTER: CLUSTER,
      INPUT_SERVICES: 'jobs',
      'INPUT_RUN-TASK-COMMAND': 'sleep 3600',
      'INPUT_RUN-TASK-TIMEOUT': '600',
      INPUT_TIMEOUT: '60',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  await waitUntil(async () => /One-off task [0-9a-f]+ \(app\)/.test(stdout), {
    timeoutMs: 30_000,
    what: 'the task to start',
  });
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  // The one lifecycle: SIGINT exits 128+2 once the deploy reported its cancelled task.
  expect(code).toBe(130);
  expect(stdout).toMatch(/SLW-ECS-017: The one-off task \(app\) cancelled/);
  const stopped = (await standaloneTasks('STOPPED')).find((t) =>
    t.overrides?.containerOverrides?.[0]?.command?.includes('sleep 3600'),
  );
  expect(stopped?.stopCode).toBe('UserInitiated');
}, 120_000);
