import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { runOneOffTask } from '@slipway/ecs/src/one-off';
import { Clock, memoryLogger, systemClock, virtualClock } from '@slipway/kit';

const ecsMock = mockClient(ECSClient);
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/c/0123456789abcdef';
const service = { serviceName: 'api', launchType: 'FARGATE' as const };
const task = { command: ['migrate'], when: 'before' as const, timeoutSeconds: 5 };

beforeEach(() => {
  ecsMock.reset();
  // No awslogs configuration: no log to stream.
  ecsMock
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: { containerDefinitions: [{ name: 'app' }] } });
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] });
  ecsMock.on(StopTaskCommand).resolves({});
});

const run = (clock: Clock, extra: { signal?: AbortSignal; pollMs?: number } = {}) =>
  runOneOffTask('c', service, 'api:7', task, {
    ecs: new ECSClient({ region: 'us-east-1' }),
    logs: () => new CloudWatchLogsClient({ region: 'us-east-1' }),
    logger: memoryLogger(),
    clock,
    ...extra,
  });

test('a task that stops with exit code 0 succeeds, looked at once a poll interval', async () => {
  ecsMock
    .on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] })
    .resolves({
      tasks: [{ taskArn: TASK, lastStatus: 'STOPPED', containers: [{ name: 'app', exitCode: 0 }] }],
    });
  const clock = virtualClock(0);
  expect(await run(clock, { pollMs: 700 })).toMatchObject({
    status: 'SUCCEEDED',
    exitCode: 0,
    durationMs: 700,
  });
  expect(clock.slept).toEqual([700]);
  expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
});

test('a task still running at its timeout is looked at once more then, and stopped', async () => {
  const clock = virtualClock(0);
  const result = await run(clock, { pollMs: 2_000 });
  expect(result).toMatchObject({ status: 'TIMED_OUT', durationMs: 5_000 });
  expect(clock.slept).toEqual([2_000, 2_000, 1_000]);
  expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(4);
  expect(ecsMock.commandCalls(StopTaskCommand)[0]!.args[0].input).toMatchObject({
    task: TASK,
    reason: 'Stopped by Slipway after 5 s.',
  });
});

test('a cancelled job stops the task at once, not after the poll interval', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(new Error('cancelled')), 20);
  const result = await run(systemClock, { signal: controller.signal, pollMs: 60_000 });
  expect(result).toMatchObject({ status: 'CANCELLED' });
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(ecsMock.commandCalls(StopTaskCommand)[0]!.args[0].input.reason).toBe(
    'Cancelled by Slipway: the job was cancelled.',
  );
});
