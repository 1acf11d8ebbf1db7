import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { deploy, diffTaskDefinitions, toRegisterInput } from '@slipway/ecs';
import { memoryLogger } from '@slipway/kit';
import described from '../../fixtures/fargate-task-definition.json';
import { MotoServer, startMoto } from '../../helpers/moto';

let moto: MotoServer;
let ecs: ECSClient;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

beforeAll(async () => {
  moto = await startMoto();
  ecs = new ECSClient({ region: 'us-east-1', endpoint: moto.url, credentials });
});
afterAll(() => moto?.stop());

test('a realistic Fargate task definition round-trips through moto with only the image changed', async () => {
  const original = toRegisterInput(described.taskDefinition, described.tags).input;
  await ecs.send(new CreateClusterCommand({ clusterName: 'deals' }));
  const first = await ecs.send(new RegisterTaskDefinitionCommand(original));
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'deals',
      serviceName: 'deals-api',
      taskDefinition: first.taskDefinition!.taskDefinitionArn,
      desiredCount: 1,
      launchType: 'FARGATE',
    }),
  );

  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/deals-api@sha256:' + 'ab'.repeat(32);
  const result = await deploy(
    {
      cluster: 'deals',
      services: ['deals-api'],
      source: { kind: 'live', overrides: { images: [{ key: 'api', value: image }], env: [], secrets: [] } },
      forceNewDeployment: false,
      wait: false,
      timeoutSeconds: 30,
      rollbackOnFailure: false,
    },
    {
      ecs,
      logs: () => new CloudWatchLogsClient({ region: 'us-east-1', endpoint: moto.url, credentials }),
      logger: memoryLogger(),
    },
  );

  expect(result.services[0]).toMatchObject({ status: 'STARTED', registered: true });
  const deployed = await ecs.send(
    new DescribeTaskDefinitionCommand({
      taskDefinition: result.services[0]!.taskDefinitionArn,
      include: ['TAGS'],
    }),
  );
  expect(deployed.taskDefinition?.revision).toBe(first.taskDefinition!.revision! + 1);
  const roundTripped = toRegisterInput(deployed.taskDefinition!, deployed.tags).input;
  expect(diffTaskDefinitions(original, roundTripped)).toEqual(['containerDefinitions[api].image']);
  expect(roundTripped.containerDefinitions?.[0]?.image).toBe(image);
  expect(roundTripped.containerDefinitions?.[0]?.secrets).toEqual(
    original.containerDefinitions?.[0]?.secrets,
  );
  expect(roundTripped.containerDefinitions?.[0]?.healthCheck).toEqual(
    original.containerDefinitions?.[0]?.healthCheck,
  );
  expect(roundTripped.tags).toEqual(described.tags);

  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: 'deals', services: ['deals-api'] }),
  );
  expect(services?.[0]?.taskDefinition).toBe(result.services[0]!.taskDefinitionArn);
});
