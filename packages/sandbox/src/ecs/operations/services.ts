import type {
  CreateServiceRequest,
  DeleteServiceRequest,
  DeploymentConfiguration,
  DeploymentController,
  DeploymentControllerType,
  DescribeServicesRequest,
  Failure,
  LaunchType,
  ListServicesRequest,
  UpdateServiceRequest,
} from '@aws-sdk/client-ecs';
import { operation, paginate, type OperationTable } from '../../http/operation';
import { ecsErrors } from '../errors';
import type { ServiceState } from '../model';
import { checkStrategy } from '../staged-rollout';
import { serviceView } from '../views';
import { includesTags, type EcsContext } from './context';

const MAX_DESCRIBED_SERVICES = 10;

const DEFAULT_DEPLOYMENT_CONFIGURATION: DeploymentConfiguration = {
  deploymentCircuitBreaker: { enable: false, rollback: false },
  maximumPercent: 200,
  minimumHealthyPercent: 100,
};

export function serviceOperations({ state, simulation }: EcsContext): OperationTable {
  const { scheduler } = simulation;
  const wallNow = () => simulation.context.clock.wallNow();

  return {
    CreateService: operation((input: CreateServiceRequest) => {
      const cluster = state.cluster(input.cluster);
      if (!input.serviceName) throw ecsErrors.invalidParameter('serviceName must be specified.');
      const existing = cluster.services.get(input.serviceName);
      if (existing && existing.status !== 'INACTIVE') {
        throw ecsErrors.invalidParameter('Creation of service was not idempotent.');
      }
      const definition = state.usableTaskDefinition(input.taskDefinition);
      const launchType = input.launchType ?? launchTypeFromStrategy(input);
      const service: ServiceState = {
        name: input.serviceName,
        arn: state.arns.service(cluster.name, input.serviceName),
        clusterName: cluster.name,
        status: 'ACTIVE',
        desiredCount: checkedDesiredCount(input.desiredCount ?? 0),
        taskDefinitionArn: definition.definition.taskDefinitionArn,
        deploymentConfiguration: mergeDeploymentConfiguration(
          DEFAULT_DEPLOYMENT_CONFIGURATION,
          input.deploymentConfiguration,
        ),
        deploymentController: checkedController(input.deploymentController),
        deployments: [],
        serviceDeployments: [],
        events: [],
        createdAt: wallNow(),
        createdBy: `arn:aws:iam::${state.arns.accountId}:root`,
        launchType,
        platformVersion: launchType === 'FARGATE' ? (input.platformVersion ?? 'LATEST') : undefined,
        networkConfiguration: input.networkConfiguration,
        loadBalancers: input.loadBalancers ?? [],
        serviceRegistries: input.serviceRegistries ?? [],
        healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
        enableExecuteCommand: input.enableExecuteCommand ?? false,
        enableECSManagedTags: input.enableECSManagedTags ?? false,
        propagateTags: input.propagateTags ?? 'NONE',
        tags: input.tags ?? [],
        steady: false,
      };
      cluster.services.set(service.name, service);
      scheduler.startDeployment(service, service.taskDefinitionArn);
      return { service: serviceView(cluster, service, state.arns.accountId) };
    }),

    UpdateService: operation((input: UpdateServiceRequest) => {
      const cluster = state.cluster(input.cluster);
      const service = state.service(cluster, input.service);
      if (!service) throw ecsErrors.serviceNotFound();
      if (service.status !== 'ACTIVE') throw ecsErrors.serviceNotActive();
      const definition = input.taskDefinition ? state.usableTaskDefinition(input.taskDefinition) : undefined;
      const nextTaskDefinition = definition?.definition.taskDefinitionArn ?? service.taskDefinitionArn;
      const redeploys = nextTaskDefinition !== service.taskDefinitionArn || !!input.forceNewDeployment;
      if (redeploys && service.deploymentController === 'CODE_DEPLOY') throw ecsErrors.deployedByCodeDeploy();
      if (input.deploymentConfiguration) {
        service.deploymentConfiguration = mergeDeploymentConfiguration(
          service.deploymentConfiguration,
          input.deploymentConfiguration,
        );
      }
      if (input.desiredCount !== undefined) service.desiredCount = checkedDesiredCount(input.desiredCount);
      if (input.networkConfiguration) service.networkConfiguration = input.networkConfiguration;
      if (input.healthCheckGracePeriodSeconds !== undefined) {
        service.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
      }
      if (redeploys) scheduler.startDeployment(service, nextTaskDefinition);
      return { service: serviceView(cluster, service, state.arns.accountId) };
    }),

    DescribeServices: operation((input: DescribeServicesRequest) => {
      const cluster = state.cluster(input.cluster);
      const refs = input.services ?? [];
      if (refs.length === 0) throw ecsErrors.invalidParameter('Services cannot be empty.');
      if (refs.length > MAX_DESCRIBED_SERVICES) {
        throw ecsErrors.invalidParameter(`services can have at most ${MAX_DESCRIBED_SERVICES} items.`);
      }
      const failures: Failure[] = [];
      const services = refs.flatMap((ref) => {
        const service = state.service(cluster, ref);
        if (service)
          return [serviceView(cluster, service, state.arns.accountId, includesTags(input.include))];
        failures.push({
          arn: ref.startsWith('arn:') ? ref : state.arns.service(cluster.name, ref),
          reason: 'MISSING',
        });
        return [];
      });
      return { services, failures };
    }),

    DeleteService: operation((input: DeleteServiceRequest) => {
      const cluster = state.cluster(input.cluster);
      const service = state.service(cluster, input.service);
      if (!service || service.status === 'INACTIVE') throw ecsErrors.serviceNotFound();
      if (service.desiredCount > 0 && !input.force) {
        throw ecsErrors.invalidParameter('The service cannot be stopped while it is scaled above 0.');
      }
      service.status = 'DRAINING';
      service.desiredCount = 0;
      return { service: serviceView(cluster, service, state.arns.accountId) };
    }),

    ListServices: operation((input: ListServicesRequest) => {
      const cluster = state.cluster(input.cluster);
      const arns = [...cluster.services.values()]
        .filter((s) => s.status !== 'INACTIVE' && (!input.launchType || s.launchType === input.launchType))
        .map((s) => s.arn);
      const page = paginate(arns, input, { default: 10, max: 100 });
      return { serviceArns: page.items, nextToken: page.nextToken };
    }),
  };
}

function checkedDesiredCount(count: number): number {
  if (!Number.isInteger(count) || count < 0) {
    throw ecsErrors.invalidParameter('desiredCount must be a non-negative integer.');
  }
  return count;
}

const SIMULATED_CONTROLLERS: readonly DeploymentControllerType[] = ['ECS', 'CODE_DEPLOY'];

function checkedController(controller: DeploymentController | undefined): DeploymentControllerType {
  const type = controller?.type ?? 'ECS';
  if (!SIMULATED_CONTROLLERS.includes(type)) {
    throw ecsErrors.invalidParameter(
      `deploymentController.type must be one of ${SIMULATED_CONTROLLERS.join(', ')}; the sandbox does not simulate ${type}.`,
    );
  }
  return type;
}

function launchTypeFromStrategy(input: CreateServiceRequest): LaunchType {
  const fargate = input.capacityProviderStrategy?.some((s) => s.capacityProvider?.startsWith('FARGATE'));
  return fargate ? 'FARGATE' : 'EC2';
}

function mergeDeploymentConfiguration(
  current: DeploymentConfiguration,
  update: DeploymentConfiguration | undefined,
): DeploymentConfiguration {
  const merged: DeploymentConfiguration = {
    ...current,
    ...update,
    deploymentCircuitBreaker: update?.deploymentCircuitBreaker ?? current.deploymentCircuitBreaker,
  };
  const { maximumPercent = 200, minimumHealthyPercent = 100 } = merged;
  if (maximumPercent < 100) throw ecsErrors.invalidParameter('maximumPercent must be at least 100.');
  if (minimumHealthyPercent < 0 || minimumHealthyPercent > 100) {
    throw ecsErrors.invalidParameter('minimumHealthyPercent must be between 0 and 100.');
  }
  checkStrategy(merged);
  return merged;
}
