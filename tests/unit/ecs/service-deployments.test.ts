import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { deploySummary, deployOutputs, type DeployResult } from '@slipway/ecs';
import { diagnose } from '@slipway/ecs/src/diagnose';
import { isOurs, serviceDeploymentFacts } from '@slipway/ecs/src/service-deployments';
import { memoryLogger } from '@slipway/kit';

const ARN = 'arn:aws:ecs:us-east-1:123456789012';
const ours = `${ARN}:service-deployment/c/web/ours`;
const theirs = `${ARN}:service-deployment/c/web/theirs`;

describe('serviceDeploymentFacts', () => {
  test('maps status, reason, circuit breaker, triggered alarms and rollback', () => {
    expect(
      serviceDeploymentFacts({
        serviceDeploymentArn: ours,
        status: 'ROLLBACK_SUCCESSFUL',
        statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
        deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
        alarms: { status: 'TRIGGERED', alarmNames: ['5xx', 'latency'], triggeredAlarmNames: ['5xx'] },
        rollback: {
          reason: 'rolling back',
          startedAt: new Date(0),
          serviceRevisionArn: `${ARN}:service-revision/c/web/1`,
        },
      }),
    ).toEqual({
      arn: ours,
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      circuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      alarmsTriggered: ['5xx'],
      rollback: { reason: 'rolling back', serviceRevisionArn: `${ARN}:service-revision/c/web/1` },
    });
  });

  test('tolerates a sparse answer', () => {
    expect(serviceDeploymentFacts({})).toEqual({ arn: '', status: 'UNKNOWN', alarmsTriggered: [] });
  });

  test('isOurs matches the target revision numbered as our deployment', () => {
    expect(isOurs({ targetServiceRevisionArn: `${ARN}:service-revision/c/web/42` }, 'ecs-svc/42')).toBe(true);
    expect(isOurs({ targetServiceRevisionArn: `${ARN}:service-revision/c/web/43` }, 'ecs-svc/42')).toBe(
      false,
    );
    expect(isOurs({}, 'ecs-svc/42')).toBe(false);
  });
});

describe('diagnose with the service-deployment API', () => {
  const ecs = mockClient(ECSClient);
  afterEach(() => ecs.reset());

  const options = () => ({
    ecs: new ECSClient({ region: 'us-east-1' }),
    logs: () => new CloudWatchLogsClient({ region: 'us-east-1' }),
    cluster: 'c',
    service: undefined,
    serviceName: 'web',
    deploymentId: 'ecs-svc/42',
    taskDefinitionArn: `${ARN}:task-definition/web:7`,
    lastEventBefore: undefined,
    reason: 'failed',
    logger: memoryLogger(),
    startedAt: new Date('2026-11-23T10:00:00Z'),
  });

  test('describes our service deployment, not someone else’s, created since the deploy began', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: theirs, targetServiceRevisionArn: `${ARN}:service-revision/c/web/43` },
        { serviceDeploymentArn: ours, targetServiceRevisionArn: `${ARN}:service-revision/c/web/42` },
      ],
    });
    ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [ours] }).resolves({
      serviceDeployments: [
        {
          serviceDeploymentArn: ours,
          status: 'ROLLBACK_IN_PROGRESS',
          deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 4, threshold: 3 },
        },
      ],
    });
    const diagnosis = await diagnose(options());
    expect(diagnosis.serviceDeployment).toMatchObject({
      arn: ours,
      status: 'ROLLBACK_IN_PROGRESS',
      circuitBreaker: { failureCount: 4, threshold: 3 },
    });
    const listed = ecs.commandCalls(ListServiceDeploymentsCommand)[0]?.args[0].input;
    expect(listed).toMatchObject({ cluster: 'c', service: 'web' });
    expect(listed?.createdAt?.after?.getTime()).toBeLessThanOrEqual(Date.parse('2026-11-23T10:00:00Z'));
  });

  test('no service deployment of ours means none in the diagnosis', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: theirs, targetServiceRevisionArn: `${ARN}:service-revision/c/web/43` },
      ],
    });
    const diagnosis = await diagnose(options());
    expect(diagnosis.serviceDeployment).toBeUndefined();
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
  });

  test.each(['UnknownOperationException', 'AccessDeniedException'])(
    '%s leaves the diagnosis as DescribeServices alone makes it',
    async (name) => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error('nope'), { name }));
      const diagnosis = await diagnose({
        ...options(),
        reason: 'ECS deployment circuit breaker: tasks failed',
      });
      expect(diagnosis).toEqual({
        cause: expect.objectContaining({ title: expect.stringContaining('ECS stopped the deployment') }),
        events: [],
        stoppedTasks: [],
      });
    },
  );
});

describe('report', () => {
  const result: DeployResult = {
    status: 'ROLLED_BACK',
    services: [
      {
        service: 'web',
        status: 'ROLLED_BACK',
        reason: 'circuit breaker tripped.',
        previousTaskDefinitionArn: `${ARN}:task-definition/web:6`,
        taskDefinitionArn: `${ARN}:task-definition/web:7`,
        registered: true,
        controller: 'ECS',
        deploymentId: 'ecs-svc/42',
        changes: [],
        images: ['repo/web:2'],
        durationMs: 1000,
        diagnosis: {
          cause: { title: 'The app exited.', remedy: 'Read the logs.' },
          events: [],
          stoppedTasks: [],
          serviceDeployment: {
            arn: ours,
            status: 'ROLLBACK_SUCCESSFUL',
            statusReason: 'tasks failed to start.',
            circuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
            alarmsTriggered: ['5xx'],
          },
        },
      },
    ],
  };

  test('the summary shows the service deployment’s status, failure count and alarms', () => {
    const markdown = deploySummary(result);
    expect(markdown).toContain('**Service deployment:** `ROLLBACK_SUCCESSFUL` — tasks failed to start.');
    expect(markdown).toContain('circuit breaker TRIGGERED: 3 failed task(s) of threshold 3');
    expect(markdown).toContain('alarms triggered: 5xx');
  });

  test('the results output carries it', () => {
    const [web] = JSON.parse(deployOutputs(result).results ?? '[]') as Record<string, unknown>[];
    expect(web).toMatchObject({
      cause: 'The app exited.',
      serviceDeployment: { status: 'ROLLBACK_SUCCESSFUL', circuitBreaker: { failureCount: 3 } },
    });
  });
});
