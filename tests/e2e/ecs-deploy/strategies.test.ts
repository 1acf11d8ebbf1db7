import {
  DeploymentConfiguration,
  ECSClient,
  ListTasksCommand,
  DescribeTasksCommand,
} from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import { createStableService, describeService, ecsClient, pushImages, REGISTRY } from '../../helpers/ecs';

let sandbox: Sandbox;
let ecs: ECSClient;
const CLUSTER = 'strategies';
const HOOK_ROLE = 'arn:aws:iam::123456789012:role/ecs-hooks';
const lambda = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

// Slow enough (a simulated minute is two seconds) for every traffic step to be polled at least once.
beforeAll(async () => {
  sandbox = await startSandbox({ speed: 30, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
});
afterAll(() => sandbox?.stop());

const service = (name: string, deploymentConfiguration: DeploymentConfiguration) =>
  createStableService(ecs, name, { cluster: CLUSTER, deploymentConfiguration });

// The image a deploy names was pushed before it, as a build step does.
const deploy = async (name: string, image: string) => {
  await pushImages(sandbox.url, [`${REGISTRY}/${image}`]);
  return runAction(
    'ecs-deploy',
    { cluster: CLUSTER, services: name, images: `app=${REGISTRY}/${image}`, timeout: '120' },
    { endpoint: sandbox.url },
  );
};

interface StageEntry {
  stage: string;
  productionTraffic?: number;
  hooks: { target: string; status: string }[];
}

function resultOf(run: { outputs: Record<string, string> }) {
  const [result] = JSON.parse(run.outputs.results ?? '[]') as {
    status: string;
    strategy?: string;
    stages?: StageEntry[];
  }[];
  return result!;
}

/** The production-traffic shares the new revision was seen taking, in order. */
const trafficSteps = (stages: StageEntry[] | undefined) =>
  (stages ?? [])
    .map((s) => s.productionTraffic ?? 0)
    .filter((share, i, all) => share > 0 && share !== all[i - 1]);

async function runningRevisions(name: string): Promise<string[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: name }))).taskArns ?? [];
  if (arns.length === 0) return [];
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks ?? [];
  return tasks
    .filter((t) => t.lastStatus === 'RUNNING')
    .map((t) => t.taskDefinitionArn!.split(':').pop()!)
    .sort();
}

test.concurrent('BLUE_GREEN: stages, a passing hook and the bake time followed to SUCCEEDED', async () => {
  await service('bg', {
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: 1,
    lifecycleHooks: [
      {
        hookTargetArn: lambda('smoke-test'),
        roleArn: HOOK_ROLE,
        lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
      },
    ],
  });
  const run = await deploy('bg', 'bg:v2');
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  const result = resultOf(run);
  expect(result).toMatchObject({ status: 'SUCCEEDED', strategy: 'BLUE_GREEN' });
  const stages = result.stages!.map((s) => s.stage);
  expect(stages).toEqual(expect.arrayContaining(['POST_TEST_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP']));
  expect(stages.indexOf('BAKE_TIME')).toBeGreaterThan(stages.indexOf('POST_TEST_TRAFFIC_SHIFT'));
  expect(result.stages!.find((s) => s.stage === 'POST_TEST_TRAFFIC_SHIFT')?.hooks).toEqual([
    { target: 'smoke-test', status: 'SUCCEEDED' },
  ]);
  expect(trafficSteps(result.stages)).toEqual([100]);
  expect(run.stdout).toMatch(/bg: stage BAKE_TIME, 100% of production traffic on the new revision/);
  expect(run.summary).toMatch(/### bg: BLUE_GREEN rollout/);
  expect(run.summary).toMatch(/\| POST_TEST_TRAFFIC_SHIFT \| \+[\d.]+ s \| 0% \| smoke-test: SUCCEEDED \|/);
  expect(await runningRevisions('bg')).toEqual(['2', '2']);
});

test.concurrent.each([
  ['LINEAR', { linearConfiguration: { stepPercent: 34, stepBakeTimeInMinutes: 2 } }, [34, 68, 100]],
  ['CANARY', { canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 } }, [10, 100]],
] as const)('%s: every production-traffic step followed and shown', async (strategy, settings, steps) => {
  const name = strategy.toLowerCase();
  await service(name, { strategy, ...settings });
  const run = await deploy(name, `${name}:v2`);
  expect(run.exitCode).toBe(0);
  const result = resultOf(run);
  expect(result).toMatchObject({ status: 'SUCCEEDED', strategy });
  expect(trafficSteps(result.stages)).toEqual(steps);
  for (const share of steps) {
    expect(run.summary).toMatch(new RegExp(`\\| [A-Z_]+ \\| \\+[\\d.]+ s \\| ${share}% \\|`));
  }
});

test.concurrent(
  'BLUE_GREEN: a failing hook is reported as the rollback it caused, with the hook named',
  async () => {
    const before = await service('bg-hook', {
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [
        {
          hookTargetArn: lambda('smoke-fail'),
          roleArn: HOOK_ROLE,
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
        },
      ],
    });
    const run = await deploy('bg-hook', 'bg-hook:v2');
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('ROLLED_BACK');
    expect(run.errors.at(-1)).toContain('title=SLW-ECS-011');
    expect(run.errors.at(-1)).toMatch(/lifecycle hook smoke-fail failed in stage POST_TEST_TRAFFIC_SHIFT/);
    expect(run.summary).toMatch(/\*\*Service deployment:\*\* `ROLLBACK_(IN_PROGRESS|SUCCESSFUL)`/);
    expect(run.summary).toMatch(/failed hooks: smoke-fail/);
    expect(run.summary).toMatch(/smoke-fail: FAILED/);
    const live = await describeService(ecs, CLUSTER, 'bg-hook');
    expect(live?.taskDefinition).toBe(before);
  },
);

test.concurrent(
  'BLUE_GREEN: crashing tasks trip the breaker while the old revision keeps serving',
  async () => {
    const before = await service('bg-crash', { strategy: 'BLUE_GREEN' });
    const run = await deploy('bg-crash', 'bg-crash:crash-v2');
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('ROLLED_BACK');
    expect(run.errors.at(-1)).toMatch(/The app exited with code 1/);
    expect(trafficSteps(resultOf(run).stages)).toEqual([]);
    expect((await describeService(ecs, CLUSTER, 'bg-crash'))?.taskDefinition).toBe(before);
    expect(await runningRevisions('bg-crash')).toEqual(['1', '1']);
  },
);
