import { createHash } from 'node:crypto';
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
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { waitUntil } from './ports';

export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/exec';
const at = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 't', secretAccessKey: 't' },
});

export function ecsClient(endpoint: string): ECSClient {
  return new ECSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
}

/**
 * A Fargate task definition with a health-checked, awslogs-logging app container and a sidecar. Its
 * secret is Secrets Manager's "db" (seedSandbox makes it and returns its ARN).
 */
export function testTaskDefinition(
  family: string,
  image: string,
  secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: EXECUTION_ROLE,
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
            valueFrom: secretArn,
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

/**
 * Pushes each image at REGISTRY into the sandbox's ECR, as a build would have: its repository, and a
 * manifest of its own per tag (so each tag has its own digest). Images elsewhere are left alone.
 */
export async function pushImages(endpoint: string, images: string[]): Promise<void> {
  const ecr = new ECRClient(at(endpoint));
  for (const image of new Set(images)) {
    // A digest names an image pushed already: no manifest can be made to match it.
    if (!image.startsWith(`${REGISTRY}/`) || image.includes('@')) continue;
    const [repositoryName, imageTag] = image.slice(REGISTRY.length + 1).split(':') as [string, string];
    await ecr.send(new CreateRepositoryCommand({ repositoryName })).catch((error: Error) => {
      if (error.name !== 'RepositoryAlreadyExistsException') throw error;
    });
    const config = JSON.stringify({ image });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${createHash('sha256').update(config).digest('hex')}`,
        size: config.length,
      },
      layers: [],
    });
    await ecr
      .send(new PutImageCommand({ repositoryName, imageTag, imageManifest: manifest }))
      .catch((error: Error) => {
        if (error.name !== 'ImageAlreadyExistsException') throw error;
      });
  }
}

/** The images an ecs-deploy "images" input names (container=image, one a line or comma-separated). */
export const imagesOf = (input: string | undefined): string[] =>
  (input ?? '')
    .split(/[\n,]/)
    .map((pair) => pair.trim().replace(/^[^=]*=/, ''))
    .filter(Boolean);

const seeded = new Map<string, Promise<string>>();

/**
 * What testTaskDefinition names in a sandbox, besides images and log groups: the secret "db", which
 * the execution role may read (and the role may read SSM parameters). Returns the secret's ARN; made
 * once per sandbox.
 */
export function seedSandbox(endpoint: string): Promise<string> {
  if (!seeded.has(endpoint)) {
    seeded.set(
      endpoint,
      (async () => {
        const secrets = new SecretsManagerClient(at(endpoint));
        const arn = await secrets
          .send(new CreateSecretCommand({ Name: 'db', SecretString: 'pw' }))
          .then((made) => made.ARN!)
          .catch(async (error: Error) => {
            if (error.name !== 'ResourceExistsException') throw error;
            return (await secrets.send(new DescribeSecretCommand({ SecretId: 'db' }))).ARN!;
          });
        const response = await fetch(`${endpoint}/_sandbox/iam/role-policy`, {
          method: 'POST',
          body: JSON.stringify({
            roleArn: EXECUTION_ROLE,
            statements: [
              { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [arn] },
              {
                effect: 'Allow',
                actions: ['ssm:GetParameters'],
                resources: ['arn:aws:ssm:us-east-1:123456789012:parameter/*'],
              },
            ],
          }),
        });
        if (!response.ok) throw new Error(`role policy not set: ${response.status} ${await response.text()}`);
        return arn;
      })(),
    );
  }
  return seeded.get(endpoint)!;
}

/** Creates a log group in the sandbox unless it exists. */
export async function createLogGroup(endpoint: string, logGroupName: string): Promise<void> {
  await new CloudWatchLogsClient(at(endpoint))
    .send(new CreateLogGroupCommand({ logGroupName }))
    .catch((error: Error) => {
      if (error.name !== 'ResourceAlreadyExistsException') throw error;
    });
}

/** testTaskDefinition(family, image) with everything it names made in the sandbox first. */
export async function seededTaskDefinition(
  endpoint: string,
  family: string,
  image: string,
): Promise<RegisterTaskDefinitionCommandInput> {
  const [secretArn] = await Promise.all([
    seedSandbox(endpoint),
    pushImages(endpoint, [image]),
    createLogGroup(endpoint, `/ecs/${family}`),
  ]);
  return testTaskDefinition(family, image, secretArn);
}

/** Where a client sends its calls (a sandbox's URL). */
export async function endpointOf(client: ECSClient): Promise<string> {
  const { protocol, hostname, port } = await client.config.endpoint!();
  return `${protocol}//${hostname}${port ? `:${port}` : ''}`;
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

/**
 * A service on revision 1 of its own family, once its first rollout has completed, with what its
 * definition names made in the sandbox. Returns that ARN.
 */
export async function createStableService(
  ecs: ECSClient,
  name: string,
  options: ServiceOptions,
): Promise<string> {
  const breaker = options.breaker ?? true;
  const definition = await seededTaskDefinition(
    await endpointOf(ecs),
    name,
    options.image ?? `${REGISTRY}/app:v1`,
  );
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(definition));
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
