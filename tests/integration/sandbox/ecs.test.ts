import {
  ClusterNotFoundException,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  ResourceNotFoundException,
  ServiceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { registerApp } from '../../helpers/ecs';
import { eventually } from '../../helpers/ports';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const HEALTH_CHECK = { command: ['CMD-SHELL', 'wget -q -O- http://localhost:3000/health || exit 1'] };

let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 200, tickMs: 10, region: 'eu-central-1' });
  ecs = new ECSClient({ endpoint: sandbox.url, region: 'eu-central-1', credentials });
});

afterAll(async () => {
  ecs.destroy();
  await sandbox.stop();
});

const register = (family: string, image: string, container: Partial<ContainerDefinition> = {}) =>
  registerApp(ecs, family, image, {
    container,
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
  });

async function describeService(name: string): Promise<Service> {
  const response = await ecs.send(new DescribeServicesCommand({ services: [name] }));
  const service = response.services?.[0];
  if (!service) throw new Error(`service ${name} missing: ${JSON.stringify(response.failures)}`);
  return service;
}

async function describeTask(taskArn: string): Promise<Task> {
  const task = (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks?.[0];
  if (!task) throw new Error(`task ${taskArn} missing`);
  return task;
}

const messages = (service: Service) => (service.events ?? []).map((e) => e.message);
const idOf = (arn: string | undefined) => arn?.split('/').pop();

describe('sandbox ECS API through the AWS SDK', () => {
  it('tags services and task definitions: TagResource merges by key, UntagResource removes, bad ARNs are refused', async () => {
    const taskDefinition = await register('tagged', 'repo/tagged:1');
    const service = await ecs.send(
      new CreateServiceCommand({
        serviceName: 'tagged',
        taskDefinition,
        desiredCount: 0,
        launchType: 'FARGATE',
      }),
    );
    const tagsOf = async (resourceArn: string) =>
      (await ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

    for (const arn of [taskDefinition, service.service!.serviceArn!]) {
      await ecs.send(
        new TagResourceCommand({
          resourceArn: arn,
          tags: [
            { key: 'team', value: 'a' },
            { key: 'pr', value: '7' },
          ],
        }),
      );
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'b' }] }));
      expect(await tagsOf(arn)).toEqual([
        { key: 'pr', value: '7' },
        { key: 'team', value: 'b' },
      ]);
      await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['pr'] }));
      expect(await tagsOf(arn)).toEqual([{ key: 'team', value: 'b' }]);
    }

    await expect(
      ecs.send(new TagResourceCommand({ resourceArn: 'not-an-arn', tags: [{ key: 'k', value: 'v' }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      tagsOf('arn:aws:ecs:eu-central-1:123456789012:service/default/ghost'),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('registers a task definition and describes it back with the describe-only fields', async () => {
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'roundtrip',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        containerDefinitions: [{ name: 'app', image: 'repo/app:1', healthCheck: HEALTH_CHECK }],
        tags: [{ key: 'env', value: 'test' }],
      }),
    );
    const described = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'roundtrip:1', include: ['TAGS'] }),
    );

    expect(described.taskDefinition).toEqual(registered.taskDefinition);
    expect(described.tags).toEqual([{ key: 'env', value: 'test' }]);
    expect(described.taskDefinition).toMatchObject({
      taskDefinitionArn: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/roundtrip:1',
      revision: 1,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
      registeredBy: 'arn:aws:iam::123456789012:root',
      cpu: '512',
      containerDefinitions: [expect.objectContaining({ healthCheck: HEALTH_CHECK })],
    });
    expect(described.taskDefinition?.registeredAt).toBeInstanceOf(Date);
    expect(Math.abs((described.taskDefinition?.registeredAt?.getTime() ?? 0) - Date.now())).toBeLessThan(
      60_000,
    );
    expect(described.taskDefinition?.requiresAttributes).toEqual(
      expect.arrayContaining([
        { name: 'ecs.capability.container-health-check' },
        { name: 'ecs.capability.task-eni' },
      ]),
    );
  });

  it('rolls a healthy service out to COMPLETED with ECS event texts and records a mark', async () => {
    const taskDefinition = await register('healthy', 'repo/healthy:1', { healthCheck: HEALTH_CHECK });
    const created = await ecs.send(
      new CreateServiceCommand({
        serviceName: 'healthy',
        taskDefinition,
        desiredCount: 2,
        launchType: 'FARGATE',
      }),
    );
    expect(created.service?.serviceArn).toBe('arn:aws:ecs:eu-central-1:123456789012:service/default/healthy');
    expect(created.service?.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
    });

    const service = await eventually(
      'the rollout to complete',
      () => describeService('healthy'),
      (s) => s.deployments?.[0]?.rolloutState === 'COMPLETED',
    );
    const deployment = service.deployments?.[0];
    const taskArns = (await ecs.send(new ListTasksCommand({ serviceName: 'healthy' }))).taskArns ?? [];
    expect(service).toMatchObject({ status: 'ACTIVE', desiredCount: 2, runningCount: 2, pendingCount: 0 });
    expect(deployment).toMatchObject({ desiredCount: 2, runningCount: 2, failedTasks: 0, taskDefinition });
    expect(deployment?.id).toMatch(/^ecs-svc\/\d{19}$/);
    expect(messages(service)).toEqual([
      '(service healthy) has reached a steady state.',
      `(service healthy) (deployment ${deployment?.id}) deployment completed.`,
      `(service healthy) has started 2 tasks: ${taskArns.map((arn) => `(task ${idOf(arn)})`).join(' ')}.`,
    ]);
    expect(service.events?.[0]?.createdAt).toBeInstanceOf(Date);
    const tasks = (await ecs.send(new DescribeTasksCommand({ tasks: taskArns }))).tasks ?? [];
    expect(tasks.map((t) => [t.lastStatus, t.healthStatus, t.group, t.startedBy])).toEqual([
      ['RUNNING', 'HEALTHY', 'service:healthy', deployment?.id],
      ['RUNNING', 'HEALTHY', 'service:healthy', deployment?.id],
    ]);
    const mark = sandbox.marks().find((m) => m.deploymentId === deployment?.id);
    expect(mark).toMatchObject({ cluster: 'default', service: 'healthy', rolloutState: 'COMPLETED' });
    expect(mark?.at).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    {
      image: 'repo/app:crash',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      container: { exitCode: 1, reason: undefined },
    },
    {
      image: 'repo/app:oom',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
    },
    {
      image: 'repo/app:pull-fail',
      stopCode: 'TaskFailedToStart',
      stoppedReason:
        'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ' +
        'docker.io/repo/app:pull-fail: docker.io/repo/app:pull-fail: not found',
      container: {
        exitCode: undefined,
        reason:
          'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ' +
          'docker.io/repo/app:pull-fail: docker.io/repo/app:pull-fail: not found',
      },
    },
    {
      image: 'repo/app:secrets-denied',
      stopCode: 'TaskFailedToStart',
      stoppedReason: expect.stringMatching(
        /^ResourceInitializationError: unable to pull secrets or registry auth: .*AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/ecsTaskExecutionRole\//,
      ),
      container: { exitCode: undefined, reason: undefined },
    },
  ])(
    'stops a $image task with stop code $stopCode',
    async ({ image, stopCode, stoppedReason, container }) => {
      const taskDefinition = await register('scenario', image);
      const started = await ecs.send(new RunTaskCommand({ taskDefinition, launchType: 'FARGATE' }));
      const taskArn = started.tasks?.[0]?.taskArn ?? '';

      const task = await eventually(
        'the task to stop',
        () => describeTask(taskArn),
        (t) => t.lastStatus === 'STOPPED',
      );
      expect(task).toMatchObject({
        desiredStatus: 'STOPPED',
        stopCode,
        stoppedReason,
        taskDefinitionArn: taskDefinition,
      });
      expect(task.stoppedAt).toBeInstanceOf(Date);
      const { lastStatus, exitCode, reason } = task.containers?.[0] ?? {};
      expect({ lastStatus, exitCode, reason }).toEqual({ lastStatus: 'STOPPED', ...container });
      const stopped = await ecs.send(new ListTasksCommand({ family: 'scenario', desiredStatus: 'STOPPED' }));
      expect(stopped.taskArns).toContain(taskArn);
    },
  );

  it('has the scheduler stop unhealthy service tasks with "Task failed container health checks"', async () => {
    const taskDefinition = await register('unhealthy', 'repo/app:unhealthy', { healthCheck: HEALTH_CHECK });
    await ecs.send(new CreateServiceCommand({ serviceName: 'unhealthy', taskDefinition, desiredCount: 1 }));

    const stoppedArns = await eventually(
      'an unhealthy task to be stopped',
      async () =>
        (await ecs.send(new ListTasksCommand({ serviceName: 'unhealthy', desiredStatus: 'STOPPED' })))
          .taskArns ?? [],
      (arns) => arns.length > 0,
    );
    const task = await describeTask(stoppedArns[0] ?? '');
    expect(task).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
      healthStatus: 'UNHEALTHY',
      group: 'service:unhealthy',
    });
    expect(messages(await describeService('unhealthy'))).toContain(
      `(service unhealthy) (task ${idOf(task.taskArn)}) failed container health checks.`,
    );
  });

  it('fails a crashing deployment with the circuit breaker and rolls back to the previous task definition', async () => {
    const v1 = await register('breaker', 'repo/breaker:1');
    await ecs.send(
      new CreateServiceCommand({
        serviceName: 'breaker',
        taskDefinition: v1,
        desiredCount: 2,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    const stable = await eventually(
      'the first rollout',
      () => describeService('breaker'),
      (s) => s.deployments?.[0]?.rolloutState === 'COMPLETED',
    );
    const goodDeployment = stable.deployments?.[0]?.id;

    const v2 = await register('breaker', 'repo/breaker:2-crash');
    const updated = await ecs.send(new UpdateServiceCommand({ service: 'breaker', taskDefinition: v2 }));
    const failing = updated.service?.deployments?.[0]?.id;
    expect(updated.service?.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);

    // The FAILED deployment lives only while the rollback runs, a few hundred real milliseconds at this
    // speed, so this test judges durable outcomes; the transient states are unit-tested without timers.
    const recovered = await eventually(
      'the breaker to trip and the rollback to complete',
      () => describeService('breaker'),
      (s) =>
        sandbox.marks().some((m) => m.deploymentId === failing && m.rolloutState === 'FAILED') &&
        s.deployments?.length === 1 &&
        s.deployments[0]?.rolloutState === 'COMPLETED',
    );
    expect(messages(recovered)).toEqual(
      expect.arrayContaining([
        `(service breaker) (deployment ${failing}) deployment failed: tasks failed to start.`,
        `(service breaker) rolling back to deployment ${goodDeployment}.`,
      ]),
    );
    expect(recovered).toMatchObject({ taskDefinition: v1, runningCount: 2 });
    const marks = sandbox.marks().filter((m) => m.service === 'breaker');
    expect(marks.map((m) => m.rolloutState)).toEqual(['COMPLETED', 'FAILED', 'COMPLETED']);
    expect(marks[1]?.deploymentId).toBe(failing);
  });

  it('rejects DescribeServices with more than 10 services and answers typed ECS errors', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `svc-${i}`);
    const tooMany = ecs.send(new DescribeServicesCommand({ services: eleven }));
    await expect(tooMany).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(tooMany).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });

    await expect(
      ecs.send(new DescribeServicesCommand({ cluster: 'nope', services: ['a'] })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(
      ecs.send(new UpdateServiceCommand({ service: 'nope', desiredCount: 1 })),
    ).rejects.toBeInstanceOf(ServiceNotFoundException);
    const missing = await ecs.send(new DescribeServicesCommand({ services: ['ghost'] }));
    expect(missing.failures).toEqual([
      { arn: 'arn:aws:ecs:eu-central-1:123456789012:service/default/ghost', reason: 'MISSING' },
    ]);
  });

  it('is reached through AWS_ENDPOINT_URL_ECS with no endpoint in code', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_ECS;
    process.env.AWS_ENDPOINT_URL_ECS = sandbox.url;
    const fromEnvironment = new ECSClient({ region: 'eu-central-1', credentials });
    try {
      const clusters = await fromEnvironment.send(new ListClustersCommand({}));
      expect(clusters.clusterArns).toEqual(['arn:aws:ecs:eu-central-1:123456789012:cluster/default']);
    } finally {
      fromEnvironment.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ECS;
      else process.env.AWS_ENDPOINT_URL_ECS = saved;
    }
  });
});
