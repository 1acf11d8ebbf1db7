import type {
  ContainerDefinition,
  DescribeServicesResponse,
  DescribeTasksResponse,
  ListTasksResponse,
  RegisterTaskDefinitionResponse,
  RunTaskResponse,
  Service,
  Task,
} from '@aws-sdk/client-ecs';
import type { GetLogEventsResponse } from '@aws-sdk/client-cloudwatch-logs';
import { TIMING, createSimulatedAws, type SimulatedAws, type SimulatedAwsSettings } from '@slipway/sandbox';

const START = Date.UTC(2025, 0, 1);
const HEALTH_CHECK = { command: ['CMD-SHELL', 'curl -f http://localhost:3000/health || exit 1'] };

function simulatedAws(timing?: SimulatedAwsSettings['timing']): SimulatedAws {
  const aws: SimulatedAws = createSimulatedAws({
    region: 'us-east-1',
    accountId: '123456789012',
    clusters: ['default'],
    seed: 7,
    wallClock: () => START + aws.simulatedSeconds * 1000,
    timing,
  });
  return aws;
}

function register(aws: SimulatedAws, image: string, container: Partial<ContainerDefinition> = {}): string {
  const response = aws.call<RegisterTaskDefinitionResponse>('RegisterTaskDefinition', {
    family: 'web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: 'arn:aws:iam::123456789012:role/web-execution',
    containerDefinitions: [
      {
        name: 'app',
        image,
        portMappings: [{ containerPort: 3000 }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/web',
            'awslogs-stream-prefix': 'ecs',
            'awslogs-region': 'us-east-1',
          },
        },
        ...container,
      },
    ],
  });
  return response.taskDefinition?.taskDefinitionArn ?? '';
}

function describeService(aws: SimulatedAws, name = 'web'): Service {
  const response = aws.call<DescribeServicesResponse>('DescribeServices', { services: [name] });
  const service = response.services?.[0];
  if (!service) throw new Error(`service ${name} not found`);
  return service;
}

function tasks(aws: SimulatedAws, filter: { serviceName?: string; desiredStatus?: string } = {}): Task[] {
  const arns = aws.call<ListTasksResponse>('ListTasks', filter).taskArns ?? [];
  if (arns.length === 0) return [];
  return aws.call<DescribeTasksResponse>('DescribeTasks', { tasks: arns }).tasks ?? [];
}

function runTask(aws: SimulatedAws, taskDefinition: string): () => Task {
  const taskArn = aws.call<RunTaskResponse>('RunTask', { taskDefinition, launchType: 'FARGATE' }).tasks?.[0]
    ?.taskArn;
  return () => {
    const task = aws.call<DescribeTasksResponse>('DescribeTasks', { tasks: [taskArn] }).tasks?.[0];
    if (!task) throw new Error(`task ${taskArn} vanished`);
    return task;
  };
}

/** Advances one simulated second at a time until the condition holds. */
function advanceUntil(aws: SimulatedAws, what: string, condition: () => boolean, maxSeconds = 900): void {
  for (let second = 0; second < maxSeconds; second++) {
    if (condition()) return;
    aws.advance(1);
  }
  throw new Error(`Not true after ${maxSeconds} simulated seconds: ${what}`);
}

function createService(aws: SimulatedAws, taskDefinition: string, extra: object = {}): void {
  aws.call('CreateService', {
    serviceName: 'web',
    taskDefinition,
    desiredCount: 2,
    launchType: 'FARGATE',
    ...extra,
  });
}

const primary = (service: Service) => service.deployments?.[0];
const messages = (service: Service) => (service.events ?? []).map((e) => e.message ?? '');
/** Newest first, leaving out the replacement launches that land in the same step. */
const messagesBesidesStarts = (service: Service) =>
  messages(service).filter((m) => !m.includes(' has started '));

function completedService(aws: SimulatedAws, extra: object = {}): { v1: string; firstDeployment: string } {
  const v1 = register(aws, 'repo/web:v1');
  createService(aws, v1, extra);
  advanceUntil(
    aws,
    'first rollout completes',
    () => primary(describeService(aws))?.rolloutState === 'COMPLETED',
  );
  return { v1, firstDeployment: primary(describeService(aws))?.id ?? '' };
}

describe('sandbox task lifecycle', () => {
  it('provisions for 10 s, pends for 20 s, runs, and reports a container health check HEALTHY 15 s later', () => {
    const aws = simulatedAws();
    const task = runTask(aws, register(aws, 'repo/web:v1', { healthCheck: HEALTH_CHECK }));

    expect(task().lastStatus).toBe('PROVISIONING');
    aws.advance(TIMING.provisioningSeconds - 1);
    expect(task().lastStatus).toBe('PROVISIONING');
    aws.advance(1);
    expect(task().lastStatus).toBe('PENDING');
    aws.advance(TIMING.pendingSeconds - 1);
    expect(task().lastStatus).toBe('PENDING');
    aws.advance(1);
    expect(task()).toMatchObject({
      lastStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      connectivity: 'CONNECTED',
    });
    expect(task().startedAt).toEqual(new Date(START + 30_000));
    aws.advance(TIMING.healthCheckSeconds);
    expect(task().healthStatus).toBe('HEALTHY');
    expect(task().containers?.[0]?.healthStatus).toBe('HEALTHY');
  });

  it('takes the task durations it is given: a longer rollout for benchmarks in real time', () => {
    const timing = {
      provisioningSeconds: 15,
      pendingSeconds: 30,
      healthCheckSeconds: 20,
      stoppingSeconds: 5,
    };
    const aws = simulatedAws(timing);
    createService(aws, register(aws, 'repo/web:v1'));
    aws.advance(1); // the scheduler's first step launches the tasks
    aws.advance(timing.provisioningSeconds + timing.pendingSeconds - 1);
    expect(primary(describeService(aws))).toMatchObject({ runningCount: 0, pendingCount: 2 });
    aws.advance(1);
    expect(primary(describeService(aws))).toMatchObject({ runningCount: 2, pendingCount: 0 });
    aws.advance(timing.healthCheckSeconds - 1);
    expect(primary(describeService(aws))?.rolloutState).toBe('IN_PROGRESS');
    aws.advance(1);
    expect(primary(describeService(aws))?.rolloutState).toBe('COMPLETED');
    expect(() => simulatedAws({ pendingSeconds: -1 })).toThrow(/timing.pendingSeconds/);
  });

  it('takes four times as long to start a slow-start image', () => {
    const aws = simulatedAws();
    const task = runTask(aws, register(aws, 'repo/slow-web:v1'));
    const normalStart = TIMING.provisioningSeconds + TIMING.pendingSeconds;

    aws.advance(normalStart * TIMING.slowStartFactor - 1);
    expect(task().lastStatus).toBe('PENDING');
    aws.advance(1);
    expect(task().lastStatus).toBe('RUNNING');
  });

  it('stops a crashing container with exit code 1 and no container reason', () => {
    const aws = simulatedAws();
    const task = runTask(aws, register(aws, 'repo/web-crash:v2'));

    aws.advance(TIMING.provisioningSeconds + TIMING.pendingSeconds + TIMING.crashAfterSeconds);
    expect(task()).toMatchObject({
      lastStatus: 'STOPPING',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    aws.advance(TIMING.stoppingSeconds);
    const stopped = task();
    expect(stopped.lastStatus).toBe('STOPPED');
    expect(stopped.stoppedAt).toBeInstanceOf(Date);
    expect(stopped.containers?.[0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 1 });
    expect(stopped.containers?.[0]?.reason).toBeUndefined();
  });

  it('kills an out-of-memory container with exit code 137 and the OutOfMemoryError reason', () => {
    const aws = simulatedAws();
    const task = runTask(aws, register(aws, 'repo/web-oom:v2'));

    aws.advance(
      TIMING.provisioningSeconds + TIMING.pendingSeconds + TIMING.oomAfterSeconds + TIMING.stoppingSeconds,
    );
    expect(task()).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(task().containers?.[0]).toMatchObject({
      exitCode: 137,
      reason: 'OutOfMemoryError: Container killed due to memory usage',
    });
  });

  it('never runs an image that cannot be pulled', () => {
    const aws = simulatedAws();
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:does-not-exist';
    const task = runTask(aws, register(aws, image));

    aws.advance(600);
    const stopped = task();
    const reference = `${image}: ${image}: not found`;
    expect(stopped).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart' });
    expect(stopped.stoppedReason).toBe(
      `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${reference}`,
    );
    expect(stopped.startedAt).toBeUndefined();
    expect(stopped.containers?.[0]?.exitCode).toBeUndefined();
  });

  it('fails to start when the execution role may not read the secrets', () => {
    const aws = simulatedAws();
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:web/db-AbCdEf';
    const task = runTask(
      aws,
      register(aws, 'repo/web:secrets-denied', { secrets: [{ name: 'DB_PASSWORD', valueFrom: secret }] }),
    );

    aws.advance(TIMING.provisioningSeconds + TIMING.secretsFailAfterSeconds + TIMING.stoppingSeconds);
    const stopped = task();
    expect(stopped).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart' });
    expect(stopped.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: /,
    );
    expect(stopped.stoppedReason).toContain(
      `AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/web-execution/${stopped.taskArn?.split('/').pop()}`,
    );
    expect(stopped.stoppedReason).toContain(`secretsmanager:GetSecretValue on resource: ${secret}`);
  });

  it('leaves an unhealthy standalone task running: only the service scheduler replaces unhealthy tasks', () => {
    const aws = simulatedAws();
    const task = runTask(aws, register(aws, 'repo/web-unhealthy:v2', { healthCheck: HEALTH_CHECK }));

    aws.advance(120);
    expect(task()).toMatchObject({ lastStatus: 'RUNNING', healthStatus: 'UNHEALTHY' });
  });

  it('follows setScenario over the image name', () => {
    const aws = simulatedAws();
    aws.setScenario('repo/web:v7', 'crash');
    const task = runTask(aws, register(aws, 'repo/web:v7'));

    aws.advance(60);
    expect(task().stopCode).toBe('EssentialContainerExited');
  });
});

describe('sandbox rolling deployments', () => {
  it('rolls out a new service and reports completion, then a steady state', () => {
    const aws = simulatedAws();
    const { firstDeployment } = completedService(aws);

    const service = describeService(aws);
    const started = tasks(aws, { serviceName: 'web' }).map((t) => `(task ${t.taskArn?.split('/').pop()})`);
    expect(messages(service)).toEqual([
      '(service web) has reached a steady state.',
      `(service web) (deployment ${firstDeployment}) deployment completed.`,
      `(service web) has started 2 tasks: ${started.join(' ')}.`,
    ]);
    expect(service).toMatchObject({ runningCount: 2, pendingCount: 0, desiredCount: 2 });
    expect(primary(service)).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      rolloutStateReason: `ECS deployment ${firstDeployment} completed.`,
    });
    expect(firstDeployment).toMatch(/^ecs-svc\/\d{19}$/);
    expect(aws.marks()).toEqual([
      expect.objectContaining({ service: 'web', deploymentId: firstDeployment, rolloutState: 'COMPLETED' }),
    ]);
  });

  it('replaces tasks within maximumPercent, never below minimumHealthyPercent, and drains the old deployment', () => {
    const aws = simulatedAws();
    const v1 = register(aws, 'repo/web:v1', { healthCheck: HEALTH_CHECK });
    createService(aws, v1);
    advanceUntil(
      aws,
      'first rollout completes',
      () => primary(describeService(aws))?.rolloutState === 'COMPLETED',
    );
    const oldDeployment = primary(describeService(aws))?.id;
    const oldTasks = tasks(aws, { serviceName: 'web' }).map((t) => t.taskArn);

    const v2 = register(aws, 'repo/web:v2', { healthCheck: HEALTH_CHECK });
    aws.call('UpdateService', { service: 'web', taskDefinition: v2 });
    const during = describeService(aws);
    expect(during.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'IN_PROGRESS'],
      ['ACTIVE', 'COMPLETED'],
    ]);
    expect(during.taskDefinition).toBe(v2);

    advanceUntil(aws, 'second rollout completes', () => {
      const live = tasks(aws, { serviceName: 'web' });
      expect(live.length).toBeLessThanOrEqual(4);
      expect(
        live.filter((t) => t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY').length,
      ).toBeGreaterThanOrEqual(2);
      return primary(describeService(aws))?.rolloutState === 'COMPLETED';
    });

    const service = describeService(aws);
    expect(service.deployments).toHaveLength(1);
    expect(tasks(aws, { serviceName: 'web' }).every((t) => t.taskDefinitionArn === v2)).toBe(true);
    const drained = tasks(aws, { serviceName: 'web', desiredStatus: 'STOPPED' });
    expect(drained.map((t) => t.taskArn).sort()).toEqual([...oldTasks].sort());
    for (const task of drained) {
      expect(task).toMatchObject({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${oldDeployment})`,
        group: 'service:web',
        startedBy: oldDeployment,
        taskDefinitionArn: v1,
      });
    }
    expect(messages(service).slice(0, 3)).toEqual([
      '(service web) has reached a steady state.',
      `(service web) (deployment ${primary(service)?.id}) deployment completed.`,
      `(service web) has stopped 2 running tasks: ${drained.map((t) => `(task ${t.taskArn?.split('/').pop()})`).join(' ')}.`,
    ]);
  });

  it('rescales for desiredCount alone; only a new task definition or forceNewDeployment starts a deployment', () => {
    const aws = simulatedAws();
    const { v1, firstDeployment } = completedService(aws);

    aws.call('UpdateService', { service: 'web', desiredCount: 3, taskDefinition: v1 });
    expect(describeService(aws).deployments?.map((d) => d.id)).toEqual([firstDeployment]);
    advanceUntil(aws, 'three tasks run', () => describeService(aws).runningCount === 3);
    advanceUntil(aws, 'steady again', () =>
      Boolean(messages(describeService(aws))[0]?.endsWith('has reached a steady state.')),
    );
    expect(messages(describeService(aws)).filter((m) => m.endsWith('steady state.'))).toHaveLength(2);

    aws.call('UpdateService', { service: 'web', forceNewDeployment: true });
    const forced = describeService(aws).deployments ?? [];
    expect(forced.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    expect(forced[0]?.taskDefinition).toBe(v1);
    expect(forced[1]?.id).toBe(firstDeployment);
  });

  it('stops, replaces and does not count a task stopped by the user', () => {
    const aws = simulatedAws();
    completedService(aws);
    const victim = tasks(aws, { serviceName: 'web' })[0]?.taskArn;

    const stopped = aws.call<{ task: Task }>('StopTask', { task: victim });
    expect(stopped.task).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated' });
    expect(stopped.task.stoppedReason).toBe('Task stopped by user');
    advanceUntil(aws, 'replacement runs', () => describeService(aws).runningCount === 2);
    expect(primary(describeService(aws))?.failedTasks).toBe(0);
  });
});

describe('sandbox failing deployments', () => {
  it('retries a crashing deployment forever without a circuit breaker while the old tasks keep serving', () => {
    const aws = simulatedAws();
    const { firstDeployment } = completedService(aws);
    aws.call('UpdateService', { service: 'web', taskDefinition: register(aws, 'repo/web-crash:v2') });

    aws.advance(900);
    const service = describeService(aws);
    expect(primary(service)?.rolloutState).toBe('IN_PROGRESS');
    expect(primary(service)?.failedTasks).toBeGreaterThan(20);
    expect(service.deployments?.[1]).toMatchObject({ id: firstDeployment, runningCount: 2 });
    expect(aws.marks().map((m) => m.rolloutState)).toEqual(['COMPLETED']);
  });

  it('trips the circuit breaker at the documented threshold and rolls back to the last completed deployment', () => {
    const aws = simulatedAws();
    const breaker = { deploymentCircuitBreaker: { enable: true, rollback: true } };
    const { v1, firstDeployment } = completedService(aws, {
      desiredCount: 1,
      deploymentConfiguration: breaker,
    });
    const v2 = register(aws, 'repo/web-crash:v2');
    aws.call('UpdateService', { service: 'web', taskDefinition: v2 });
    const failing = primary(describeService(aws))?.id;

    advanceUntil(aws, 'the breaker trips', () => describeService(aws).taskDefinition === v1);
    const rolledBack = describeService(aws);
    const [rollback, failed] = rolledBack.deployments ?? [];
    expect(failed).toMatchObject({
      id: failing,
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      failedTasks: 3,
    });
    expect(rollback).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: v1,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${firstDeployment}.`,
    });
    expect(messagesBesidesStarts(rolledBack).slice(0, 2)).toEqual([
      `(service web) rolling back to deployment ${firstDeployment}.`,
      `(service web) (deployment ${failing}) deployment failed: tasks failed to start.`,
    ]);

    advanceUntil(
      aws,
      'the rollback completes',
      () => primary(describeService(aws))?.rolloutState === 'COMPLETED',
    );
    expect(describeService(aws).deployments).toHaveLength(1);
    expect(aws.marks().map((m) => [m.deploymentId, m.rolloutState])).toEqual([
      [firstDeployment, 'COMPLETED'],
      [failing, 'FAILED'],
      [rollback?.id, 'COMPLETED'],
    ]);
  });

  it('keeps a failed deployment PRIMARY and starts no more of its tasks when rollback is off', () => {
    const aws = simulatedAws();
    const breaker = { deploymentCircuitBreaker: { enable: true, rollback: false } };
    const { firstDeployment } = completedService(aws, { deploymentConfiguration: breaker });
    aws.call('UpdateService', { service: 'web', taskDefinition: register(aws, 'repo/web:pull-fail') });
    const failing = primary(describeService(aws))?.id;

    advanceUntil(aws, 'the breaker trips', () => primary(describeService(aws))?.rolloutState === 'FAILED');
    const startedByFailing = () =>
      [
        ...tasks(aws, { serviceName: 'web' }),
        ...tasks(aws, { serviceName: 'web', desiredStatus: 'STOPPED' }),
      ].filter((t) => t.startedBy === failing).length;
    const before = startedByFailing();
    aws.advance(600);

    expect(startedByFailing()).toBe(before);
    const service = describeService(aws);
    expect(primary(service)).toMatchObject({ id: failing, status: 'PRIMARY', rolloutState: 'FAILED' });
    expect(service.deployments?.[1]).toMatchObject({ id: firstDeployment, runningCount: 2 });
  });

  it('has the scheduler stop tasks that fail their container health checks, with ECS texts', () => {
    const aws = simulatedAws();
    createService(aws, register(aws, 'repo/web-unhealthy:v2', { healthCheck: HEALTH_CHECK }), {
      desiredCount: 1,
    });

    advanceUntil(
      aws,
      'a task is stopped',
      () => tasks(aws, { serviceName: 'web', desiredStatus: 'STOPPED' }).length > 0,
    );
    const [stopped] = tasks(aws, { serviceName: 'web', desiredStatus: 'STOPPED' });
    const taskId = stopped?.taskArn?.split('/').pop();
    expect(stopped).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
      healthStatus: 'UNHEALTHY',
    });
    expect(messagesBesidesStarts(describeService(aws)).slice(0, 2)).toEqual([
      `(service web) has stopped 1 running tasks: (task ${taskId}).`,
      `(service web) (task ${taskId}) failed container health checks.`,
    ]);
    expect(primary(describeService(aws))?.failedTasks).toBe(1);
  });
});

describe('sandbox container logs', () => {
  it('writes the scenario output to the awslogs group and <prefix>/<container>/<task id> stream', () => {
    const aws = simulatedAws();
    const task = runTask(aws, register(aws, 'repo/web-crash:v2'));
    aws.advance(60);
    const taskId = task().taskArn?.split('/').pop();

    const logs = aws.call<GetLogEventsResponse>('GetLogEvents', {
      logGroupName: '/ecs/web',
      logStreamName: `ecs/app/${taskId}`,
      startFromHead: true,
    });
    const lines = (logs.events ?? []).map((e) => e.message);
    expect(lines).toContain('info: connecting to database at db.internal:5432');
    expect(lines).toContain('Error: connect ECONNREFUSED 10.0.12.34:5432');
    expect(lines.indexOf('Error: connect ECONNREFUSED 10.0.12.34:5432')).toBeGreaterThan(
      lines.indexOf('info: connecting to database at db.internal:5432'),
    );
    expect(logs.events?.[0]?.timestamp).toBe(START + 30_000);
  });
});
