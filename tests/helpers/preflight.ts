import { createHash } from 'node:crypto';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { ecsClient, REGISTRY } from './ecs';
import { MotoServer, startMoto } from './moto';

const region = 'us-east-1';
const credentials = { accessKeyId: 't', secretAccessKey: 't' };

/**
 * A world where everything an ecs-deploy pre-flight checks exists: ECS, ECR (repository pf-app with
 * the tags asked for), CloudWatch Logs (/ecs/pf) and IAM's simulator (role exec may read the secret and the
 * parameter; role locked may read nothing) in the sandbox; a secret, a parameter, a subnet and a security
 * group in moto.
 */
export interface PreflightWorld {
  sandbox: Sandbox;
  moto: MotoServer;
  ecs: ECSClient;
  cluster: string;
  secretArn: string;
  subnet: string;
  securityGroup: string;
  /** The digest every pushed tag points at. */
  digest: string;
  /** Environment for the action: Secrets Manager, SSM and EC2 at moto (the rest, IAM too, at the sandbox). */
  env: Record<string, string>;
  image(tag: string): string;
  /** The definition every service starts from: everything it names exists. */
  definition(
    family: string,
    overrides?: Partial<RegisterTaskDefinitionCommandInput>,
  ): RegisterTaskDefinitionCommandInput;
  /** A Fargate service behind a target group (app:8000) in the world's subnet; returns its revision's ARN. */
  service(name: string, options?: { subnets?: string[]; desiredCount?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startPreflightWorld(options: {
  cluster: string;
  tags: string[];
  speed?: number;
}): Promise<PreflightWorld> {
  const [sandbox, moto] = await Promise.all([
    startSandbox({ speed: options.speed ?? 100, clusters: [options.cluster] }),
    startMoto(),
  ]);
  const at = (endpoint: string) => ({ region, credentials, endpoint });
  const ecr = new ECRClient(at(sandbox.url));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'pf-app' }));
  const config = '{}';
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
  for (const tag of options.tags) {
    await ecr.send(new PutImageCommand({ repositoryName: 'pf-app', imageTag: tag, imageManifest: manifest }));
  }
  await new CloudWatchLogsClient(at(sandbox.url)).send(
    new CreateLogGroupCommand({ logGroupName: '/ecs/pf' }),
  );
  const secret = await new SecretsManagerClient(at(moto.url)).send(
    new CreateSecretCommand({ Name: 'pf-db', SecretString: 'pw' }),
  );
  await new SSMClient(at(moto.url)).send(
    new PutParameterCommand({ Name: '/pf/api-url', Value: 'https://api', Type: 'String' }),
  );
  const ec2 = new EC2Client(at(moto.url));
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.9.1.0/24' }))).Subnet!
    .SubnetId!;
  const securityGroup = (
    await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'pf', Description: 'pf' }))
  ).GroupId!;

  sandbox.setRolePolicy('arn:aws:iam::123456789012:role/exec', [
    { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [secret.ARN!] },
    {
      effect: 'Allow',
      actions: ['ssm:GetParameters'],
      resources: [`arn:aws:ssm:${region}:123456789012:parameter/pf/*`],
    },
  ]);
  sandbox.setRolePolicy('arn:aws:iam::123456789012:role/locked', []);
  const ecs = ecsClient(sandbox.url);
  const image = (tag: string) => `${REGISTRY}/pf-app:${tag}`;
  const world: PreflightWorld = {
    sandbox,
    moto,
    ecs,
    cluster: options.cluster,
    secretArn: secret.ARN!,
    subnet,
    securityGroup,
    digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    env: {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
      AWS_ENDPOINT_URL_SSM: moto.url,
      AWS_ENDPOINT_URL_EC2: moto.url,
    },
    image,
    definition: (family, overrides = {}) => ({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [
        {
          name: 'app',
          image: image(options.tags[0]!),
          portMappings: [{ containerPort: 8000 }],
          secrets: [
            { name: 'DB_PASSWORD', valueFrom: secret.ARN! },
            { name: 'API_URL', valueFrom: '/pf/api-url' },
          ],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/pf', 'awslogs-region': region, 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
      ...overrides,
    }),
    async service(name, { subnets = [subnet], desiredCount = 1 } = {}) {
      const registered = await ecs.send(new RegisterTaskDefinitionCommand(world.definition(name)));
      const arn = registered.taskDefinition!.taskDefinitionArn!;
      await ecs.send(
        new CreateServiceCommand({
          cluster: options.cluster,
          serviceName: name,
          taskDefinition: arn,
          desiredCount,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [securityGroup] } },
          loadBalancers: [
            {
              targetGroupArn: `arn:aws:elasticloadbalancing:${region}:123456789012:targetgroup/${name}/0123456789abcdef`,
              containerName: 'app',
              containerPort: 8000,
            },
          ],
        }),
      );
      return arn;
    },
    stop: async () => {
      await Promise.all([sandbox.stop(), moto.stop()]);
    },
  };
  return world;
}
