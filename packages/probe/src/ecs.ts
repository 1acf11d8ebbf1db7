import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  DesiredStatus,
  ECSClient,
  ListTasksCommand,
  Service,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { describeServices, findServices } from '@slipway/ecs';
import { ConfigurationError, awsErrorName } from '@slipway/kit';
import { Check, Look, check, passed } from './check';
import { PRB } from './codes';
import { Patience, untilDeadline } from './until-deadline';

export interface EcsProbe {
  cluster: string;
  services: string[];
  /** The revision every running task must be on (default: each service's task definition). */
  taskDefinition?: string;
  /** Tasks of that revision stopped since then fail (default: when its deployment began). */
  since?: Date;
}

/** What a service must show, fixed when validation starts. */
export interface ServiceExpectation {
  service: string;
  taskDefinition: TaskDefinition;
  since: Date;
  targetGroupArns: string[];
}

/** Tasks of one service, by desired status. */
export interface ServiceTasks {
  running: Task[];
  stopped: Task[];
}

/**
 * Reads the services and the revisions they must run before anything is probed, so an unknown cluster,
 * service or revision is a configuration error.
 */
export async function expectServices(ecs: ECSClient, probe: EcsProbe): Promise<ServiceExpectation[]> {
  const services = await findServices(ecs, probe.cluster, probe.services, {
    codes: { clusterNotFound: PRB.CLUSTER_NOT_FOUND, serviceNotFound: PRB.SERVICE_NOT_FOUND },
    // A draining service is reported by its "service status" check.
    activeOnly: false,
  });
  const definitions = new Map<string, Promise<TaskDefinition>>();
  const definition = (ref: string) => {
    if (!definitions.has(ref)) definitions.set(ref, describeTaskDefinition(ecs, ref));
    return definitions.get(ref)!;
  };
  return Promise.all(
    services.map(async (service) => {
      const taskDefinition = await definition(probe.taskDefinition ?? service.taskDefinition!);
      return {
        service: service.serviceName!,
        taskDefinition,
        since: probe.since ?? deploymentStart(service, taskDefinition.taskDefinitionArn!),
        targetGroupArns: (service.loadBalancers ?? []).flatMap((lb) =>
          lb.targetGroupArn ? [lb.targetGroupArn] : [],
        ),
      };
    }),
  );
}

async function describeTaskDefinition(ecs: ECSClient, ref: string): Promise<TaskDefinition> {
  try {
    return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }))).taskDefinition!;
  } catch (error) {
    if (awsErrorName(error) !== 'ClientException') throw error;
    throw new ConfigurationError(
      PRB.TASK_DEFINITION_NOT_FOUND,
      `Input "task-definition-arn": task definition "${ref}" was not found.`,
      { remedy: 'Check the family and revision in this account and region (ecs-deploy outputs the ARN).' },
    );
  }
}

/** When the deployment of the expected revision began; after a rollback that is no longer the primary. */
function deploymentStart(service: Service, taskDefinitionArn: string): Date {
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.taskDefinition === taskDefinitionArn);
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  return (ours ?? primary)?.createdAt ?? new Date(0);
}

/** Looks at every service until all its checks pass, or a failure is final, or the deadline. */
export function probeServices(
  ecs: ECSClient,
  cluster: string,
  expectations: ServiceExpectation[],
  patience: Patience,
): Promise<Check[]> {
  return untilDeadline(async () => {
    const names = expectations.map((e) => e.service);
    const [services, tasks] = await Promise.all([
      describeServices(ecs, cluster, names),
      tasksOf(ecs, cluster, names),
    ]);
    const looks = expectations.map((expectation) =>
      judgeService(
        `${cluster}/${expectation.service}`,
        expectation,
        // Deleted since validation began: not ACTIVE, so a final failure.
        services.find((s) => s.serviceName === expectation.service) ?? { status: 'MISSING' },
        tasks.get(expectation.service)!,
      ),
    );
    return {
      checks: looks.flatMap((l) => l.checks),
      final: looks.every((l) => l.final || l.checks.every(passed)),
    };
  }, patience);
}

async function tasksOf(ecs: ECSClient, cluster: string, names: string[]): Promise<Map<string, ServiceTasks>> {
  const listed = await Promise.all(
    names.map(async (name) => {
      const [running, stopped] = await Promise.all([
        listTasks(ecs, cluster, name, 'RUNNING'),
        listTasks(ecs, cluster, name, 'STOPPED'),
      ]);
      return { name, running, stopped };
    }),
  );
  const arns = listed.flatMap((l) => [...l.running, ...l.stopped]);
  const described = await Promise.all(
    inChunks(arns, 100).map((tasks) => ecs.send(new DescribeTasksCommand({ cluster, tasks }))),
  );
  const byArn = new Map(described.flatMap((d) => d.tasks ?? []).map((t) => [t.taskArn!, t]));
  const pick = (taskArns: string[]) => taskArns.flatMap((arn) => byArn.get(arn) ?? []);
  return new Map(listed.map((l) => [l.name, { running: pick(l.running), stopped: pick(l.stopped) }]));
}

async function listTasks(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  desiredStatus: DesiredStatus,
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

function inChunks<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const nameOf = (arn: string | undefined) => arn?.slice(arn.lastIndexOf('/') + 1) ?? '?';
const timeOf = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Judges one look at a service. A failure is final when waiting cannot mend it: the service is not
 * ACTIVE, its rollout FAILED, or a task of the expected revision has stopped.
 */
export function judgeService(
  target: string,
  expectation: ServiceExpectation,
  service: Service,
  tasks: ServiceTasks,
): Look {
  const expectedArn = expectation.taskDefinition.taskDefinitionArn!;
  const expected = nameOf(expectedArn);
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const running = tasks.running.filter((t) => t.lastStatus === 'RUNNING');
  const ours = running.filter((t) => t.taskDefinitionArn === expectedArn);
  const others = running.filter((t) => t.taskDefinitionArn !== expectedArn);
  const stopped = tasks.stopped.filter(
    (t) => t.taskDefinitionArn === expectedArn && stopTime(t) >= expectation.since.getTime(),
  );
  const desired = service.desiredCount ?? 0;

  const active = service.status === 'ACTIVE';
  const rolloutFailed = primary?.rolloutState === 'FAILED';
  // What the service is, then why it may have failed, then how far it got.
  const checks = [
    check('service status', target, active, service.status ?? 'unknown'),
    stoppedTasks(target, expected, expectation.since, stopped),
    rollout(target, service),
    check(
      'running count',
      target,
      service.runningCount === desired,
      `${service.runningCount ?? 0}/${desired} running`,
    ),
    check(
      'task revision',
      target,
      others.length === 0 && (ours.length > 0 || desired === 0),
      others.length
        ? `${others.length} of ${running.length} running tasks on ${countBy(others, (t) => nameOf(t.taskDefinitionArn))}, expected ${expected}`
        : `${ours.length} running on ${expected}`,
    ),
    containerHealth(target, expectation.taskDefinition, ours, desired),
  ];
  return { checks, final: !active || rolloutFailed || stopped.length > 0 };
}

function rollout(target: string, service: Service): Check {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (!primary) return check('rollout', target, false, 'no primary deployment');
  const on = `${primary.id} on ${nameOf(primary.taskDefinition)}`;
  // Only the ECS deployment controller reports rollout states; others are done when the primary is alone.
  if (!primary.rolloutState) {
    return check('rollout', target, deployments.length === 1, `${on}, ${deployments.length} deployment(s)`);
  }
  const reason =
    primary.rolloutState === 'COMPLETED'
      ? ''
      : primary.rolloutState === 'FAILED'
        ? `: ${primary.rolloutStateReason ?? 'no reason given'}`
        : `: ${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} running`;
  return check(
    'rollout',
    target,
    primary.rolloutState === 'COMPLETED',
    `${on} ${primary.rolloutState}${reason}`,
  );
}

function containerHealth(target: string, definition: TaskDefinition, tasks: Task[], desired: number): Check {
  const checked = (definition.containerDefinitions ?? []).filter((c) => c.healthCheck).map((c) => c.name!);
  if (!checked.length) return check('container health', target, true, 'no container defines a health check');
  const states = tasks.flatMap((task) =>
    (task.containers ?? [])
      .filter((c) => checked.includes(c.name!))
      .map((c) => ({ container: c.name!, task: nameOf(task.taskArn), health: c.healthStatus ?? 'UNKNOWN' })),
  );
  const unhealthy = states.filter((s) => s.health !== 'HEALTHY');
  if (!states.length) {
    return check('container health', target, desired === 0, 'no running task of the revision to check');
  }
  return check(
    'container health',
    target,
    unhealthy.length === 0,
    unhealthy.length
      ? unhealthy.map((s) => `${s.container} ${s.health} in task ${s.task}`).join('; ')
      : `${checked.join(', ')} HEALTHY in ${tasks.length} task(s)`,
  );
}

function stoppedTasks(target: string, expected: string, since: Date, stopped: Task[]): Check {
  if (!stopped.length) {
    return check('stopped tasks', target, true, `none of ${expected} since ${timeOf(since)}`);
  }
  const reasons = countBy(
    stopped,
    (t) => `${t.stopCode ?? 'stopped'}: ${t.stoppedReason ?? 'no reason given'}`,
  );
  const detail = stopped
    .map((t) => {
      const exits = (t.containers ?? [])
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map((c) => `${c.name} exit ${c.exitCode ?? '—'}${c.reason ? ` (${c.reason})` : ''}`);
      return `task ${nameOf(t.taskArn)}: ${t.stopCode ?? 'stopped'} — ${t.stoppedReason ?? 'no reason given'}${exits.length ? `; ${exits.join(', ')}` : ''}`;
    })
    .join('\n');
  return check(
    'stopped tasks',
    target,
    false,
    `${stopped.length} of ${expected} stopped since ${timeOf(since)}: ${reasons}`,
    detail,
  );
}

/** A task counts from the moment its stop began. */
function stopTime(task: Task): number {
  return (task.stoppingAt ?? task.stoppedAt ?? task.executionStoppedAt ?? new Date()).getTime();
}

/** "a ×2, b" — each distinct key once, with its count when above one. */
function countBy<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
}
