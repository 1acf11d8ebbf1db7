import type {
  DescribeTasksRequest,
  Failure,
  ListTasksRequest,
  RunTaskRequest,
  StopTaskRequest,
} from '@aws-sdk/client-ecs';
import { operation, paginate, type OperationTable } from '../../http/operation';
import { lastSegment } from '../arns';
import { ecsErrors } from '../errors';
import { stopReasons } from '../messages';
import type { ClusterState, TaskState } from '../model';
import { beginStop, createTask, isPending } from '../task-lifecycle';
import { taskView } from '../views';
import { includesTags, type EcsContext } from './context';

const MAX_DESCRIBED_TASKS = 100;
const MAX_RUN_TASK_COUNT = 10;

export function taskOperations({ state, simulation }: EcsContext): OperationTable {
  const ctx = simulation.context;

  const findTask = (cluster: ClusterState, ref: string | undefined): TaskState | undefined =>
    ref ? cluster.tasks.get(lastSegment(ref)) : undefined;

  return {
    RunTask: operation((input: RunTaskRequest) => {
      const cluster = state.cluster(input.cluster);
      const definition = state.usableTaskDefinition(input.taskDefinition);
      const count = input.count ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > MAX_RUN_TASK_COUNT) {
        throw ecsErrors.invalidParameter(`count must be between 1 and ${MAX_RUN_TASK_COUNT}.`);
      }
      const fargate = input.capacityProviderStrategy?.some((s) => s.capacityProvider?.startsWith('FARGATE'));
      const tasks = Array.from({ length: count }, () =>
        createTask(ctx, {
          cluster,
          definition,
          group: input.group ?? `family:${definition.definition.family}`,
          launchType: input.launchType ?? (fargate ? 'FARGATE' : 'EC2'),
          startedBy: input.startedBy,
          overrides: input.overrides,
          tags: input.tags,
        }),
      );
      return { tasks: tasks.map((t) => taskView(cluster, t, true)), failures: [] };
    }),

    StopTask: operation((input: StopTaskRequest) => {
      const cluster = state.cluster(input.cluster);
      const task = findTask(cluster, input.task);
      if (!task) throw ecsErrors.invalidParameter('The referenced task was not found.');
      beginStop(ctx, task, {
        stopCode: 'UserInitiated',
        stoppedReason: input.reason || stopReasons.stoppedByUser,
      });
      return { task: taskView(cluster, task) };
    }),

    DescribeTasks: operation((input: DescribeTasksRequest) => {
      const cluster = state.cluster(input.cluster);
      const refs = input.tasks ?? [];
      if (refs.length === 0) throw ecsErrors.invalidParameter('Tasks cannot be empty.');
      if (refs.length > MAX_DESCRIBED_TASKS) {
        throw ecsErrors.invalidParameter(`tasks can have at most ${MAX_DESCRIBED_TASKS} items.`);
      }
      const failures: Failure[] = [];
      const tasks = refs.flatMap((ref) => {
        const task = findTask(cluster, ref);
        if (task) return [taskView(cluster, task, includesTags(input.include))];
        failures.push({
          arn: ref.startsWith('arn:') ? ref : state.arns.task(cluster.name, ref),
          reason: 'MISSING',
        });
        return [];
      });
      return { tasks, failures };
    }),

    ListTasks: operation((input: ListTasksRequest) => {
      const cluster = state.cluster(input.cluster);
      const serviceName = input.serviceName ? lastSegment(input.serviceName) : undefined;
      if (serviceName && !cluster.services.has(serviceName)) throw ecsErrors.serviceNotFound();
      const desiredStatus = input.desiredStatus ?? 'RUNNING';
      const arns = [...cluster.tasks.values()]
        .filter((t) => (desiredStatus === 'PENDING' ? isPending(t) : t.desiredStatus === desiredStatus))
        .filter((t) => !serviceName || t.serviceName === serviceName)
        .filter((t) => !input.family || familyOf(t.taskDefinitionArn) === input.family)
        .filter((t) => !input.startedBy || t.startedBy === input.startedBy)
        .filter((t) => !input.launchType || t.launchType === input.launchType)
        .map((t) => t.arn);
      const page = paginate(arns, input, { default: 100, max: 100 });
      return { taskArns: page.items, nextToken: page.nextToken };
    }),
  };
}

function familyOf(taskDefinitionArn: string): string {
  return lastSegment(taskDefinitionArn).split(':')[0] ?? '';
}
