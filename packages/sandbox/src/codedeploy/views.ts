import type {
  ApplicationInfo,
  DeploymentGroupInfo,
  DeploymentInfo,
  DeploymentOverview,
  DeploymentStatus,
  ErrorInformation,
  LastDeploymentInfo,
  RollbackInfo,
} from '@aws-sdk/client-codedeploy';
import type { HookRun } from '../ecs/model';
import type { ApplicationState, DeploymentGroupState, DeploymentRecord, EcsTarget } from './model';
import { ECS_UPDATE_ERROR_PREFIX, hookEventOf } from './rollout';

/** Renders CodeDeploy state in the shapes CodeDeploy answers; a deployment's status comes from ECS. */

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

const ACTIVE_STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'];

export function isActive(deployment: DeploymentRecord): boolean {
  return ACTIVE_STATUSES.includes(statusOf(deployment));
}

/**
 * Created until the ECS service deployment leaves its first stage, InProgress while it runs, Succeeded
 * when it is SUCCESSFUL, Failed once it rolls back, Stopped when StopDeployment (or a newer ECS
 * deployment) ended it.
 */
export function statusOf(deployment: DeploymentRecord): DeploymentStatus {
  if (deployment.failure) return 'Failed';
  if (deployment.stopped) return 'Stopped';
  const sd = deployment.target!.serviceDeployment;
  switch (sd.status) {
    case 'PENDING':
    case 'IN_PROGRESS':
      return sd.staged?.stage === 'RECONCILE_SERVICE' ? 'Created' : 'InProgress';
    case 'SUCCESSFUL':
      return 'Succeeded';
    case 'STOPPED':
    case 'STOP_REQUESTED':
      return sd.circuitBreakerTriggered ? 'Failed' : 'Stopped';
    default:
      return 'Failed';
  }
}

export function applicationView(application: ApplicationState): ApplicationInfo {
  return {
    applicationId: application.id,
    applicationName: application.name,
    createTime: new Date(application.createdAt),
    linkedToGitHub: false,
    computePlatform: 'ECS',
  };
}

export function deploymentGroupView(
  group: DeploymentGroupState,
  deployments: DeploymentRecord[],
): DeploymentGroupInfo {
  const lastAttempted = deployments.at(-1);
  const lastSucceeded = deployments.filter((d) => statusOf(d) === 'Succeeded').at(-1);
  return {
    applicationName: group.applicationName,
    deploymentGroupId: group.id,
    deploymentGroupName: group.name,
    deploymentConfigName: group.configName,
    serviceRoleArn: group.serviceRoleArn,
    targetRevision: lastAttempted?.revision,
    autoRollbackConfiguration: group.autoRollback,
    deploymentStyle: group.deploymentStyle,
    blueGreenDeploymentConfiguration: group.blueGreen,
    loadBalancerInfo: group.loadBalancerInfo,
    lastAttemptedDeployment: lastAttempted && lastDeploymentView(lastAttempted),
    lastSuccessfulDeployment: lastSucceeded && lastDeploymentView(lastSucceeded),
    computePlatform: 'ECS',
    ecsServices: [group.ecsService],
  };
}

function lastDeploymentView(deployment: DeploymentRecord): LastDeploymentInfo {
  return {
    deploymentId: deployment.id,
    status: statusOf(deployment),
    createTime: new Date(deployment.createdAt),
    endTime: date(completedAt(deployment)),
  };
}

export function deploymentView(deployment: DeploymentRecord, group: DeploymentGroupState): DeploymentInfo {
  const status = statusOf(deployment);
  const stage = deployment.target?.serviceDeployment.staged?.stage;
  return {
    applicationName: deployment.applicationName,
    deploymentGroupName: deployment.groupName,
    deploymentConfigName: deployment.configName,
    deploymentId: deployment.id,
    revision: deployment.revision,
    status,
    errorInformation: errorInformation(deployment, status),
    createTime: new Date(deployment.createdAt),
    startTime: status === 'Created' ? undefined : new Date(deployment.createdAt),
    completeTime: date(completedAt(deployment)),
    deploymentOverview: overview(status),
    description: deployment.description,
    creator: 'user',
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: deployment.autoRollback,
    updateOutdatedInstancesOnly: false,
    rollbackInfo: rollbackInfo(deployment, status),
    deploymentStyle: group.deploymentStyle,
    instanceTerminationWaitTimeStarted:
      status === 'Succeeded' || stage === 'BAKE_TIME' || stage === 'CLEAN_UP',
    blueGreenDeploymentConfiguration: group.blueGreen,
    loadBalancerInfo: group.loadBalancerInfo,
    deploymentStatusMessages: [],
    computePlatform: 'ECS',
  };
}

function completedAt(deployment: DeploymentRecord): number | undefined {
  if (deployment.failure) return deployment.createdAt;
  if (deployment.stopped) return deployment.stopped.at;
  const sd = deployment.target!.serviceDeployment;
  switch (statusOf(deployment)) {
    case 'Succeeded':
      return sd.finishedAt;
    case 'Failed':
    case 'Stopped':
      return sd.rollback?.startedAt ?? sd.finishedAt ?? sd.updatedAt;
    default:
      return undefined;
  }
}

/** ECS deployments have one target: the service. */
function overview(status: DeploymentStatus): DeploymentOverview {
  const counts = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  const key: keyof typeof counts =
    status === 'Created'
      ? 'Pending'
      : status === 'Succeeded' || status === 'Failed'
        ? status
        : status === 'Stopped'
          ? 'Skipped'
          : 'InProgress';
  counts[key] = 1;
  return counts;
}

function errorInformation(
  deployment: DeploymentRecord,
  status: DeploymentStatus,
): ErrorInformation | undefined {
  if (deployment.failure) return deployment.failure;
  if (deployment.stopped) return { code: 'MANUAL_STOP', message: 'The deployment was stopped by the user.' };
  if (status !== 'Failed' && status !== 'Stopped') return undefined;
  const sd = deployment.target!.serviceDeployment;
  const failedHook = sd.staged?.hooks.find((hook) => hook.status === 'FAILED');
  if (failedHook) return { code: 'HOOK_EXECUTION_FAILURE', message: hookFailure(failedHook) };
  return {
    code: 'ECS_UPDATE_ERROR',
    message: ECS_UPDATE_ERROR_PREFIX + (sd.statusReason ?? 'the ECS service deployment did not complete.'),
  };
}

function hookFailure(hook: HookRun): string {
  const event = hookEventOf(hook.hookStage) ?? hook.hookStage;
  return `The deployment failed because the ${event} lifecycle event hook ${hook.targetArn} returned Failed.`;
}

/** Only when auto-rollback was asked for (the sandbox returns traffic either way). */
function rollbackInfo(deployment: DeploymentRecord, status: DeploymentStatus): RollbackInfo | undefined {
  const target = deployment.target;
  const asked =
    status === 'Stopped' ? !!deployment.stopped?.rollBack : rollsBackOnFailure(deployment.autoRollback);
  if (!target?.serviceDeployment.rollback || !asked) return undefined;
  return { rollbackMessage: rolledBack(target) };
}

function rollsBackOnFailure(configuration: DeploymentRecord['autoRollback']): boolean {
  const events = configuration.events ?? [];
  return !!configuration.enabled && (events.length === 0 || events.includes('DEPLOYMENT_FAILURE'));
}

function rolledBack(target: EcsTarget): string {
  return `Production traffic was returned to the original task set (task definition ${target.originalTaskDefinitionArn}).`;
}
