import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  TargetTypeEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import { createStableService, ecsClient, REGISTRY, testTaskDefinition } from '../../helpers/ecs';
import { MotoServer, startMoto } from '../../helpers/moto';

const CLUSTER = 'validate';
const VERSION = 'abc123';
const SECRET = 's3cr3t-token';
const QUERY_SECRET = 'qu3ry-k3y';
let sandbox: Sandbox;
let ecs: ECSClient;
let moto: MotoServer;
let app: Server;
let base: string;
/** Requests the app has served, so bad-input runs can prove nothing was probed. */
let served = 0;

/** The app behind the URLs: healthy, slow, on the wrong version, failing, flapping, echoing. */
const flaps = new Map<string, number>();
function route(request: IncomingMessage, response: ServerResponse): void {
  served++;
  const { pathname, searchParams } = new URL(request.url!, 'http://app');
  const json = (status: number, body: object): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  switch (pathname) {
    case '/healthy':
      return json(200, { version: VERSION, status: 'up' });
    case '/slow':
      return void sleep(120).then(() => json(200, { version: VERSION, status: 'up' }));
    case '/old':
      return json(200, { version: '0ld999', status: 'up' });
    case '/broken':
      return json(500, { status: 'down' });
    case '/flapping': {
      // Per run: the first three requests fail while the "deploy" settles.
      const run = searchParams.get('run')!;
      flaps.set(run, (flaps.get(run) ?? 0) + 1);
      return flaps.get(run)! <= 3 ? json(503, { status: 'starting' }) : json(200, { version: VERSION });
    }
    case '/echo':
      return json(200, { version: VERSION, echo: request.headers.authorization ?? null });
    default:
      return json(404, {});
  }
}

beforeAll(async () => {
  [sandbox, moto] = await Promise.all([startSandbox({ speed: 100, clusters: [CLUSTER] }), startMoto()]);
  ecs = ecsClient(sandbox.url);
  app = createServer(route);
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  app?.closeAllConnections();
  await new Promise((resolve) => app?.close(resolve));
  await Promise.all([sandbox?.stop(), moto?.stop()]);
});

const validateDeploy = (inputs: Record<string, string>, endpoint = sandbox.url) =>
  runAction(
    'validate-deploy',
    { timeout: '3', ...inputs },
    { endpoint, env: { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: moto.url } },
  );

/** Clients of moto's ELBv2 and EC2, destroyed after `use`. */
async function withMoto<T>(
  use: (elb: ElasticLoadBalancingV2Client, ec2: EC2Client) => Promise<T>,
): Promise<T> {
  const settings = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const [elb, ec2] = [new ElasticLoadBalancingV2Client(settings), new EC2Client(settings)];
  try {
    return await use(elb, ec2);
  } finally {
    elb.destroy();
    ec2.destroy();
  }
}

/** A target group in moto on port 8000 with these targets registered; returns its ARN. */
function targetGroup(name: string, type: TargetTypeEnum, targets: string[]): Promise<string> {
  return withMoto(async (elb, ec2) => {
    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
    const created = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 8000,
        TargetType: type,
        VpcId: vpc,
      }),
    );
    const arn = created.TargetGroups![0]!.TargetGroupArn!;
    await elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets.map((Id) => ({ Id })) }),
    );
    return arn;
  });
}

/** A Fargate-style target group with two healthy ip targets. */
const healthyTargetGroup = (name: string) => targetGroup(name, 'ip', ['10.0.1.5', '10.0.2.5']);

/** A target group of two instances, one of them stopped: moto reports it unused, Target.InvalidState. */
async function halfDownTargetGroup(name: string): Promise<{ arn: string; down: string }> {
  const [up, down] = await withMoto(async (_elb, ec2) => {
    const launched = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2 }),
    );
    return launched.Instances!.map((i) => i.InstanceId!);
  });
  const arn = await targetGroup(name, 'instance', [up!, down!]);
  await withMoto((_elb, ec2) => ec2.send(new StopInstancesCommand({ InstanceIds: [down!] })));
  return { arn, down: down! };
}

/** The service's own target group, as ECS knows it: the one the probe must find unasked. */
const behind = (targetGroupArn: string) => [{ targetGroupArn, containerName: 'app', containerPort: 8000 }];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** One row of the summary table; the observation as text, or as a pattern. */
const row = (check: string, target: string, observation: RegExp | string, verdict: 'pass' | 'fail') =>
  new RegExp(
    `^\\| ${escape(check)} \\| ${escape(target)} \\| ${typeof observation === 'string' ? escape(observation) : observation.source} \\| ${verdict === 'pass' ? '✅ pass' : '❌ fail'} \\|$`,
    'm',
  );
/** Tables are built before the app listens: __APP__ stands for its base URL. */
const atApp = (inputs: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [name, value.replaceAll('__APP__', base)]),
  );

test('a healthy service, its own target group and its URL pass every check, moments after turning healthy', async () => {
  const group = await healthyTargetGroup('web');
  const arn = await createStableService(ecs, 'web', { cluster: CLUSTER, loadBalancers: behind(group) });
  const healthyAt = Date.now();
  // No target-group-arns: the group comes from the service's loadBalancers.
  const run = await validateDeploy({
    cluster: CLUSTER,
    services: 'web',
    'task-definition-arn': arn,
    urls: `${base}/healthy`,
    'json-expectations': `$.version == ${VERSION}\n$.status != down`,
    'latency-samples': '10',
    'latency-p95-max-ms': '1000',
  });
  console.log(
    `validate-deploy of a healthy service: exited ${Date.now() - healthyAt} ms after the service was healthy (the process ran ${run.durationMs} ms)`,
  );

  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.outputs.passed).toBe('true');
  expect(run.outputs['failed-checks']).toBe('0');
  const report = JSON.parse(run.outputs.report!) as { name: string; verdict: string }[];
  expect(report.map((c) => c.name)).toEqual([
    'service status',
    'stopped tasks',
    'rollout',
    'running count',
    'task revision',
    'container health',
    'target health',
    'HTTP status',
    `JSON $.version == ${VERSION}`,
    'JSON $.status != down',
    'latency',
  ]);
  expect(report.every((c) => c.verdict === 'pass')).toBe(true);
  const url = `${base}/healthy`;
  expect(run.summary).toContain('## Deploy validation — ✅ all 11 checks passed');
  expect(run.summary).toMatch(row('service status', 'validate/web', 'ACTIVE', 'pass'));
  expect(run.summary).toMatch(row('rollout', 'validate/web', /ecs-svc\/\d+ on web:1 COMPLETED/, 'pass'));
  expect(run.summary).toMatch(row('running count', 'validate/web', '2/2 running', 'pass'));
  expect(run.summary).toMatch(row('task revision', 'validate/web', '2 running on web:1', 'pass'));
  expect(run.summary).toMatch(row('container health', 'validate/web', 'app HEALTHY in 2 task(s)', 'pass'));
  expect(run.summary).toMatch(row('stopped tasks', 'validate/web', /none of web:1 since \S+Z/, 'pass'));
  expect(run.summary).toMatch(row('target health', group.split(':').pop()!, '2 healthy', 'pass'));
  expect(run.summary).toMatch(row('HTTP status', url, /200 in \d+ ms/, 'pass'));
  expect(run.summary).toMatch(row(`JSON $.version == ${VERSION}`, url, `$.version is "${VERSION}"`, 'pass'));
  expect(run.summary).toMatch(
    row('latency', url, /p50 \d+ ms, p95 \d+ ms over 10 requests \(max 1000 ms\)/, 'pass'),
  );
});

test('an unhealthy target in the service’s own target group fails the run, named with its state and reason', async () => {
  const { arn: group, down } = await halfDownTargetGroup('lb-down');
  await createStableService(ecs, 'lb-down', { cluster: CLUSTER, loadBalancers: behind(group) });
  const run = await validateDeploy({ cluster: CLUSTER, services: 'lb-down' });

  const name = group.split(':').pop()!;
  const seen = `1 of 2 not healthy: ${down}:8000 unused (Target.InvalidState: Target is in the stopped state)`;
  expect(run.exitCode).toBe(1);
  expect(run.outputs.passed).toBe('false');
  expect(run.outputs['failed-checks']).toBe('1');
  expect(run.errors).toHaveLength(1);
  expect(run.errors[0]).toContain('title=SLW-PRB-011');
  expect(run.errors[0]).toContain(`Check "target health" failed for ${name}: ${seen}.`);
  expect(run.summary).toMatch(row('target health', name, seen, 'fail'));
  expect(run.summary).toMatch(row('running count', 'validate/lb-down', '2/2 running', 'pass'));
});

describe('many services at once', () => {
  // A sandbox of its own, so its call counts are this run's alone.
  let own: Sandbox;
  let ownEcs: ECSClient;
  beforeAll(async () => {
    own = await startSandbox({ speed: 100, clusters: ['many'] });
    ownEcs = ecsClient(own.url);
  });
  afterAll(async () => {
    ownEcs?.destroy();
    await own?.stop();
  });

  test('two healthy services pass, each with its rows, from one DescribeServices per look', async () => {
    await Promise.all(['a', 'b'].map((name) => createStableService(ownEcs, name, { cluster: 'many' })));
    own.resetCalls();
    const run = await validateDeploy({ cluster: 'many', services: 'a\nb' }, own.url);

    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.summary).toContain('## Deploy validation — ✅ all 12 checks passed');
    for (const name of ['a', 'b']) {
      expect(run.summary).toMatch(row('service status', `many/${name}`, 'ACTIVE', 'pass'));
      expect(run.summary).toMatch(
        row('rollout', `many/${name}`, new RegExp(`ecs-svc/\\d+ on ${name}:1 COMPLETED`), 'pass'),
      );
      expect(run.summary).toMatch(row('running count', `many/${name}`, '2/2 running', 'pass'));
      expect(run.summary).toMatch(row('task revision', `many/${name}`, `2 running on ${name}:1`, 'pass'));
      expect(run.summary).toMatch(
        row('container health', `many/${name}`, 'app HEALTHY in 2 task(s)', 'pass'),
      );
    }
    // Each look lists RUNNING and STOPPED tasks per service (4 calls) and describes both services in
    // one DescribeServices and their tasks in one DescribeTasks; one more DescribeServices came first.
    const calls = own.calls();
    const looks = (calls.ListTasks ?? 0) / 4;
    expect(looks).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(looks)).toBe(true);
    expect(calls.DescribeServices).toBe(looks + 1);
    expect(calls.DescribeTasks).toBe(looks);
  });
});

test.concurrent.each([
  [
    'crash',
    /EssentialContainerExited: Essential container in task exited/,
    /Essential container in task exited; app exit 1/,
  ],
  [
    'unhealthy',
    /ServiceSchedulerInitiated: Task failed container health checks/,
    /ServiceSchedulerInitiated — Task failed container health checks/,
  ],
])(
  'a %s deploy fails on the tasks of the new revision that stopped, naming why',
  async (scenario, reason, detail) => {
    const name = `${scenario}-svc`;
    await createStableService(ecs, name, { cluster: CLUSTER });
    const next = await ecs.send(
      new RegisterTaskDefinitionCommand(testTaskDefinition(name, `${REGISTRY}/app:${scenario}-v2`)),
    );
    const arn = next.taskDefinition!.taskDefinitionArn!;
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: name, taskDefinition: arn }));

    const run = await validateDeploy({
      cluster: CLUSTER,
      services: name,
      'task-definition-arn': arn,
      timeout: '30',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(Number(run.outputs['failed-checks'])).toBeGreaterThan(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain('title=SLW-PRB-011');
    expect(run.errors[0]).toMatch(
      new RegExp(
        `Check "stopped tasks" failed for validate/${name}: \\d+ of ${name}:2 stopped since \\S+Z: ${reason.source}`,
      ),
    );
    expect(run.summary).toMatch(
      row('stopped tasks', `validate/${name}`, new RegExp(`\\d+ of ${name}:2 stopped .*`), 'fail'),
    );
    expect(run.summary).toMatch(
      new RegExp(`<details><summary>stopped tasks: validate/${name}</summary>[^]*${detail.source}`),
    );
    // Nothing waited for the deadline: a stopped task of the revision is final.
    expect(run.durationMs).toBeLessThan(15_000);
  },
);

test.concurrent.each<[string, Record<string, string>, string, RegExp]>([
  [
    'too slow',
    { urls: '__APP__/slow', 'latency-samples': '5', 'latency-p95-max-ms': '60' },
    'latency',
    /p50 \d{3,} ms, p95 \d{3,} ms over 5 requests \(max 60 ms\)/,
  ],
  [
    'the wrong version',
    { urls: '__APP__/old', 'json-expectations': `$.version == ${VERSION}` },
    `JSON $.version == ${VERSION}`,
    /\$\.version is "0ld999"/,
  ],
  ['a 500', { urls: '__APP__/broken' }, 'HTTP status', /500 in \d+ ms \(attempt \d+\)/],
])('an app that answers %s fails its check', async (_name, inputs, failing, observation) => {
  const { urls } = atApp(inputs);
  const run = await validateDeploy(atApp(inputs));
  expect(run.exitCode).toBe(1);
  expect(run.outputs.passed).toBe('false');
  expect(run.outputs['failed-checks']).toBe('1');
  expect(run.errors[0]).toContain('title=SLW-PRB-011');
  expect(run.errors[0]).toMatch(
    new RegExp(`Check "${escape(failing)}" failed for ${escape(urls!)}: ${observation.source}`),
  );
  expect(run.summary).toContain('## Deploy validation — ❌ 1 of');
  expect(run.summary).toMatch(row(failing, urls!, observation, 'fail'));
});

test('a flapping app passes once it recovers, thanks to the retries', async () => {
  const url = `${base}/flapping?run=e2e`;
  const run = await validateDeploy({
    urls: url,
    'json-expectations': `$.version == ${VERSION}`,
    timeout: '20',
  });
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.summary).toMatch(row('HTTP status', url, /200 in \d+ ms \(attempt 4\)/, 'pass'));
  expect(flaps.get('e2e')).toBe(4);
});

test('a credential header or query value never reaches the logs, the outputs or the summary', async () => {
  const url = `${base}/echo?page=1&api_key=${QUERY_SECRET}`;
  const run = await validateDeploy({
    urls: url,
    headers: `Authorization: Bearer ${SECRET}\nX-Request-Source: e2e`,
    'json-expectations': '$.echo == nobody',
    timeout: '1',
  });
  expect(run.exitCode).toBe(1);
  // Registered with the runner first, which masks it everywhere from then on.
  expect(run.stdout.split('\n').slice(0, 2)).toEqual([
    `::add-mask::Bearer ${SECRET}`,
    `::add-mask::${QUERY_SECRET}`,
  ]);
  const printed = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
  for (const text of [printed.join('\n'), run.stderr, JSON.stringify(run.outputs), run.summary]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(QUERY_SECRET);
  }
  const masked = `${base}/echo?page=1&api_key=***`;
  expect(run.summary).toMatch(row('JSON $.echo == nobody', masked, '$.echo is "***"', 'fail'));
  expect(run.errors[0]).toContain(`failed for ${masked}:`);
});

describe('bad input: a clear error, exit 1, nothing probed', () => {
  beforeAll(() => createStableService(ecs, 'guarded', { cluster: CLUSTER }));

  test.each<[string, Record<string, string>, string, RegExp]>([
    ['a bad URL', { urls: 'not-a-url' }, 'SLW-PRB-001', /"not-a-url" is not an http or https URL/],
    [
      'a bad JSON path',
      { urls: '__APP__/healthy', 'json-expectations': '$..version == abc' },
      'SLW-PRB-002',
      /bad path step/,
    ],
    [
      'a p95 threshold of 0',
      { urls: '__APP__/healthy', 'latency-p95-max-ms': '0' },
      'SLW-PRB-004',
      /impossible latency probe/,
    ],
    [
      'no samples',
      { urls: '__APP__/healthy', 'latency-samples': '0' },
      'SLW-PRB-004',
      /"latency-samples" \(0\)/,
    ],
    [
      'an unknown service',
      { cluster: CLUSTER, services: 'guarded\nghost', urls: '__APP__/healthy' },
      'SLW-PRB-008',
      /"ghost" not found in cluster "validate"/,
    ],
    [
      'a cluster that does not exist',
      { cluster: 'nope', services: 'guarded', urls: '__APP__/healthy' },
      'SLW-PRB-007',
      /cluster "nope" was not found/,
    ],
    ['no cluster', { services: 'guarded' }, 'SLW-PRB-007', /"cluster" is required with "services"/],
    [
      'an unknown revision',
      { cluster: CLUSTER, services: 'guarded', 'task-definition-arn': 'guarded:99', urls: '__APP__/healthy' },
      'SLW-PRB-010',
      /Input "task-definition-arn": task definition "guarded:99" was not found/,
    ],
    [
      'a request timeout longer than the timeout',
      { urls: '__APP__/healthy', 'request-timeout': '5', timeout: '3' },
      'SLW-PRB-004',
      /"request-timeout" \(5 s\) is longer than "timeout" \(3 s\)/,
    ],
  ])('%s', async (_name, inputs, code, message) => {
    sandbox.resetCalls();
    const before = served;
    const run = await validateDeploy(atApp(inputs));
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(`title=${code}`);
    expect(run.errors[0]).toMatch(message);
    expect(run.outputs).toEqual({});
    expect(served).toBe(before);
    expect(sandbox.calls().ListTasks ?? 0).toBe(0);
  });
});
