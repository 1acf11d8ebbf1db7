import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { classify, diagnose, StoppedTask } from '@slipway/ecs/src/diagnose';
import { memoryLogger } from '@slipway/kit';
import described from '../../fixtures/fargate-task-definition.json';

const stopped = (t: Partial<StoppedTask>): StoppedTask => ({
  taskId: 't1',
  containers: [],
  logTail: [],
  ...t,
});

describe('classify', () => {
  test.each<[string, StoppedTask[], RegExp]>([
    [
      'image pull failure',
      [
        stopped({
          stopCode: 'TaskFailedToStart',
          stoppedReason:
            'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
        }),
      ],
      /could not pull the image/,
    ],
    [
      'secrets access denied',
      [
        stopped({
          stoppedReason:
            'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: AccessDeniedException',
        }),
      ],
      /could not read its secrets/,
    ],
    [
      'OOM',
      [
        stopped({
          containers: [
            { name: 'api', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          ],
        }),
      ],
      /out of memory/,
    ],
    [
      'health check',
      [stopped({ stoppedReason: 'Task failed container health checks' })],
      /failed its health check/,
    ],
    [
      'ELB health check',
      [stopped({ stoppedReason: 'Task failed ELB health checks in (target-group arn:…)' })],
      /load balancer health check/,
    ],
    [
      'non-zero exit',
      [
        stopped({
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'api', exitCode: 3 }],
        }),
      ],
      /exited with code 3 \(container api\)/,
    ],
  ])('%s', (_name, tasks, title) => {
    expect(classify(tasks, 'deployment failed').title).toMatch(title);
  });

  test('no stopped tasks and a timeout means a slow start', () => {
    expect(classify([], 'timeout: no verdict').title).toMatch(/did not become healthy before the timeout/);
  });
});

describe('diagnose', () => {
  const ecs = mockClient(ECSClient);
  const logs = mockClient(CloudWatchLogsClient);
  afterEach(() => {
    ecs.reset();
    logs.reset();
  });

  test('keeps only our deployment’s stopped tasks, reads their log tail from the awslogs stream, and events since the deploy', async () => {
    const td = described.taskDefinition.taskDefinitionArn;
    ecs.on(ListTasksCommand).resolves({
      taskArns: [
        'arn:aws:ecs:us-east-1:123456789012:task/c/aaa',
        'arn:aws:ecs:us-east-1:123456789012:task/c/bbb',
      ],
    });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/aaa',
          startedBy: 'ecs-svc/2',
          taskDefinitionArn: td,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          stoppedAt: new Date('2026-11-23T10:01:00Z'),
          containers: [
            { name: 'api', exitCode: 1 },
            { name: 'log-router', exitCode: 0 },
          ],
        },
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/bbb',
          startedBy: 'ecs-svc/1',
          taskDefinitionArn: 'other:1',
          stopCode: 'ServiceSchedulerInitiated',
        },
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described.taskDefinition as never });
    logs.on(GetLogEventsCommand, { logGroupName: '/ecs/deals-api', logStreamName: 'ecs/api/aaa' }).resolves({
      events: [
        { message: 'Traceback (most recent call last):' },
        { message: 'psycopg2.OperationalError: connection refused' },
      ],
    });

    const diagnosis = await diagnose({
      ecs: new ECSClient({ region: 'us-east-1' }),
      logs: () => new CloudWatchLogsClient({ region: 'us-east-1' }),
      cluster: 'c',
      serviceName: 'web',
      deploymentId: 'ecs-svc/2',
      taskDefinitionArn: td,
      lastEventBefore: 'e1',
      reason: 'failed',
      logger: memoryLogger(),
      service: {
        events: [
          {
            id: 'e3',
            createdAt: new Date('2026-11-23T10:02:00Z'),
            message: '(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.',
          },
          {
            id: 'e2',
            createdAt: new Date('2026-11-23T10:00:30Z'),
            message: '(service web) has started 2 tasks: (task aaa).',
          },
          {
            // Our clock may be ahead of or behind AWS's: the event id, not its time, marks the cut.
            id: 'e1',
            createdAt: new Date('2026-11-23T10:00:31Z'),
            message: '(service web) has reached a steady state.',
          },
        ],
      },
    });
    expect(diagnosis.stoppedTasks.map((t) => t.taskId)).toEqual(['aaa']);
    expect(diagnosis.stoppedTasks[0]!.logTail).toEqual([
      'Traceback (most recent call last):',
      'psycopg2.OperationalError: connection refused',
    ]);
    expect(diagnosis.cause.title).toMatch(/exited with code 1 \(container api\)/);
    expect(diagnosis.events).toEqual([
      '2026-11-23T10:00:30.000Z (service web) has started 2 tasks: (task aaa).',
      '2026-11-23T10:02:00.000Z (service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.',
    ]);
  });

  test('an ECS error while reading tasks becomes a warning, not a lost verdict', async () => {
    ecs.on(ListTasksCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const logger = memoryLogger();
    const diagnosis = await diagnose({
      ecs: new ECSClient({ region: 'us-east-1', maxAttempts: 1 }),
      logs: () => new CloudWatchLogsClient({ region: 'us-east-1' }),
      cluster: 'c',
      serviceName: 'web',
      deploymentId: 'ecs-svc/2',
      taskDefinitionArn: 'x',
      lastEventBefore: undefined,
      reason: 'tasks failed to start',
      logger,
      service: undefined,
    });
    expect(diagnosis.stoppedTasks).toEqual([]);
    expect(logger.lines.join('\n')).toMatch(/Could not read the stopped tasks of web: denied/);
  });
});
