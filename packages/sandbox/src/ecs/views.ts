import type {
  Cluster,
  Container,
  Deployment,
  Service,
  ServiceDeployment,
  ServiceDeploymentBrief,
  ServiceEvent,
  ServiceRevisionSummary,
  Task,
} from '@aws-sdk/client-ecs';
import type { EcsArns } from './arns';
import type {
  ClusterState,
  ContainerState,
  DeploymentState,
  ServiceDeploymentState,
  ServiceState,
  TaskState,
} from './model';
import { isPending, isRunning } from './task-lifecycle';

/** Renders the simulation's state in the shapes ECS answers (timestamps as Dates, sent as epoch seconds). */

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

function counts(tasks: TaskState[]) {
  return {
    runningCount: tasks.filter(isRunning).length,
    pendingCount: tasks.filter(isPending).length,
  };
}

export function clusterView(cluster: ClusterState, includeTags = true): Cluster {
  const tasks = [...cluster.tasks.values()];
  const { runningCount, pendingCount } = counts(tasks);
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: runningCount,
    pendingTasksCount: pendingCount,
    activeServicesCount: [...cluster.services.values()].filter((s) => s.status === 'ACTIVE').length,
    statistics: [],
    tags: includeTags ? cluster.tags : undefined,
    settings: [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}

export function serviceView(
  cluster: ClusterState,
  service: ServiceState,
  accountId: string,
  includeTags = false,
): Service {
  const tasks = [...cluster.tasks.values()].filter((t) => t.serviceName === service.name);
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: cluster.arn,
    loadBalancers: service.loadBalancers,
    serviceRegistries: service.serviceRegistries,
    status: service.status,
    desiredCount: service.desiredCount,
    ...counts(tasks),
    launchType: service.launchType,
    platformVersion: service.platformVersion,
    platformFamily: service.launchType === 'FARGATE' ? 'Linux' : undefined,
    taskDefinition: service.taskDefinitionArn,
    deploymentConfiguration: service.deploymentConfiguration,
    deployments: service.deployments.map((d) =>
      deploymentView(
        d,
        tasks.filter((t) => t.deploymentId === d.id),
      ),
    ),
    roleArn: `arn:aws:iam::${accountId}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: service.events.map((e): ServiceEvent => ({
      id: e.id,
      createdAt: new Date(e.createdAt),
      message: e.message,
    })),
    createdAt: new Date(service.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: service.networkConfiguration,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: service.deploymentController },
    createdBy: service.createdBy,
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags as Service['propagateTags'],
    enableExecuteCommand: service.enableExecuteCommand,
    tags: includeTags ? service.tags : undefined,
  };
}

function deploymentView(deployment: DeploymentState, tasks: TaskState[]): Deployment {
  return {
    id: deployment.id,
    status: deployment.status,
    taskDefinition: deployment.taskDefinitionArn,
    desiredCount: deployment.desiredCount,
    ...counts(tasks),
    failedTasks: deployment.failedTasks,
    createdAt: new Date(deployment.createdAt),
    updatedAt: new Date(deployment.updatedAt),
    launchType: deployment.launchType,
    platformVersion: deployment.platformVersion,
    platformFamily: deployment.launchType === 'FARGATE' ? 'Linux' : undefined,
    networkConfiguration: deployment.networkConfiguration,
    rolloutState: deployment.rolloutState,
    rolloutStateReason: deployment.rolloutStateReason,
  };
}

export function taskView(cluster: ClusterState, task: TaskState, includeTags = false): Task {
  const fargate = task.launchType === 'FARGATE';
  return {
    attachments: [],
    availabilityZone: task.availabilityZone,
    clusterArn: cluster.arn,
    connectivity: task.times.connectivityAt === undefined ? undefined : 'CONNECTED',
    connectivityAt: date(task.times.connectivityAt),
    containers: task.containers.map((c) => containerView(task, c)),
    cpu: task.cpu,
    createdAt: date(task.times.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    executionStoppedAt: date(task.times.executionStoppedAt),
    group: task.group,
    healthStatus: task.healthStatus,
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    memory: task.memory,
    overrides: task.overrides ?? { containerOverrides: [], inferenceAcceleratorOverrides: [] },
    platformVersion: fargate ? '1.4.0' : undefined,
    platformFamily: fargate ? 'Linux' : undefined,
    pullStartedAt: date(task.times.pullStartedAt),
    pullStoppedAt: date(task.times.pullStoppedAt),
    startedAt: date(task.times.startedAt),
    startedBy: task.startedBy,
    stopCode: task.stopCode as Task['stopCode'],
    stoppedAt: date(task.times.stoppedAt),
    stoppedReason: task.stoppedReason,
    stoppingAt: date(task.times.stoppingAt),
    tags: includeTags ? task.tags : undefined,
    taskArn: task.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
  };
}

function containerView(task: TaskState, container: ContainerState): Container {
  return {
    containerArn: container.arn,
    taskArn: task.arn,
    name: container.name,
    image: container.image,
    runtimeId: container.lastStatus === 'PENDING' ? undefined : container.runtimeId,
    lastStatus: container.lastStatus,
    exitCode: container.exitCode,
    reason: container.reason,
    networkBindings: [],
    networkInterfaces: [],
    healthStatus: container.healthStatus,
    cpu: String(container.cpu ?? 0),
    memory: container.memory === undefined ? undefined : String(container.memory),
    memoryReservation:
      container.memoryReservation === undefined ? undefined : String(container.memoryReservation),
  };
}

export function serviceDeploymentBriefView(
  cluster: ClusterState,
  service: ServiceState,
  sd: ServiceDeploymentState,
  arns: EcsArns,
): ServiceDeploymentBrief {
  return {
    serviceDeploymentArn: sd.arn,
    serviceArn: service.arn,
    clusterArn: cluster.arn,
    startedAt: new Date(sd.startedAt),
    createdAt: new Date(sd.createdAt),
    finishedAt: date(sd.finishedAt),
    targetServiceRevisionArn: arns.serviceRevision(cluster.name, service.name, sd.deploymentId),
    status: sd.status,
    statusReason: sd.statusReason,
  };
}

const finished = (sd: ServiceDeploymentState) =>
  !['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'STOP_REQUESTED'].includes(
    sd.status,
  );

export function serviceDeploymentView(
  cluster: ClusterState,
  service: ServiceState,
  sd: ServiceDeploymentState,
  arns: EcsArns,
): ServiceDeployment {
  const tasks = [...cluster.tasks.values()].filter((t) => t.serviceName === service.name);
  const staged = sd.staged;
  const revision = (deploymentId: string): ServiceRevisionSummary => {
    const own = tasks.filter((t) => t.deploymentId === deploymentId);
    const live = service.deployments.find((d) => d.id === deploymentId);
    const target = deploymentId === sd.deploymentId;
    return {
      arn: arns.serviceRevision(cluster.name, service.name, deploymentId),
      requestedTaskCount: live?.desiredCount ?? 0,
      runningTaskCount: own.filter(isRunning).length,
      pendingTaskCount: own.filter(isPending).length,
      ...(staged && {
        requestedProductionTrafficWeight: target ? staged.productionTraffic : 100 - staged.productionTraffic,
        requestedTestTrafficWeight: target ? staged.testTraffic : 100 - staged.testTraffic,
      }),
    };
  };
  const configuration = staged?.configuration ?? service.deploymentConfiguration;
  const breaker = configuration.deploymentCircuitBreaker;
  const alarms = configuration.alarms;
  const monitorStatus = (triggered: boolean) =>
    triggered ? 'TRIGGERED' : finished(sd) ? 'MONITORING_COMPLETE' : 'MONITORING';
  return {
    serviceDeploymentArn: sd.arn,
    serviceArn: service.arn,
    clusterArn: cluster.arn,
    createdAt: new Date(sd.createdAt),
    startedAt: new Date(sd.startedAt),
    finishedAt: date(sd.finishedAt),
    updatedAt: new Date(sd.updatedAt),
    sourceServiceRevisions: sd.sourceDeploymentIds.map(revision),
    targetServiceRevision: revision(sd.deploymentId),
    status: sd.status,
    statusReason: sd.statusReason,
    ...(staged && {
      lifecycleStage: staged.stage,
      lifecycleHookDetails: staged.hooks
        .filter((hook) => hook.stage === staged.stage)
        .map((hook) => ({
          hookId: hook.id,
          targetType: hook.targetType,
          targetArn: hook.targetArn,
          status: hook.status,
          expiresAt: new Date(hook.expiresAt),
        })),
    }),
    deploymentConfiguration: configuration,
    rollback: sd.rollback && {
      reason: sd.rollback.reason,
      startedAt: new Date(sd.rollback.startedAt),
      serviceRevisionArn: sd.rollback.serviceRevisionArn,
    },
    deploymentCircuitBreaker: {
      status: breaker?.enable ? monitorStatus(sd.circuitBreakerTriggered) : 'DISABLED',
      failureCount: sd.failureCount,
      threshold: sd.threshold,
    },
    alarms: alarms?.enable
      ? { status: monitorStatus(false), alarmNames: alarms.alarmNames ?? [], triggeredAlarmNames: [] }
      : { status: 'DISABLED' },
  };
}
