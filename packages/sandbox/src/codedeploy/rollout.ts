import type { DeploymentConfiguration, DeploymentLifecycleHookStage } from '@aws-sdk/client-ecs';
import { lastSegment } from '../ecs/arns';
import type { EcsState, ServiceState } from '../ecs/model';
import type { ServiceScheduler } from '../ecs/scheduler';
import { AwsError } from '../http/aws-error';
import type { EcsAppSpec, HookEvent } from './appspec';
import { codeDeployErrors, DeploymentFailure } from './errors';
import type { DeploymentGroupState, EcsTarget } from './model';

export const DEFAULT_CONFIG_NAME = 'CodeDeployDefault.ECSAllAtOnce';

type TrafficPlan = Pick<DeploymentConfiguration, 'strategy' | 'linearConfiguration' | 'canaryConfiguration'>;

/** The predefined ECS deployment configurations, as the staged strategy that shifts traffic alike. */
const ECS_CONFIGS: Record<string, TrafficPlan> = {
  'CodeDeployDefault.ECSAllAtOnce': { strategy: 'BLUE_GREEN' },
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': {
    strategy: 'LINEAR',
    linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 1 },
  },
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': {
    strategy: 'LINEAR',
    linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 3 },
  },
  'CodeDeployDefault.ECSCanary10Percent5Minutes': {
    strategy: 'CANARY',
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
  },
  'CodeDeployDefault.ECSCanary10Percent15Minutes': {
    strategy: 'CANARY',
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 15 },
  },
};

/** Predefined configurations of the other compute platforms (EC2/on-premises and Lambda). */
const OTHER_PLATFORM_CONFIG = /^CodeDeployDefault\.(OneAtATime|HalfAtATime|AllAtOnce|Lambda)/;

/** Where each AppSpec hook runs among the staged rollout's lifecycle stages. */
const HOOK_STAGES: Record<HookEvent, DeploymentLifecycleHookStage> = {
  BeforeInstall: 'PRE_SCALE_UP',
  AfterInstall: 'POST_SCALE_UP',
  AfterAllowTestTraffic: 'POST_TEST_TRAFFIC_SHIFT',
  BeforeAllowTraffic: 'PRE_PRODUCTION_TRAFFIC_SHIFT',
  AfterAllowTraffic: 'POST_PRODUCTION_TRAFFIC_SHIFT',
};

export const ECS_UPDATE_ERROR_PREFIX = 'The ECS service cannot be updated due to an unexpected error: ';

export function checkedConfigName(name: string): string {
  if (ECS_CONFIGS[name]) return name;
  if (OTHER_PLATFORM_CONFIG.test(name)) throw codeDeployErrors.invalidConfigName(name);
  throw codeDeployErrors.configDoesNotExist(name);
}

/** The AppSpec lifecycle event a hook stage stands for. */
export function hookEventOf(stage: string): HookEvent | undefined {
  return (Object.keys(HOOK_STAGES) as HookEvent[]).find((event) => HOOK_STAGES[event] === stage);
}

/**
 * Starts the deployment on the group's ECS service: a staged rollout shifting traffic as the deployment
 * configuration does, baking for the termination wait time, running the AppSpec hooks, with the circuit
 * breaker on. Fails with what ECS would answer when CodeDeploy creates the replacement task set.
 */
export function startOnEcs(
  ecs: EcsState,
  scheduler: ServiceScheduler,
  group: DeploymentGroupState,
  configName: string,
  appSpec: EcsAppSpec,
): EcsTarget {
  const service = targetService(ecs, group);
  const taskDefinitionArn = replacementTaskDefinition(ecs, appSpec);
  const originalTaskDefinitionArn = service.taskDefinitionArn;
  const configuration: DeploymentConfiguration = {
    ...ECS_CONFIGS[configName],
    bakeTimeInMinutes:
      group.blueGreen.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0,
    lifecycleHooks: appSpec.hooks.map((hook) => ({
      targetType: 'AWS_LAMBDA',
      hookTargetArn: hook.functionArn,
      roleArn: group.serviceRoleArn,
      lifecycleStages: [HOOK_STAGES[hook.event]],
    })),
    deploymentCircuitBreaker: { enable: true, rollback: true },
    maximumPercent: service.deploymentConfiguration.maximumPercent,
    minimumHealthyPercent: service.deploymentConfiguration.minimumHealthyPercent,
  };
  const serviceDeployment = scheduler.startStagedDeployment(service, taskDefinitionArn, configuration);
  return { service, serviceDeployment, originalTaskDefinitionArn };
}

function targetService(ecs: EcsState, group: DeploymentGroupState): ServiceState {
  const { clusterName, serviceName } = group.ecsService;
  const service = ecs.clusters.get(clusterName)?.services.get(serviceName);
  if (!service || service.status !== 'ACTIVE') {
    throw new DeploymentFailure(
      'INVALID_ECS_SERVICE',
      `The ECS service ${serviceName} in cluster ${clusterName} does not exist or is not ACTIVE.`,
    );
  }
  return service;
}

/** The AppSpec's task definition, if ECS would run it with traffic routed to its container and port. */
function replacementTaskDefinition(ecs: EcsState, appSpec: EcsAppSpec): string {
  const { definition } = usable(ecs, appSpec.taskDefinition);
  const container = definition.containerDefinitions?.find((c) => c.name === appSpec.containerName);
  if (!container) {
    throw ecsUpdateError(`The container ${appSpec.containerName} does not exist in the task definition.`);
  }
  if (!container.portMappings?.some((p) => p.containerPort === appSpec.containerPort)) {
    throw ecsUpdateError(
      `The container ${appSpec.containerName} did not have a container port ${appSpec.containerPort} defined.`,
    );
  }
  return definition.taskDefinitionArn;
}

function usable(ecs: EcsState, ref: string): ReturnType<EcsState['usableTaskDefinition']> {
  try {
    return ecs.usableTaskDefinition(ref);
  } catch (error) {
    if (error instanceof AwsError) throw ecsUpdateError(error.message);
    throw error;
  }
}

function ecsUpdateError(ecsMessage: string): DeploymentFailure {
  return new DeploymentFailure('ECS_UPDATE_ERROR', ECS_UPDATE_ERROR_PREFIX + ecsMessage);
}

/** The one ECS service an ECS deployment group deploys, which must be deployed by CodeDeploy. */
export function checkedEcsService(
  ecs: EcsState,
  services: { clusterName?: string; serviceName?: string }[] | undefined,
): DeploymentGroupState['ecsService'] {
  const [only] = services ?? [];
  if (services?.length !== 1 || !only?.clusterName || !only.serviceName) {
    throw codeDeployErrors.invalidEcsService(
      'An ECS deployment group needs exactly one ecsServices entry with a clusterName and a serviceName.',
    );
  }
  const clusterName = lastSegment(only.clusterName);
  const serviceName = lastSegment(only.serviceName);
  const service = ecs.clusters.get(clusterName)?.services.get(serviceName);
  if (!service || service.status !== 'ACTIVE') {
    throw codeDeployErrors.invalidEcsService(
      `The ECS service ${serviceName} in cluster ${clusterName} does not exist or is not ACTIVE.`,
    );
  }
  if (service.deploymentController !== 'CODE_DEPLOY') {
    throw codeDeployErrors.invalidEcsService(
      "Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller.",
    );
  }
  return { clusterName, serviceName };
}
