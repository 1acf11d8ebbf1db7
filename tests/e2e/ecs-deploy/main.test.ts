import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { stringify } from 'yaml';
import { runAction } from '../../helpers/action';
import { waitUntil } from '../../helpers/ports';
import {
  createStableService,
  describeService,
  ecsClient,
  imagesOf,
  pushImages,
  REGISTRY,
  seededTaskDefinition,
} from '../../helpers/ecs';

let sandbox: Sandbox;
let ecs: ECSClient;
const CLUSTER = 'e2e';

const definition = (family: string, image: string) => seededTaskDefinition(sandbox.url, family, image);
const service = (name: string, breaker = true, desiredCount = 2) =>
  createStableService(ecs, name, { cluster: CLUSTER, breaker, desiredCount });
const liveTaskDefinition = async (name: string) =>
  (await describeService(ecs, CLUSTER, name))?.taskDefinition;

// The images a deploy names were pushed before it, as a build step does.
const deploy = async (inputs: Record<string, string>) => {
  await pushImages(sandbox.url, imagesOf(inputs.images));
  // The files these deploys render are written under the temp dir: it is their workspace.
  return runAction(
    'ecs-deploy',
    { cluster: CLUSTER, timeout: '60', ...inputs },
    {
      endpoint: sandbox.url,
      env: { GITHUB_WORKSPACE: tmpdir() },
    },
  );
};

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 100, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
});
afterAll(() => sandbox?.stop());

test('a healthy image deploys: new revision, verdict, outputs and summary', async () => {
  const before = await service('web');
  const run = await deploy({ services: 'web', images: `app=${REGISTRY}/web:v2` });
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.outputs.status).toBe('SUCCEEDED');
  expect(run.outputs['previous-task-definition-arn']).toBe(before);
  expect(run.outputs['task-definition-arn']).toMatch(/task-definition\/web:2$/);
  expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d+$/);
  expect(await liveTaskDefinition('web')).toBe(run.outputs['task-definition-arn']);
  const deployed = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: 'web:2', include: ['TAGS'] }),
  );
  expect(deployed.taskDefinition?.containerDefinitions?.map((c) => c.image)).toEqual([
    `${REGISTRY}/web:v2`,
    'public.ecr.aws/nginx/nginx:1.27',
  ]);
  expect(deployed.tags).toEqual([{ key: 'team', value: 'e2e' }]);
  expect(JSON.parse(run.outputs.results!)).toEqual([
    expect.objectContaining({ service: 'web', status: 'SUCCEEDED', registered: true }),
  ]);
  expect(run.summary).toMatch(/\| web \| 1 → 2 \|.*\| ✅ succeeded \|/);
  expect(run.summary).toContain('containerDefinitions[app].image');
});

test.concurrent.each([
  ['crash', 'ROLLED_BACK', /The app exited with code 1 \(container app\)/, 'SLW-ECS-011'],
  ['unhealthy', 'ROLLED_BACK', /failed its health check/, 'SLW-ECS-011'],
  ['oom', 'ROLLED_BACK', /ran out of memory/, 'SLW-ECS-011'],
  ['pull-fail', 'ROLLED_BACK', /could not pull the image/, 'SLW-ECS-011'],
  ['secrets-denied', 'ROLLED_BACK', /could not read its secrets/, 'SLW-ECS-011'],
])(
  '%s: caught, diagnosed, and the circuit breaker’s rollback reported as the failure it is',
  async (scenario, status, cause, code) => {
    const name = `cb-${scenario}`;
    const before = await service(name);
    const run = await deploy({ services: name, images: `app=${REGISTRY}/app:${scenario}-v2` });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe(status);
    // The step's error comes once ECS's rollback has ended (at this speed the first poll may already
    // find it over; the announcement while it runs is tested below, in real time's neighbourhood).
    expect(run.errors.length).toBeLessThanOrEqual(2);
    const failure = run.errors.at(-1)!;
    expect(failure).toContain(`title=${code}`);
    expect(failure).toMatch(cause);
    expect(failure).toContain(`Revision ${name}:1 is serving again (2/2 tasks running)`);
    expect(run.summary).toMatch(cause);
    expect(run.summary).toMatch(/\*\*Remedy:\*\*/);
    expect(run.summary).toMatch(/Stop code/);
    expect(run.summary).toMatch(/circuit breaker/i);
    expect(run.summary).toMatch(/Service events since the deploy began/);
    expect(run.summary).toMatch(/deployment failed: tasks failed to start/);
    // The annotation alone explains the failure: the stopped task and the latest events.
    const annotation = decodeURIComponent(failure.replace(/%0A/g, '\n'));
    expect(annotation).toMatch(/\nStopped task \w+: \w+ — /);
    expect(annotation).toContain(`\nLatest service events:\n`);
    expect(annotation).toContain(`(service ${name})`);
    expect(run.outputs['previous-task-definition-arn']).toBe(before);
    expect(run.outputs['task-definition-arn']).toMatch(new RegExp(`task-definition/${name}:2$`));
    // ECS's service-deployment API: our service deployment, rolled back to its end, and what the breaker
    // counted against its threshold.
    expect(run.summary).toMatch(/\*\*Service deployment:\*\* `ROLLBACK_SUCCESSFUL`/);
    const counted = /circuit breaker TRIGGERED: (\d+) failed task\(s\) of threshold (\d+)/.exec(run.summary);
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(Number(counted?.[2]));
    expect(Number(counted?.[2])).toBe(3);
    const [result] = JSON.parse(run.outputs.results ?? '[]') as {
      serviceDeployment?: { status: string; circuitBreaker?: { failureCount?: number } };
      servingTaskDefinitionArn?: string;
    }[];
    expect(result?.serviceDeployment?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(result?.servingTaskDefinitionArn).toBe(before);
    expect(result?.serviceDeployment?.circuitBreaker?.failureCount).toBe(Number(counted?.[1]));
    // ECS (the sandbox) rolled the service back before the step ended; we registered or deployed nothing more.
    expect(await liveTaskDefinition(name)).toBe(before);
  },
);

describe('a circuit-breaker failure followed in near real time (speed 8)', () => {
  let slow: Sandbox;
  let slowEcs: ECSClient;
  beforeAll(async () => {
    slow = await startSandbox({ speed: 8, clusters: [CLUSTER] });
    slowEcs = ecsClient(slow.url);
  });
  afterAll(() => slow?.stop());
  const deploySlow = async (inputs: Record<string, string>) => {
    await pushImages(slow.url, imagesOf(inputs.images));
    return runAction('ecs-deploy', { cluster: CLUSTER, timeout: '120', ...inputs }, { endpoint: slow.url });
  };
  const live = async (name: string) => (await describeService(slowEcs, CLUSTER, name))?.taskDefinition;
  const announcement = (name: string) =>
    new RegExp(
      `^::error::${name}: .*ECS's circuit breaker failed the deployment and is rolling back to ${name}:1; following the rollback\\.$`,
    );

  test.concurrent(
    'is announced at once, then ECS’s rollback followed to the old revision serving again',
    async () => {
      const name = 'cb-followed';
      const before = await createStableService(slowEcs, name, { cluster: CLUSTER });
      const run = await deploySlow({ services: name, images: `app=${REGISTRY}/app:crash-v2` });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('ROLLED_BACK');
      expect(run.errors).toHaveLength(2);
      expect(run.errors[0]).toMatch(announcement(name));
      // The announcement came while ECS was still rolling back: the rollback's progress is logged after it.
      const at = (pattern: RegExp) => run.lines.findIndex((l) => pattern.test(l.text));
      expect(at(announcement(name))).toBeGreaterThanOrEqual(0);
      expect(at(announcement(name))).toBeLessThan(at(new RegExp(`^${name}: ECS rolling back`)));
      expect(run.errors[1]).toContain('title=SLW-ECS-011');
      expect(run.errors[1]).toContain(`Revision ${name}:1 is serving again (2/2 tasks running)`);
      expect(await live(name)).toBe(before);
    },
  );

  test.concurrent(
    'when ECS’s rollback fails too, the step says ROLLBACK_FAILED with its own code',
    async () => {
      const name = 'cb-rollback-fails';
      const before = await createStableService(slowEcs, name, {
        cluster: CLUSTER,
        image: `${REGISTRY}/app:v1-fails-on-rollback`,
      });
      const run = await deploySlow({ services: name, images: `app=${REGISTRY}/app:crash-v2` });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('ROLLBACK_FAILED');
      expect(run.errors).toHaveLength(2);
      expect(run.errors[0]).toMatch(announcement(name));
      expect(run.errors[1]).toContain('title=SLW-ECS-020');
      expect(run.errors[1]).toMatch(/ROLLBACK_FAILED/);
      expect(run.summary).toMatch(/🛑 failed, and ECS's rollback failed/);
      expect(run.summary).toMatch(/\*\*Service deployment:\*\* `ROLLBACK_FAILED`/);
      // Nothing of ours on top of ECS's failed rollback.
      expect(await live(name)).toBe(before);
    },
  );

  test.concurrent('wait-for-rollback: false exits at once while ECS is still rolling back', async () => {
    const name = 'cb-no-wait';
    const before = await createStableService(slowEcs, name, { cluster: CLUSTER });
    const run = await deploySlow({
      services: name,
      images: `app=${REGISTRY}/app:crash-v2`,
      'wait-for-rollback': 'false',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('ROLLED_BACK');
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain('title=SLW-ECS-011');
    expect(run.errors[0]).toMatch(/not waited for/);
    expect(run.summary).toMatch(/\*\*Service deployment:\*\* `ROLLBACK_IN_PROGRESS`/);
    await waitUntil(async () => (await live(name)) === before, {
      timeoutMs: 30_000,
      what: `${name} back on revision 1`,
    });
  });
});

test('a crash leaves its log tail and stop details in the summary', async () => {
  await service('logs-crash');
  const run = await deploy({ services: 'logs-crash', images: `app=${REGISTRY}/logs-crash:crash-v2` });
  expect(run.exitCode).toBe(1);
  expect(run.summary).toMatch(/EssentialContainerExited/);
  expect(run.summary).toMatch(/Log tail of task/);
  expect(run.summary).toMatch(/app: exit 1/);
  const annotation = decodeURIComponent(run.errors.at(-1)!.replace(/%0A/g, '\n'));
  expect(annotation).toMatch(/EssentialContainerExited — .*app: exit 1/);
  expect(annotation).toMatch(/\nLog tail:\n[^]* {2}fatal: could not connect to the database/);
});

test('without a circuit breaker, failed tasks fail the deployment and we roll back ourselves', async () => {
  const before = await service('no-breaker', false);
  const run = await deploy({ services: 'no-breaker', images: `app=${REGISTRY}/no-breaker:crash-v2` });
  expect(run.exitCode).toBe(1);
  expect(run.outputs.status).toBe('FAILED');
  expect(run.errors[0]).toContain('title=SLW-ECS-010');
  const [result] = JSON.parse(run.outputs.results!);
  expect(result.rollback).toMatchObject({ status: 'SUCCEEDED', taskDefinitionArn: before });
  expect(run.summary).toMatch(/\*\*Rollback\*\* to revision 1: ✅ succeeded/);
  expect(await liveTaskDefinition('no-breaker')).toBe(before);
});

test('rollback-on-failure: false leaves the failed revision deployed', async () => {
  await service('no-rollback', false);
  const run = await deploy({
    services: 'no-rollback',
    images: `app=${REGISTRY}/no-rollback:crash-v2`,
    'rollback-on-failure': 'false',
  });
  expect(run.exitCode).toBe(1);
  expect(JSON.parse(run.outputs.results!)[0].rollback).toBeUndefined();
  expect(await liveTaskDefinition('no-rollback')).toBe(run.outputs['task-definition-arn']);
});

test('a slow starter succeeds within its timeout', async () => {
  const before = await service('slow');
  const run = await deploy({ services: 'slow', images: `app=${REGISTRY}/slow:slow-v2` });
  expect(run.exitCode).toBe(0);
  expect(run.outputs.status).toBe('SUCCEEDED');
  expect(run.outputs['previous-task-definition-arn']).toBe(before);
  expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d+$/);
  expect(await liveTaskDefinition('slow')).toBe(run.outputs['task-definition-arn']);
  expect(run.summary).toMatch(/\| slow \| 1 → 2 \|.*\| ✅ succeeded \|/);
});

test('a timeout is a failure with a rollback', async () => {
  const before = await service('too-slow', false);
  const run = await deploy({
    services: 'too-slow',
    images: `app=${REGISTRY}/too-slow:slow-v2`,
    timeout: '1',
  });
  expect(run.exitCode).toBe(1);
  expect(run.outputs.status).toBe('TIMED_OUT');
  expect(run.errors[0]).toContain('title=SLW-ECS-013');
  expect(run.errors[0]).toMatch(/did not become healthy before the timeout/);
  expect(run.summary).toMatch(/\*\*Cause:\*\* Tasks did not become healthy before the timeout/);
  expect(await liveTaskDefinition('too-slow')).toBe(before);
});

test('many services deploy in parallel in one step, one registration per family', async () => {
  const names = Array.from({ length: 12 }, (_, i) => `fleet-${i}`);
  await Promise.all(names.map((name) => service(name, true, 1)));
  sandbox.resetCalls();
  const run = await deploy({ services: names.join('\n'), images: `app=${REGISTRY}/fleet:v2` });
  expect(run.exitCode).toBe(0);
  const results = JSON.parse(run.outputs.results!);
  expect(results.map((r: { status: string }) => r.status)).toEqual(names.map(() => 'SUCCEEDED'));
  for (const name of names) expect(await liveTaskDefinition(name)).toMatch(new RegExp(`/${name}:2$`));
  expect(sandbox.calls().RegisterTaskDefinition).toBe(12);
  expect(sandbox.calls().UpdateService).toBe(12);
});

test('nothing changed: no revision, no deployment, and the summary says so', async () => {
  await service('same');
  sandbox.resetCalls();
  const run = await deploy({ services: 'same', images: `app=${REGISTRY}/app:v1` });
  expect(run.exitCode).toBe(0);
  expect(run.outputs.status).toBe('UNCHANGED');
  expect(sandbox.calls().RegisterTaskDefinition ?? 0).toBe(0);
  expect(sandbox.calls().UpdateService ?? 0).toBe(0);
  expect(run.summary).toMatch(/nothing changed, so no revision was registered and no deployment started/);
});

test('a YAML task-definition file is rendered with images, env and secrets', async () => {
  await service('from-file');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-'));
  const file = join(dir, 'task-definition.yaml');
  await writeFile(file, stringify(await definition('from-file', 'placeholder')));
  const run = await deploy({
    services: 'from-file',
    'task-definition': file,
    images: `app=${REGISTRY}/from-file:v3`,
    env: 'app:LOG_LEVEL=debug',
    secrets: 'app:API_KEY=arn:aws:ssm:us-east-1:123456789012:parameter/api-key',
  });
  expect(run.exitCode).toBe(0);
  const app = (
    await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: run.outputs['task-definition-arn'] }))
  ).taskDefinition?.containerDefinitions?.[0];
  expect(app?.image).toBe(`${REGISTRY}/from-file:v3`);
  expect(app?.environment).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
  expect(app?.secrets?.map((s) => s.name)).toEqual(['DB_PASSWORD', 'API_KEY']);
});

test('an existing revision deploys as it is (promotion and rollback), and keep-revisions prunes old ones', async () => {
  const first = await service('pinned');
  for (const tag of ['v2', 'v3', 'v4']) {
    await ecs.send(
      new RegisterTaskDefinitionCommand(await definition('pinned', `${REGISTRY}/pinned:${tag}`)),
    );
  }
  const run = await deploy({ services: 'pinned', 'task-definition-arn': 'pinned:3', 'keep-revisions': '2' });
  expect(run.exitCode).toBe(0);
  expect(run.outputs['task-definition-arn']).toMatch(/pinned:3$/);
  expect(run.outputs['previous-task-definition-arn']).toBe(first);
  const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'pinned', status: 'ACTIVE' }));
  // Newest two (3 and 4) kept, revision 1 kept because the service ran it just before; 2 pruned.
  expect(active.taskDefinitionArns?.map((arn) => arn.split(':').pop()).sort()).toEqual(['1', '3', '4']);
});

describe('bad input: a clear error, exit 1, nothing registered or updated', () => {
  let badFile: string;
  let badYamlFile: string;
  beforeAll(async () => {
    await service('guarded');
    badFile = join(await mkdtemp(join(tmpdir(), 'slipway-e2e-')), 'broken.json');
    await writeFile(badFile, '{"family": "guarded", ');
    badYamlFile = join(dirname(badFile), 'broken.yaml');
    await writeFile(badYamlFile, 'family: [unclosed\n');
  });

  test.each<[string, Record<string, string>, string, RegExp]>([
    [
      'malformed ARN',
      { services: 'guarded', 'task-definition-arn': 'arn:aws:ecs:us-east-1:1:task/x' },
      'SLW-ECS-001',
      /task-definition-arn/,
    ],
    [
      'unknown container',
      { services: 'guarded', images: 'web=nginx:1' },
      'SLW-ECS-002',
      /container "web".*containers: app, sidecar/,
    ],
    ['bad JSON', { services: 'guarded', 'task-definition': '__BAD__' }, 'SLW-ECS-003', /not valid JSON/],
    ['bad YAML', { services: 'guarded', 'task-definition': '__BAD_YAML__' }, 'SLW-ECS-003', /not valid YAML/],
    [
      'negative timeout',
      { services: 'guarded', images: 'app=x:1', timeout: '-5' },
      'SLW-KIT-001',
      /Input "timeout" is below 1: got "-5"/,
    ],
    [
      'unknown service',
      { services: 'guarded\nghost', images: 'app=x:1' },
      'SLW-ECS-006',
      /"ghost" not found/,
    ],
    [
      'missing cluster',
      { services: 'guarded', images: 'app=x:1', cluster: 'nope' },
      'SLW-ECS-005',
      /cluster "nope" was not found/,
    ],
    [
      'no cluster input',
      { services: 'guarded', images: 'app=x:1', cluster: '' },
      'SLW-KIT-002',
      /Input "cluster" is required/,
    ],
    [
      'bad boolean',
      { services: 'guarded', images: 'app=x:1', wait: 'yes' },
      'SLW-KIT-001',
      /Input "wait" is not a boolean/,
    ],
  ])('%s', async (_name, inputs, code, message) => {
    sandbox.resetCalls();
    const withFile = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [
        k,
        v === '__BAD__' ? badFile : v === '__BAD_YAML__' ? badYamlFile : v,
      ]),
    );
    const run = await deploy(withFile);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain(`title=${code}`);
    expect(run.errors[0]).toMatch(message);
    expect(sandbox.calls().RegisterTaskDefinition ?? 0).toBe(0);
    expect(sandbox.calls().UpdateService ?? 0).toBe(0);
  });
});

test('task-definition-arn: previous rolls back to the newest ACTIVE revision before the running one', async () => {
  const first = await service('roll-me');
  const forward = await deploy({ services: 'roll-me', images: `app=${REGISTRY}/app:v2` });
  expect(forward.outputs['task-definition-arn']).toMatch(/roll-me:2$/);
  const back = await deploy({ services: 'roll-me', 'task-definition-arn': 'previous' });
  expect(back.exitCode).toBe(0);
  expect(back.outputs['task-definition-arn']).toBe(first);
  expect(back.outputs['previous-task-definition-arn']).toMatch(/roll-me:2$/);
  expect(await liveTaskDefinition('roll-me')).toBe(first);
  const nothingBefore = await deploy({ services: 'roll-me', 'task-definition-arn': 'previous' });
  expect(nothingBefore.exitCode).toBe(1);
  expect(nothingBefore.errors[0]).toMatch(/title=SLW-ECS-008.*no earlier ACTIVE revision/);
});
