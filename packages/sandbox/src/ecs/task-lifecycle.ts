import type { ContainerDefinition, LaunchType, Tag, TaskOverride } from '@aws-sdk/client-ecs';
import type { SimClock } from '../clock';
import type { SeededRandom } from '../random';
import { SCENARIOS, taskScenario, type ScenarioBook } from '../scenarios';
import { TIMING, type TaskTiming } from '../timing';
import { lastSegment } from './arns';
import { fullImageReference, stopReasons } from './messages';
import type {
  ClusterState,
  ContainerState,
  EcsState,
  RegisteredTaskDefinition,
  ScheduledChange,
  TaskState,
} from './model';

export interface LifecycleContext {
  clock: SimClock;
  random: SeededRandom;
  state: EcsState;
  scenarios: ScenarioBook;
  /** How long provisioning, pending, the health verdict and stopping take. */
  timing: TaskTiming;
}

export type TaskHappening =
  'running' | 'healthy' | 'failed-health-checks' | 'failed' | 'command-exited' | 'stopped';

/**
 * A standalone task (RunTask) whose container runs an overridden command, e.g. migrations: the command
 * and its container. Such a task ends by itself, exiting with the code of a trailing `exit N` (else 0).
 */
export function overriddenCommand(task: TaskState): { container: string; command: string[] } | undefined {
  if (task.serviceName) return undefined;
  const override = task.overrides?.containerOverrides?.find((c) => c.command?.length && c.name);
  return override ? { container: override.name!, command: override.command! } : undefined;
}

/** How long the command runs: a `sleep N` in it takes N seconds, anything else TIMING.commandSeconds. */
export function commandSeconds(command: string[]): number {
  return Math.max(TIMING.commandSeconds, Number(/\bsleep (\d+)/.exec(command.join(' '))?.[1] ?? 0));
}

export function commandExitCode(command: string[]): number {
  return Number(/\bexit (\d{1,3})\s*$/.exec(command.join(' '))?.[1] ?? 0);
}

export interface NewTask {
  cluster: ClusterState;
  definition: RegisteredTaskDefinition;
  group: string;
  launchType: LaunchType;
  startedBy?: string;
  serviceName?: string;
  deploymentId?: string;
  overrides?: TaskOverride;
  tags?: Tag[];
  /** Started by a circuit-breaker rollback (what the fails-on-rollback scenario reacts to). */
  rollback?: boolean;
}

export interface StopRequest {
  stopCode: string;
  stoppedReason: string;
}

const AVAILABILITY_ZONES = ['a', 'b', 'c'];

export function createTask(ctx: LifecycleContext, request: NewTask): TaskState {
  const { cluster, definition } = request;
  const id = ctx.random.hex(32);
  const containers = (definition.definition.containerDefinitions ?? []).map((container) =>
    createContainer(ctx, cluster.name, id, container, request.rollback ?? false),
  );
  const culprit = mostSevere(containers);
  const task: TaskState = {
    id,
    arn: ctx.state.arns.task(cluster.name, id),
    clusterName: cluster.name,
    taskDefinitionArn: definition.definition.taskDefinitionArn,
    group: request.group,
    startedBy: request.startedBy,
    serviceName: request.serviceName,
    deploymentId: request.deploymentId,
    launchType: request.launchType,
    cpu: definition.definition.cpu,
    memory: definition.definition.memory,
    availabilityZone: `${ctx.state.arns.region}${AVAILABILITY_ZONES[ctx.random.int(3)]}`,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    stable: false,
    containers,
    culprit,
    next: {
      at: ctx.clock.seconds + ctx.timing.provisioningSeconds * startupFactor(culprit),
      change: 'to-pending',
    },
    times: { createdAt: ctx.clock.wallNow() },
    failed: false,
    version: 1,
    tags: request.tags ?? [],
    overrides: request.overrides,
  };
  cluster.tasks.set(id, task);
  return task;
}

function createContainer(
  ctx: LifecycleContext,
  clusterName: string,
  taskId: string,
  definition: ContainerDefinition,
  rollback: boolean,
): ContainerState {
  const name = definition.name ?? 'container';
  const image = definition.image ?? '';
  const logOptions = definition.logConfiguration?.options ?? {};
  const logGroup =
    definition.logConfiguration?.logDriver === 'awslogs' ? logOptions['awslogs-group'] : undefined;
  const streamPrefix = logOptions['awslogs-stream-prefix'];
  return {
    name,
    image,
    arn: ctx.state.arns.container(clusterName, taskId, ctx.random.uuid()),
    runtimeId: `${taskId}-${ctx.random.digits(10)}`,
    essential: definition.essential ?? true,
    hasHealthCheck: definition.healthCheck !== undefined,
    scenario: taskScenario(ctx.scenarios.forImage(image), rollback),
    lastStatus: 'PENDING',
    healthStatus: 'UNKNOWN',
    cpu: definition.cpu,
    memory: definition.memory,
    memoryReservation: definition.memoryReservation,
    port: definition.portMappings?.[0]?.containerPort ?? 8080,
    logs: logGroup
      ? { group: logGroup, stream: streamPrefix ? `${streamPrefix}/${name}/${taskId}` : `${name}/${taskId}` }
      : undefined,
  };
}

function mostSevere(containers: ContainerState[]): ContainerState {
  const candidates = containers.some((c) => c.essential) ? containers.filter((c) => c.essential) : containers;
  const first = candidates[0];
  if (!first) throw new Error('A task needs at least one container');
  return candidates.reduce(
    (worst, c) => (SCENARIOS[c.scenario].severity > SCENARIOS[worst.scenario].severity ? c : worst),
    first,
  );
}

function startupFactor(culprit: ContainerState): number {
  return SCENARIOS[culprit.scenario].startupFactor;
}

/** Applies every change that is due by now and says what happened, oldest first. */
export function advanceTask(ctx: LifecycleContext, task: TaskState): TaskHappening[] {
  const happenings: TaskHappening[] = [];
  while (task.next && task.next.at <= ctx.clock.seconds) {
    const due = task.next;
    task.next = undefined;
    const happening = applyChange(ctx, task, due);
    if (happening) happenings.push(happening);
  }
  return happenings;
}

function applyChange(
  ctx: LifecycleContext,
  task: TaskState,
  due: ScheduledChange,
): TaskHappening | undefined {
  const now = ctx.clock.wallNow();
  const outcome = SCENARIOS[task.culprit.scenario].outcome;
  const factor = startupFactor(task.culprit);
  task.version++;
  switch (due.change) {
    case 'to-pending': {
      task.lastStatus = 'PENDING';
      task.times.pullStartedAt = now;
      if (outcome.kind === 'fails-to-start') {
        const delay =
          outcome.cause === 'secrets' ? TIMING.secretsFailAfterSeconds : ctx.timing.pendingSeconds * factor;
        task.next = { at: due.at + delay, change: 'start-failure' };
      } else {
        task.next = { at: due.at + ctx.timing.pendingSeconds * factor, change: 'to-running' };
      }
      return undefined;
    }
    case 'to-running': {
      task.lastStatus = 'RUNNING';
      task.times.pullStoppedAt = now;
      task.times.startedAt = now;
      task.times.connectivityAt = now;
      for (const container of task.containers) container.lastStatus = 'RUNNING';
      task.next =
        outcome.kind === 'exits'
          ? { at: due.at + outcome.afterSeconds, change: 'container-exit' }
          : outcome.kind === 'runs' && overriddenCommand(task)
            ? { at: due.at + commandSeconds(overriddenCommand(task)!.command), change: 'command-exit' }
            : { at: due.at + ctx.timing.healthCheckSeconds, change: 'health-verdict' };
      return 'running';
    }
    case 'health-verdict': {
      for (const container of task.containers) {
        if (container.hasHealthCheck) container.healthStatus = 'HEALTHY';
      }
      if (outcome.kind === 'fails-health-checks') {
        task.culprit.healthStatus = 'UNHEALTHY';
        task.healthStatus = 'UNHEALTHY';
        return 'failed-health-checks';
      }
      if (task.containers.some((c) => c.hasHealthCheck)) task.healthStatus = 'HEALTHY';
      task.stable = true;
      return 'healthy';
    }
    case 'container-exit': {
      if (outcome.kind === 'exits') {
        task.culprit.exitCode = outcome.exitCode;
        task.culprit.reason = outcome.containerReason;
      }
      const stop = {
        stopCode: 'EssentialContainerExited',
        stoppedReason: stopReasons.essentialContainerExited,
      };
      beginStop(ctx, task, stop, due.at);
      task.failed = true;
      return 'failed';
    }
    case 'command-exit': {
      const { container, command } = overriddenCommand(task)!;
      const exited = task.containers.find((c) => c.name === container) ?? task.culprit;
      exited.exitCode = commandExitCode(command);
      beginStop(
        ctx,
        task,
        { stopCode: 'EssentialContainerExited', stoppedReason: stopReasons.essentialContainerExited },
        due.at,
      );
      task.failed = exited.exitCode !== 0;
      return 'command-exited';
    }
    case 'start-failure': {
      const reason = startFailureReason(ctx, task);
      task.times.pullStoppedAt = now;
      if (outcome.kind === 'fails-to-start' && outcome.cause === 'image-pull') task.culprit.reason = reason;
      beginStop(ctx, task, { stopCode: 'TaskFailedToStart', stoppedReason: reason }, due.at);
      task.failed = true;
      return 'failed';
    }
    case 'to-stopped': {
      task.lastStatus = 'STOPPED';
      task.times.executionStoppedAt = now;
      task.times.stoppedAt = now;
      task.stoppedAtSimSeconds = due.at;
      for (const container of task.containers) {
        if (container.lastStatus === 'RUNNING' && container.exitCode === undefined) container.exitCode = 0;
        container.lastStatus = 'STOPPED';
      }
      return 'stopped';
    }
  }
}

function startFailureReason(ctx: LifecycleContext, task: TaskState): string {
  const outcome = SCENARIOS[task.culprit.scenario].outcome;
  if (outcome.kind === 'fails-to-start' && outcome.cause === 'secrets') {
    const { region, accountId } = ctx.state.arns;
    const definition = ctx.state.taskDefinitionByArn(task.taskDefinitionArn).definition;
    const roleName = lastSegment(definition.executionRoleArn ?? 'ecsTaskExecutionRole');
    const declared = definition.containerDefinitions
      ?.flatMap((c) => c.secrets ?? [])
      .map((s) => s.valueFrom)
      .find((arn) => arn?.startsWith('arn:aws:secretsmanager:'));
    const secretArn =
      declared ?? `arn:aws:secretsmanager:${region}:${accountId}:secret:${definition.family}/app-Xk2v9Q`;
    const roleArn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${task.id}`;
    return stopReasons.secretsDenied(secretArn, roleArn, ctx.random.uuid());
  }
  return stopReasons.cannotPull(fullImageReference(task.culprit.image));
}

/** Starts stopping a task; false when it was already stopping. */
export function beginStop(
  ctx: LifecycleContext,
  task: TaskState,
  request: StopRequest,
  atSeconds = ctx.clock.seconds,
): boolean {
  if (task.desiredStatus === 'STOPPED') return false;
  task.desiredStatus = 'STOPPED';
  task.lastStatus = 'STOPPING';
  task.stopCode = request.stopCode;
  task.stoppedReason = request.stoppedReason;
  task.times.stoppingAt = ctx.clock.wallNow();
  task.next = { at: atSeconds + ctx.timing.stoppingSeconds, change: 'to-stopped' };
  task.version++;
  return true;
}

export function isLive(task: TaskState): boolean {
  return task.desiredStatus === 'RUNNING';
}

export function isRunning(task: TaskState): boolean {
  return task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING';
}

export function isPending(task: TaskState): boolean {
  return (
    task.desiredStatus === 'RUNNING' && (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING')
  );
}

/**
 * Counts toward the service's healthy tasks: running, and either reported HEALTHY by its container health
 * check or, without one, running through the same window (so crash loops never look healthy).
 */
export function isHealthy(task: TaskState): boolean {
  return isRunning(task) && task.stable;
}
