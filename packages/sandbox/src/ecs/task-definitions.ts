import type { ContainerDefinition, RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import { ecsErrors } from './errors';
import type { EcsState, RegisteredTaskDefinition } from './model';

/**
 * Registers a revision the way ECS does: every given field is kept, ECS's defaults are filled in, and the
 * describe-only fields are added, so clients have something real to strip before re-registering.
 */
export function registerTaskDefinition(
  state: EcsState,
  input: RegisterTaskDefinitionRequest,
  now: number,
): RegisteredTaskDefinition {
  validate(input);
  const { tags, ...given } = input;
  const revisions = state.taskDefinitions.get(input.family) ?? [];
  const revision = revisions.length + 1;
  const registered: RegisteredTaskDefinition = {
    definition: {
      ...given,
      containerDefinitions: input.containerDefinitions.map((c) =>
        withContainerDefaults(c, input.networkMode),
      ),
      volumes: input.volumes ?? [],
      placementConstraints: input.placementConstraints ?? [],
      family: input.family,
      revision,
      taskDefinitionArn: state.arns.taskDefinition(input.family, revision),
      status: 'ACTIVE',
      requiresAttributes: requiredAttributes(input).map((name) => ({ name })),
      compatibilities: compatibilities(input),
      registeredAt: new Date(now),
      registeredBy: `arn:aws:iam::${state.arns.accountId}:root`,
    },
    tags: tags ?? [],
  };
  revisions.push(registered);
  state.taskDefinitions.set(input.family, revisions);
  return registered;
}

type ValidRegistration = RegisterTaskDefinitionRequest & {
  family: string;
  containerDefinitions: ContainerDefinition[];
};

function validate(input: RegisterTaskDefinitionRequest): asserts input is ValidRegistration {
  if (!input.family || !/^[A-Za-z0-9_-]{1,255}$/.test(input.family)) {
    throw ecsErrors.client(
      'Family must be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.',
    );
  }
  if (!input.containerDefinitions?.length) throw ecsErrors.client('Container list cannot be empty.');
  for (const container of input.containerDefinitions) {
    if (!container.name) throw ecsErrors.client('Container.name should not be null or empty.');
    if (!container.image) throw ecsErrors.client('Container.image should not be null or empty.');
  }
  if (input.requiresCompatibilities?.includes('FARGATE')) {
    if (input.networkMode !== 'awsvpc')
      throw ecsErrors.client('Fargate only supports network mode ‘awsvpc’.');
    if (!input.cpu) throw ecsErrors.client("Fargate requires that 'cpu' be defined at the task level.");
    if (!input.memory) throw ecsErrors.client("Fargate requires that 'memory' be defined at the task level.");
    if (!fargateOffers(input.cpu, input.memory)) {
      throw ecsErrors.client('No Fargate configuration exists for given values.');
    }
  } else if (!input.memory) {
    const unbounded = input.containerDefinitions.find((c) => !c.memory && !c.memoryReservation);
    if (unbounded) {
      throw ecsErrors.client(
        `Invalid setting for container '${unbounded.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
  }
}

/**
 * Fargate's task sizes as its documentation tables them, in GB per vCPU. Kept apart from ecs-deploy's own
 * table on purpose: an emulator that shared the checker's rule could not catch a mistake in it.
 */
const FARGATE_GB: [vcpu: number, gb: number[]][] = [
  [0.25, [0.5, 1, 2]],
  [0.5, [1, 2, 3, 4]],
  [1, [2, 3, 4, 5, 6, 7, 8]],
  [2, Array.from({ length: 13 }, (_, i) => 4 + i)],
  [4, Array.from({ length: 23 }, (_, i) => 8 + i)],
  [8, Array.from({ length: 12 }, (_, i) => 16 + 4 * i)],
  [16, Array.from({ length: 12 }, (_, i) => 32 + 8 * i)],
];

/** cpu in units or "N vCPU", memory in MiB or "N GB", as RegisterTaskDefinition takes them. */
function fargateOffers(cpu: string, memory: string): boolean {
  const amount = (text: string, unit: RegExp, perUnit: number) => {
    const match = new RegExp(`^\\s*([\\d.]+)\\s*(${unit.source})?\\s*$`, 'i').exec(text);
    return match ? (match[2] ? Number(match[1]) : Number(match[1]) / perUnit) : NaN;
  };
  const vcpu = amount(cpu, /vcpu/, 1024);
  const gb = amount(memory, /gb/, 1024);
  return FARGATE_GB.some(([v, sizes]) => v === vcpu && sizes.includes(gb));
}

function withContainerDefaults(
  container: ContainerDefinition,
  networkMode: string | undefined,
): ContainerDefinition {
  return {
    ...container,
    cpu: container.cpu ?? 0,
    essential: container.essential ?? true,
    portMappings: (container.portMappings ?? []).map((mapping) => ({
      ...mapping,
      hostPort: mapping.hostPort ?? (networkMode === 'awsvpc' ? mapping.containerPort : undefined),
      protocol: mapping.protocol ?? 'tcp',
    })),
    environment: container.environment ?? [],
    mountPoints: container.mountPoints ?? [],
    volumesFrom: container.volumesFrom ?? [],
    systemControls: container.systemControls ?? [],
  };
}

function requiredAttributes(input: ValidRegistration): string[] {
  const containers = input.containerDefinitions;
  const attributes = new Set(['com.amazonaws.ecs.capability.docker-remote-api.1.18']);
  if (input.taskRoleArn) attributes.add('com.amazonaws.ecs.capability.task-iam-role');
  if (input.networkMode === 'awsvpc') attributes.add('ecs.capability.task-eni');
  if (containers.some((c) => c.logConfiguration?.logDriver === 'awslogs')) {
    attributes.add('com.amazonaws.ecs.capability.logging-driver.awslogs');
    attributes.add('com.amazonaws.ecs.capability.docker-remote-api.1.19');
    if (input.executionRoleArn) attributes.add('ecs.capability.execution-role-awslogs');
  }
  if (containers.some((c) => c.healthCheck)) {
    attributes.add('ecs.capability.container-health-check');
    attributes.add('com.amazonaws.ecs.capability.docker-remote-api.1.24');
  }
  if (containers.some((c) => c.secrets?.length))
    attributes.add('ecs.capability.secrets.asm.environment-variables');
  if (input.executionRoleArn && containers.some((c) => c.image?.includes('.dkr.ecr.'))) {
    attributes.add('com.amazonaws.ecs.capability.ecr-auth');
    attributes.add('ecs.capability.execution-role-ecr-pull');
  }
  return [...attributes];
}

function compatibilities(input: RegisterTaskDefinitionRequest): Array<'EC2' | 'FARGATE'> {
  const fargateReady = input.networkMode === 'awsvpc' && Boolean(input.cpu) && Boolean(input.memory);
  return fargateReady ? ['EC2', 'FARGATE'] : ['EC2'];
}
