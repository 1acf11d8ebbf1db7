import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  Service,
  StopTaskCommand,
  Task,
} from '@aws-sdk/client-ecs';
import {
  ClientFactory,
  Clock,
  Logger,
  SlipwayError,
  awsErrorName,
  done,
  notYet,
  systemClock,
  waitUntil,
} from '@slipway/kit';
import { ECS } from './codes';
import { logStreamOf } from './diagnose';

/** A one-off task run from the deployed revision, before or after the service update (migrations, say). */
export interface OneOffTask {
  command: string[];
  /** The container that runs the command and whose exit code decides; default the first essential one. */
  container?: string;
  when: 'before' | 'after';
  timeoutSeconds: number;
}

export interface OneOffResult {
  taskArn: string;
  container: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';
  exitCode?: number;
  reason: string;
  durationMs: number;
}

export interface OneOffContext {
  ecs: ECSClient;
  logs: ClientFactory<CloudWatchLogsClient>;
  logger: Logger;
  clock?: Clock;
  /** Aborted when the job is cancelled: the task is stopped, not left running. */
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Runs the command in a task of `taskDefinitionArn` with the service's launch and network settings,
 * streams the container's log while it runs, and waits for it to stop: exit code 0 is success.
 */
export async function runOneOffTask(
  cluster: string,
  service: Service,
  taskDefinitionArn: string,
  task: OneOffTask,
  context: OneOffContext,
): Promise<OneOffResult> {
  const { ecs, logger } = context;
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const { taskDefinition: definition } = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }),
  );
  const containers = definition?.containerDefinitions ?? [];
  const container =
    task.container ?? (containers.find((c) => c.essential !== false) ?? containers[0])?.name ?? '';
  if (!containers.some((c) => c.name === container)) {
    throw new SlipwayError(
      ECS.UNKNOWN_CONTAINER,
      `Input "run-task-container": the task definition has no container "${container}" (it has ${containers.map((c) => c.name).join(', ')}).`,
      { remedy: 'Name one of its containers.' },
    );
  }
  const answer = await ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition: taskDefinitionArn,
      ...(service.capacityProviderStrategy?.length
        ? { capacityProviderStrategy: service.capacityProviderStrategy }
        : { launchType: service.launchType }),
      platformVersion: service.platformVersion,
      networkConfiguration: service.networkConfiguration,
      overrides: { containerOverrides: [{ name: container, command: task.command }] },
      startedBy: 'slipway',
      group: `slipway:${service.serviceName}`,
    }),
  );
  const taskArn = answer.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const failure = answer.failures?.[0];
    return finish(
      'FAILED',
      `RunTask failed: ${failure?.reason ?? 'no task'} ${failure?.detail ?? ''}`.trim(),
    );
  }
  const taskId = taskArn.split('/').pop()!;
  logger.info(`One-off task ${taskId} (${container}): ${task.command.join(' ')}`);
  const stream = logStreamOf(definition, container, taskId);
  let nextToken: string | undefined;
  const printNewLogLines = async () => {
    if (!stream) return;
    try {
      const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      const page = await (
        await context.logs()
      ).send(new GetLogEventsCommand({ ...stream, startFromHead: true, nextToken }));
      for (const event of page.events ?? []) logger.info(`  | ${event.message ?? ''}`);
      nextToken = page.nextForwardToken ?? nextToken;
    } catch (error) {
      // The stream appears only once the container has started.
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  };
  const stop = async (reason: string) => {
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason })).catch(() => undefined);
  };

  const waited = await waitUntil(
    async () => {
      const described = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks?.[0];
      await printNewLogLines();
      return described?.lastStatus === 'STOPPED' ? done(described) : notYet(described?.lastStatus);
    },
    {
      deadline: started + task.timeoutSeconds * 1000,
      clock,
      backoff: () => context.pollMs ?? 1000,
      signal: context.signal,
    },
  );
  if (waited.kind === 'done') return verdict(waited.value);
  if (waited.kind === 'aborted') {
    await stop('Cancelled by Slipway: the job was cancelled.');
    return finish('CANCELLED', 'The job was cancelled; the task was stopped.');
  }
  await stop(`Stopped by Slipway after ${task.timeoutSeconds} s.`);
  return finish('TIMED_OUT', `The task ran longer than ${task.timeoutSeconds} s and was stopped.`);

  function verdict(stopped: Task): OneOffResult {
    const exited = stopped.containers?.find((c) => c.name === container);
    const exitCode = exited?.exitCode;
    if (exitCode === 0) return finish('SUCCEEDED', 'exit code 0', exitCode);
    const why =
      exitCode === undefined
        ? (stopped.stoppedReason ?? 'stopped without an exit code')
        : `exit code ${exitCode}`;
    return finish('FAILED', `${why}${exited?.reason ? ` (${exited.reason})` : ''}`, exitCode);
  }

  function finish(status: OneOffResult['status'], reason: string, exitCode?: number): OneOffResult {
    const result = {
      taskArn: taskArn ?? '',
      container,
      status,
      exitCode,
      reason,
      durationMs: clock.now() - started,
    };
    logger.info(`One-off task ${status}: ${reason}.`);
    return result;
  }
}

/** A failed one-off task as the step's error; when it ran first, no service was updated. */
export function oneOffFailure(result: OneOffResult, when: OneOffTask['when']): SlipwayError {
  return new SlipwayError(
    ECS.ONE_OFF_TASK_FAILED,
    `The one-off task (${result.container}) ${result.status === 'FAILED' ? 'failed' : result.status.toLowerCase().replace('_', ' ')}: ${result.reason}. ` +
      (when === 'before' ? 'No service was updated.' : 'The services were already updated.'),
    { remedy: 'Read the task log above; fix the command or what it needs, and run again.' },
  );
}
