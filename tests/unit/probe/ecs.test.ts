import {
  ClusterNotFoundException,
  ClientException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { memoryLogger, virtualClock } from '@slipway/kit';
import {
  expectServices,
  judgeService,
  probeServices,
  PRB,
  ServiceExpectation,
  ServiceTasks,
} from '@slipway/probe';

const ARN = (revision: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${revision}`;
const NEW = ARN(2);
const OLD = ARN(1);
const DEPLOYED_AT = new Date('2025-06-01T12:00:00Z');
const later = (seconds: number) => new Date(DEPLOYED_AT.getTime() + seconds * 1000);

const definition: TaskDefinition = {
  taskDefinitionArn: NEW,
  containerDefinitions: [{ name: 'app', healthCheck: { command: ['CMD', 'true'] } }, { name: 'sidecar' }],
};
const expectation: ServiceExpectation = {
  service: 'web',
  taskDefinition: definition,
  since: DEPLOYED_AT,
  targetGroupArns: [],
};

const settled: Service = {
  serviceName: 'web',
  status: 'ACTIVE',
  desiredCount: 2,
  runningCount: 2,
  taskDefinition: NEW,
  deployments: [
    {
      id: 'ecs-svc/2',
      status: 'PRIMARY',
      taskDefinition: NEW,
      rolloutState: 'COMPLETED',
      desiredCount: 2,
      runningCount: 2,
      createdAt: DEPLOYED_AT,
    },
  ],
};
const task = (id: string, overrides: Partial<Task> = {}): Task => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/e2e/${id}`,
  taskDefinitionArn: NEW,
  lastStatus: 'RUNNING',
  containers: [
    { name: 'app', healthStatus: 'HEALTHY' },
    { name: 'sidecar', healthStatus: 'UNKNOWN' },
  ],
  ...overrides,
});
const healthyTasks: ServiceTasks = { running: [task('t1'), task('t2')], stopped: [] };

const judged = (service: Service, tasks = healthyTasks, expected = expectation) => {
  const look = judgeService('e2e/web', expected, service, tasks);
  return {
    final: Boolean(look.final),
    failed: Object.fromEntries(
      look.checks.filter((c) => c.verdict === 'fail').map((c) => [c.name, c.observation]),
    ),
  };
};

describe('judging one look at a service', () => {
  test('settled on the expected revision: every check passes, sidecars without a health check aside', () => {
    const look = judgeService('e2e/web', expectation, settled, healthyTasks);
    expect(look.checks.map((c) => [c.name, c.verdict, c.observation])).toEqual([
      ['service status', 'pass', 'ACTIVE'],
      ['stopped tasks', 'pass', 'none of web:2 since 2025-06-01T12:00:00Z'],
      ['rollout', 'pass', 'ecs-svc/2 on web:2 COMPLETED'],
      ['running count', 'pass', '2/2 running'],
      ['task revision', 'pass', '2 running on web:2'],
      ['container health', 'pass', 'app HEALTHY in 2 task(s)'],
    ]);
    expect(look.checks.every((c) => c.target === 'e2e/web')).toBe(true);
  });

  test('mid-rollout: not yet, and not final', () => {
    const service: Service = {
      ...settled,
      runningCount: 3,
      deployments: [
        { ...settled.deployments![0]!, rolloutState: 'IN_PROGRESS', runningCount: 1 },
        { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: OLD, runningCount: 2 },
      ],
    };
    const tasks = {
      running: [
        task('t1'),
        task('t2', { lastStatus: 'PENDING' }),
        task('o1', { taskDefinitionArn: OLD }),
        task('o2', { taskDefinitionArn: OLD }),
      ],
      stopped: [],
    };
    expect(judged(service, tasks)).toEqual({
      final: false,
      failed: {
        rollout: 'ecs-svc/2 on web:2 IN_PROGRESS: 1/2 running',
        'running count': '3/2 running',
        'task revision': '2 of 3 running tasks on web:1 ×2, expected web:2',
      },
    });
  });

  test('a container still starting its health checks is named with its task', () => {
    const tasks = {
      running: [task('t1'), task('t2', { containers: [{ name: 'app', healthStatus: 'UNKNOWN' }] })],
      stopped: [],
    };
    expect(judged(settled, tasks).failed).toEqual({ 'container health': 'app UNKNOWN in task t2' });
  });

  test('no health check in the task definition: nothing to wait for', () => {
    const plain = {
      ...expectation,
      taskDefinition: { taskDefinitionArn: NEW, containerDefinitions: [{ name: 'app' }] },
    };
    const tasks = { running: [task('t1', { containers: [{ name: 'app' }] }), task('t2')], stopped: [] };
    const look = judgeService('e2e/web', plain, settled, tasks);
    expect(look.checks.find((c) => c.name === 'container health')).toMatchObject({
      verdict: 'pass',
      observation: 'no container defines a health check',
    });
  });

  test('tasks of the revision stopped since the deploy: a final failure naming the reasons', () => {
    const crashed = (id: string) =>
      task(id, {
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        stoppingAt: later(40),
        stoppedAt: later(45),
        containers: [{ name: 'app', exitCode: 1, reason: 'Error' }],
      });
    const tasks = {
      running: [task('t1'), task('t2')],
      stopped: [
        crashed('c1'),
        crashed('c2'),
        // Before the deploy, or of another revision: not ours to count.
        task('early', {
          lastStatus: 'STOPPED',
          stoppedAt: new Date(DEPLOYED_AT.getTime() - 1000),
          stoppingAt: new Date(DEPLOYED_AT.getTime() - 2000),
        }),
        task('old', { lastStatus: 'STOPPED', taskDefinitionArn: OLD, stoppedAt: later(10) }),
      ],
    };
    const look = judgeService('e2e/web', expectation, settled, tasks);
    const stopped = look.checks.find((c) => c.name === 'stopped tasks')!;
    expect(look.final).toBe(true);
    expect(stopped).toMatchObject({
      verdict: 'fail',
      observation:
        '2 of web:2 stopped since 2025-06-01T12:00:00Z: EssentialContainerExited: Essential container in task exited ×2',
    });
    expect(stopped.detail!.split('\n')).toEqual([
      'task c1: EssentialContainerExited — Essential container in task exited; app exit 1 (Error)',
      'task c2: EssentialContainerExited — Essential container in task exited; app exit 1 (Error)',
    ]);
  });

  test('a task still stopping counts from when its stop began', () => {
    const stopping = task('s1', {
      lastStatus: 'DEACTIVATING',
      desiredStatus: 'STOPPED',
      stoppingAt: later(5),
    });
    expect(judged(settled, { running: healthyTasks.running, stopped: [stopping] }).final).toBe(true);
  });

  test('rolled back by the circuit breaker: the old revision runs, the rollout reads as what it is', () => {
    const service: Service = {
      ...settled,
      taskDefinition: OLD,
      deployments: [
        {
          id: 'ecs-svc/3',
          status: 'PRIMARY',
          taskDefinition: OLD,
          rolloutState: 'IN_PROGRESS',
          runningCount: 2,
          desiredCount: 2,
        },
        {
          id: 'ecs-svc/2',
          status: 'ACTIVE',
          taskDefinition: NEW,
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        },
      ],
    };
    const tasks = {
      running: [task('o1', { taskDefinitionArn: OLD }), task('o2', { taskDefinitionArn: OLD })],
      stopped: [],
    };
    expect(judged(service, tasks).failed).toEqual({
      rollout: 'ecs-svc/3 on web:1 IN_PROGRESS: 2/2 running',
      'task revision': '2 of 2 running tasks on web:1 ×2, expected web:2',
      'container health': 'no running task of the revision to check',
    });
  });

  test.each<[string, Partial<Service>, string, string]>([
    ['draining', { status: 'DRAINING' }, 'service status', 'DRAINING'],
    [
      'rollout FAILED',
      {
        deployments: [
          {
            ...settled.deployments![0]!,
            rolloutState: 'FAILED',
            rolloutStateReason: 'tasks failed to start',
          },
        ],
      },
      'rollout',
      'ecs-svc/2 on web:2 FAILED: tasks failed to start',
    ],
  ])('%s is final', (_name, change, name, observation) => {
    const result = judged({ ...settled, ...change });
    expect(result.final).toBe(true);
    expect(result.failed[name]).toBe(observation);
  });

  test('without rollout states (other deployment controllers) a lone primary is done', () => {
    const service = { ...settled, deployments: [{ ...settled.deployments![0]!, rolloutState: undefined }] };
    expect(judged(service).failed).toEqual({});
  });

  test('scaled to zero passes with no tasks', () => {
    const service = { ...settled, desiredCount: 0, runningCount: 0 };
    expect(judged(service, { running: [], stopped: [] }).failed).toEqual({});
  });
});

describe('talking to ECS', () => {
  const ecsMock = mockClient(ECSClient);
  const ecs = new ECSClient({ region: 'us-east-1' });
  afterEach(() => ecsMock.reset());

  /** Answers like ECS, including its limits: 10 services and 100 tasks per Describe call. */
  function fleet(serviceCount: number, tasksPerService: number) {
    const names = Array.from({ length: serviceCount }, (_, i) => `svc-${i}`);
    const taskArn = (name: string, i: number) => `arn:aws:ecs:us-east-1:123456789012:task/c/${name}-${i}`;
    ecsMock.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => {
      if (services.length > 10) throw new ClientException({ message: 'too many services', $metadata: {} });
      return {
        services: services.map((name) => ({
          ...settled,
          serviceName: name,
          desiredCount: tasksPerService,
          runningCount: tasksPerService,
        })),
        failures: [],
      };
    });
    ecsMock.on(ListTasksCommand).callsFake(({ serviceName, desiredStatus }) => ({
      taskArns:
        desiredStatus === 'RUNNING'
          ? Array.from({ length: tasksPerService }, (_, i) => taskArn(serviceName, i))
          : [],
    }));
    ecsMock.on(DescribeTasksCommand).callsFake(({ tasks }: { tasks: string[] }) => {
      if (tasks.length > 100) throw new ClientException({ message: 'too many tasks', $metadata: {} });
      return { tasks: tasks.map((arn) => task(arn.split('/').pop()!, { taskArn: arn })) };
    });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: definition });
    return names;
  }

  test('many services: one DescribeServices per 10 services, one DescribeTasks per 100 tasks', async () => {
    const names = fleet(23, 7);
    const expectations = await expectServices(ecs, { cluster: 'c', services: names });
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(3);
    // All share one revision, described once.
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(expectations[0]).toMatchObject({ service: 'svc-0', since: DEPLOYED_AT, targetGroupArns: [] });

    ecsMock.resetHistory();
    const checks = await probeServices(ecs, 'c', expectations, {
      deadline: 0,
      clock: virtualClock(),
      backoff: { baseMs: 1, capMs: 1 },
      logger: memoryLogger(),
    });
    expect(checks).toHaveLength(23 * 6);
    expect(checks.every((c) => c.verdict === 'pass')).toBe(true);
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(3);
    expect(ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks!.length)).toEqual([
      100, 61,
    ]);
  });

  test('an unknown cluster, service or revision is a configuration error before any task is looked at', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    await expect(expectServices(ecs, { cluster: 'nope', services: ['web'] })).rejects.toMatchObject({
      code: PRB.CLUSTER_NOT_FOUND,
      message: 'Input "cluster": cluster "nope" was not found.',
    });

    ecsMock.on(DescribeServicesCommand).resolves({ services: [settled], failures: [{ reason: 'MISSING' }] });
    await expect(expectServices(ecs, { cluster: 'c', services: ['web', 'ghost'] })).rejects.toMatchObject({
      code: PRB.SERVICE_NOT_FOUND,
      message: 'Input "services": "ghost" not found in cluster "c".',
    });

    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    await expect(
      expectServices(ecs, { cluster: 'c', services: ['web'], taskDefinition: 'web:9' }),
    ).rejects.toMatchObject({
      code: PRB.TASK_DEFINITION_NOT_FOUND,
    });
    expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(0);
  });

  test('since defaults to when the expected revision was deployed, even after a rollback made another primary', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          ...settled,
          loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 8000 }],
          deployments: [
            { id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: OLD, createdAt: later(60) },
            { id: 'ecs-svc/2', status: 'ACTIVE', taskDefinition: NEW, createdAt: DEPLOYED_AT },
          ],
        },
      ],
    });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: definition });
    const [web] = await expectServices(ecs, { cluster: 'c', services: ['web'], taskDefinition: NEW });
    expect(web).toMatchObject({ since: DEPLOYED_AT, targetGroupArns: ['arn:tg'] });
  });
});
