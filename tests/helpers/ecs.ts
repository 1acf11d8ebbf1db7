import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ContainerDefinition,
  CreateServiceCommand,
  DescribeServicesCommand,
  DeploymentConfiguration,
  DeploymentController,
  ECSClient,
  LoadBalancer,
  Service,
  RegisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { waitUntil } from './ports';

export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

export function ecsClient(endpoint: string): ECSClient {
  return new ECSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
}

/** A Fargate task definition with a health-checked, awslogs-logging app container and a sidecar. */
export function testTaskDefinition(family: string, image: string): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    containerDefinitions: [
      {
        name: 'app',
        image,
        essential: true,
        portMappings: [{ containerPort: 8000 }],
        healthCheck: {
          command: ['CMD-SHELL', 'curl -f http://localhost:8000/health'],
          interval: 10,
          retries: 3,
        },
        secrets: [
          {
            name: 'DB_PASSWORD',
            valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
          },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': `/ecs/${family}`,
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'ecs',
          },
        },
      },
      { name: 'sidecar', image: 'public.ecr.aws/nginx/nginx:1.27', essential: false },
    ],
    tags: [{ key: 'team', value: 'e2e' }],
  };
}

export interface ServiceOptions {
  cluster: string;
  breaker?: boolean;
  desiredCount?: number;
  image?: string;
  /** Merged over the circuit breaker setting: a strategy, its steps, bake time, lifecycle hooks. */
  deploymentConfiguration?: DeploymentConfiguration;
  deploymentController?: DeploymentController;
  loadBalancers?: LoadBalancer[];
  /** How long the first rollout may take (default 60 s; a sandbox with a longer timing needs more). */
  stableTimeoutMs?: number;
}

/** A service on revision 1 of its own family, once its first rollout has completed. Returns that ARN. */
export async function createStableService(
  ecs: ECSClient,
  name: string,
  options: ServiceOptions,
): Promise<string> {
  const breaker = options.breaker ?? true;
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand(testTaskDefinition(name, options.image ?? `${REGISTRY}/app:v1`)),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: options.cluster,
      serviceName: name,
      taskDefinition: registered.taskDefinition!.taskDefinitionArn,
      desiredCount: options.desiredCount ?? 2,
      launchType: 'FARGATE',
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: breaker, rollback: breaker },
        ...options.deploymentConfiguration,
      },
      deploymentController: options.deploymentController,
      loadBalancers: options.loadBalancers,
    }),
  );
  await waitUntil(
    async () => {
      const svc = await describeService(ecs, options.cluster, name);
      return svc?.deployments?.length === 1 && svc.deployments[0]?.rolloutState === 'COMPLETED';
    },
    { timeoutMs: options.stableTimeoutMs ?? 60_000, what: `service ${name} to be stable` },
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

export async function describeService(ecs: ECSClient, cluster: string, name: string) {
  return (await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services?.[0];
}

/** An ECS AppSpec file (YAML) for container app:8000 with one AfterAllowTestTraffic hook; returns its path. */
export async function writeAppSpecFile(hookLambdaArn: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'appspec-')), 'appspec.yaml');
  const lines = [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    '        TaskDefinition: <TASK_DEFINITION>',
    '        LoadBalancerInfo:',
    '          ContainerName: app',
    '          ContainerPort: 8000',
    'Hooks:',
    `  - AfterAllowTestTraffic: ${hookLambdaArn}`,
  ];
  await writeFile(path, lines.join('\n'));
  return path;
}

/** A one-container Fargate task definition (app on port 3000), registered; returns its ARN. */
export async function registerApp(
  ecs: ECSClient,
  family: string,
  image: string,
  options: { container?: Partial<ContainerDefinition>; executionRoleArn?: string } = {},
): Promise<string> {
  const response = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: options.executionRoleArn,
      containerDefinitions: [
        { name: 'app', image, portMappings: [{ containerPort: 3000 }], ...options.container },
      ],
    }),
  );
  return response.taskDefinition?.taskDefinitionArn ?? '';
}

/** The service, which must exist (default cluster unless named). */
export async function requireService(ecs: ECSClient, name: string, cluster?: string): Promise<Service> {
  const service = (await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services?.[0];
  if (!service) throw new Error(`service ${name} missing`);
  return service;
}
