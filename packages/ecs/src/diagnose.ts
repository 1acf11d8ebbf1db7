import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Service,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ClientFactory, Logger } from '@slipway/kit';
import {
  ServiceDeploymentFacts,
  describeServiceDeployments,
  findServiceDeployment,
  serviceDeploymentFacts,
} from './service-deployments';

export interface Cause {
  title: string;
  remedy: string;
}

export interface StoppedTask {
  taskId: string;
  stopCode?: string;
  stoppedReason?: string;
  containers: { name: string; exitCode?: number; reason?: string }[];
  logTail: string[];
}

export interface Diagnosis {
  cause: Cause;
  events: string[];
  stoppedTasks: StoppedTask[];
  serviceDeployment?: ServiceDeploymentFacts;
}

const causes = {
  pull: {
    title: 'ECS could not pull the image.',
    remedy:
      'Check that the image URI and tag exist in the registry, that the task execution role may pull it (ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer), and that private subnets reach ECR (NAT gateway or VPC endpoints).',
  },
  secrets: {
    title: 'The task could not read its secrets.',
    remedy:
      'Allow the task execution role secretsmanager:GetSecretValue / ssm:GetParameters (and kms:Decrypt for customer keys) on the secrets named in the task definition, and check they exist in this region.',
  },
  oom: {
    title: 'A container ran out of memory and was killed (exit 137).',
    remedy:
      'Raise the container or task memory, or find what grew: the log tail below shows the last lines before the kill.',
  },
  health: {
    title: 'The container failed its health check, so ECS replaced it.',
    remedy:
      'Check the healthCheck command and the endpoint it calls (e.g. /health), and give slow starters a longer startPeriod.',
  },
  elbHealth: {
    title: 'The task failed the load balancer health check.',
    remedy:
      'Check the target group health check path and port, and the security group between load balancer and task.',
  },
  exited: (code: number | undefined, container: string) => ({
    title: `The app exited with code ${code ?? 'unknown'} (container ${container}).`,
    remedy:
      'Read the log tail below for the error; a missing environment variable or an unreachable database are the usual causes.',
  }),
  slow: {
    title: 'Tasks did not become healthy before the timeout, and none of them failed.',
    remedy:
      'Raise the "timeout" input if the app is slow to start, or check capacity (CPU/memory in the cluster, Fargate limits).',
  },
  hook: (hook: string, stage: string) => ({
    title: `The lifecycle hook ${hook} failed in stage ${stage}, so ECS returned traffic to the old revision.`,
    remedy:
      "Read the hook's own logs (for a Lambda function, its CloudWatch log group /aws/lambda/<name>) for why it failed; the new revision's tasks were healthy.",
  }),
  codeDeploy: (code: string, message: string | undefined) => ({
    title: `CodeDeploy stopped the deployment: ${code}${message ? ` — ${message}` : ''}`,
    remedy:
      codeDeployRemedies[code] ??
      'Look the error code up in the CodeDeploy error codes reference, and read the deployment in the CodeDeploy console.',
  }),
  unknown: (reason: string) => ({
    title: `ECS stopped the deployment: ${reason}`,
    remedy: 'Read the service events and stopped tasks below.',
  }),
};

const codeDeployRemedies: Record<string, string> = {
  HOOK_EXECUTION_FAILURE:
    "An AppSpec hook (a Lambda function) reported failure or never reported back: read that function's logs (/aws/lambda/<name>) and check it calls PutLifecycleEventHookExecutionStatus.",
  ECS_UPDATE_ERROR:
    "CodeDeploy could not bring up the replacement tasks: read the stopped tasks below, and check the CodeDeploy service role's ECS and ELB permissions.",
  TIMEOUT:
    'A lifecycle event ran past its limit: check the hooks and the health of the replacement task set, or raise the wait times on the deployment group.',
  ALARM_ACTIVE:
    'A CloudWatch alarm on the deployment group went into ALARM: read the alarm and what it measured.',
};

/** Names the cause of a failed deployment in plain words, from what ECS recorded about its tasks. */
export function classify(
  tasks: StoppedTask[],
  fallbackReason: string,
  serviceDeployment?: ServiceDeploymentFacts,
  codeDeployError?: { code?: string; message?: string },
): Cause {
  const hook = serviceDeployment?.failedHooks?.[0];
  if (hook) return causes.hook(hook, serviceDeployment.lifecycleStage ?? 'unknown');
  for (const task of tasks) {
    const reason = task.stoppedReason ?? '';
    if (/CannotPullContainer/i.test(reason)) return causes.pull;
    if (/ResourceInitializationError/i.test(reason) && /secret|ssm|asm/i.test(reason)) return causes.secrets;
    const oom = task.containers.find((c) => /OutOfMemory/i.test(c.reason ?? '') || c.exitCode === 137);
    if (oom) return causes.oom;
    if (/failed container health checks/i.test(reason)) return causes.health;
    if (/ELB health checks/i.test(reason)) return causes.elbHealth;
    const crashed = task.containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
    if (crashed) return causes.exited(crashed.exitCode, crashed.name);
  }
  if (codeDeployError?.code) return causes.codeDeploy(codeDeployError.code, codeDeployError.message);
  return tasks.length === 0 && /timeout/i.test(fallbackReason) ? causes.slow : causes.unknown(fallbackReason);
}

export interface DiagnoseOptions {
  ecs: ECSClient;
  /** Made, and CloudWatch Logs' module loaded, only when a log tail is read. */
  logs: ClientFactory<CloudWatchLogsClient>;
  cluster: string;
  service: Service | undefined;
  serviceName: string;
  deploymentId: string;
  taskDefinitionArn: string;
  /** The newest service event before the deploy: everything after it is ours to show. */
  lastEventBefore: string | undefined;
  reason: string;
  logger: Logger;
  logLines?: number;
  maxTasks?: number;
  /** When the deploy began (wall clock): service deployments created before it are not ours. */
  startedAt?: Date;
  /** CodeDeploy's error information, when CodeDeploy carried the deployment out. */
  codeDeployError?: { code?: string; message?: string };
}

/** Gathers the evidence: events since the deploy began, our stopped tasks, and their last log lines. */
export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  // Events come newest first; comparing ids rather than times keeps clock skew out of it.
  const all = options.service?.events ?? [];
  const cut = all.findIndex((event) => event.id === options.lastEventBefore);
  const events = (cut < 0 ? all : all.slice(0, cut))
    .slice()
    .reverse()
    .map((event) => `${event.createdAt?.toISOString()} ${event.message}`);

  let stoppedTasks: StoppedTask[] = [];
  try {
    const tasks = await stoppedTasksOf(options);
    const definition = tasks.length
      ? (
          await options.ecs.send(
            new DescribeTaskDefinitionCommand({ taskDefinition: options.taskDefinitionArn }),
          )
        ).taskDefinition
      : undefined;
    stoppedTasks = await Promise.all(tasks.map((task) => describeStopped(task, definition, options)));
  } catch (error) {
    options.logger.warning(
      `Could not read the stopped tasks of ${options.serviceName}: ${(error as Error).message}`,
    );
  }
  const serviceDeployment = await serviceDeploymentOf(options);
  return {
    cause: classify(stoppedTasks, options.reason, serviceDeployment, options.codeDeployError),
    events,
    stoppedTasks,
    ...(serviceDeployment ? { serviceDeployment } : {}),
  };
}

/**
 * Best effort: older endpoints (UnknownOperation), missing permissions (AccessDenied) or any other
 * error leave the diagnosis as DescribeServices alone makes it.
 */
async function serviceDeploymentOf(options: DiagnoseOptions): Promise<ServiceDeploymentFacts | undefined> {
  if (!options.deploymentId) return undefined;
  try {
    const arn = await findServiceDeployment(options.ecs, {
      cluster: options.cluster,
      service: options.serviceName,
      deploymentId: options.deploymentId,
      since: options.startedAt,
    });
    const [deployment] = arn ? await describeServiceDeployments(options.ecs, [arn]) : [];
    return deployment ? serviceDeploymentFacts(deployment) : undefined;
  } catch (error) {
    options.logger.debug(
      `Service deployment of ${options.serviceName} unavailable (${(error as Error).name}): ${(error as Error).message}`,
    );
    return undefined;
  }
}

async function stoppedTasksOf(options: DiagnoseOptions): Promise<Task[]> {
  const listed = await options.ecs.send(
    new ListTasksCommand({
      cluster: options.cluster,
      serviceName: options.serviceName,
      desiredStatus: 'STOPPED',
    }),
  );
  if (!listed.taskArns?.length) return [];
  const described = await options.ecs.send(
    new DescribeTasksCommand({ cluster: options.cluster, tasks: listed.taskArns.slice(0, 100) }),
  );
  return (described.tasks ?? [])
    .filter((t) => t.startedBy === options.deploymentId || t.taskDefinitionArn === options.taskDefinitionArn)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
    .slice(0, options.maxTasks ?? 3);
}

async function describeStopped(
  task: Task,
  definition: TaskDefinition | undefined,
  options: DiagnoseOptions,
): Promise<StoppedTask> {
  const taskId = task.taskArn?.split('/').pop() ?? 'unknown';
  const containers = (task.containers ?? []).map((c) => ({
    name: c.name ?? 'unknown',
    exitCode: c.exitCode,
    reason: c.reason,
  }));
  const failing = containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0) ?? containers[0];
  const logTail = failing ? await tailLogs(definition, failing.name, taskId, options) : [];
  return { taskId, stopCode: task.stopCode, stoppedReason: task.stoppedReason, containers, logTail };
}

/** A container's awslogs stream in a task, if it logs there. */
export function logStreamOf(
  definition: TaskDefinition | undefined,
  containerName: string,
  taskId: string,
): { logGroupName: string; logStreamName: string } | undefined {
  const config = definition?.containerDefinitions?.find((c) => c.name === containerName)?.logConfiguration;
  const group = config?.options?.['awslogs-group'];
  const prefix = config?.options?.['awslogs-stream-prefix'];
  if (config?.logDriver !== 'awslogs' || !group || !prefix) return undefined;
  return { logGroupName: group, logStreamName: `${prefix}/${containerName}/${taskId}` };
}

async function tailLogs(
  definition: TaskDefinition | undefined,
  containerName: string,
  taskId: string,
  options: DiagnoseOptions,
): Promise<string[]> {
  const where = logStreamOf(definition, containerName, taskId);
  if (!where) return [];
  try {
    const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const answer = await (
      await options.logs()
    ).send(
      new GetLogEventsCommand({
        ...where,
        limit: options.logLines ?? 20,
        startFromHead: false,
      }),
    );
    return (answer.events ?? []).map((event) => event.message ?? '');
  } catch (error) {
    return [`(logs unavailable: ${(error as Error).name}: ${(error as Error).message})`];
  }
}
