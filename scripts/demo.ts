/**
 * The pipeline so far, on the embedded sandbox (no AWS account, no Docker): deploy a healthy image to a
 * service, then a broken one that the circuit breaker catches, which ecs-deploy diagnoses and reports.
 * Later steps (build, migrations, validation, prompt sync) join as their actions land.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { deploy, DeployRequest, deployFailure, deploySummary } from '@slipway/ecs';
import { consoleLogger } from '@slipway/kit';
import { startSandbox } from '@slipway/sandbox';

const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const CLUSTER = 'demo';

async function main() {
  const sandbox = await startSandbox({ speed: 30, clusters: [CLUSTER] });
  const config = {
    region: 'us-east-1',
    endpoint: sandbox.url,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  };
  const ecs = new ECSClient(config);
  const context = {
    ecs,
    logs: new CloudWatchLogsClient(config),
    logger: consoleLogger((line) => console.log(`  ${line}`)),
  };
  try {
    console.log(`Sandbox ECS at ${sandbox.url} (30× speed)\n`);
    const first = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'deals-api',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          {
            name: 'api',
            image: `${REGISTRY}/deals-api:sha-1111111`,
            essential: true,
            healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8000/health || exit 1'] },
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': '/ecs/deals-api',
                'awslogs-region': 'us-east-1',
                'awslogs-stream-prefix': 'ecs',
              },
            },
          },
        ],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: 'deals-api',
        taskDefinition: first.taskDefinition?.taskDefinitionArn,
        desiredCount: 2,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    while (
      (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['deals-api'] })))
        .services?.[0]?.deployments?.[0]?.rolloutState !== 'COMPLETED'
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const request = (image: string): DeployRequest => ({
      cluster: CLUSTER,
      services: ['deals-api'],
      source: { kind: 'live' },
      overrides: { images: [{ key: 'api', value: image }], env: [], secrets: [] },
      forceNewDeployment: false,
      wait: true,
      timeoutSeconds: 300,
      rollbackOnFailure: true,
    });
    for (const [title, image] of [
      ['1. Deploy a healthy image', `${REGISTRY}/deals-api:sha-2222222`],
      ['2. Deploy an image that crashes on start', `${REGISTRY}/deals-api:sha-3333333-crash`],
    ]) {
      console.log(`\n=== ${title}: ${image}\n`);
      const result = await deploy(request(image!), context);
      console.log(`\n${deploySummary(result)}`);
      const failure = deployFailure(result);
      if (failure) console.log(`Step fails with ${failure.describe()}\n`);
    }
  } finally {
    await sandbox.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
