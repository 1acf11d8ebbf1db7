import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { deploy, DeployRequest } from '@slipway/ecs';
import { memoryLogger, virtualClock } from '@slipway/kit';
import described from '../../fixtures/fargate-task-definition.json';

const ecs = mockClient(ECSClient);
const LIVE = described.taskDefinition.taskDefinitionArn;
const REGISTERED = LIVE.replace(/:41$/, ':42');

const request = (r: Partial<DeployRequest> = {}): DeployRequest => ({
  cluster: 'c',
  services: ['api'],
  source: {
    kind: 'live',
    overrides: { images: [{ key: 'api', value: 'repo/api:2' }], env: [], secrets: [] },
  },
  forceNewDeployment: false,
  wait: true,
  timeoutSeconds: 60,
  rollbackOnFailure: true,
  ...r,
});
const context = () => ({
  ecs: new ECSClient({ region: 'us-east-1', maxAttempts: 1 }),
  logs: () => new CloudWatchLogsClient({ region: 'us-east-1' }),
  logger: memoryLogger(),
  clock: virtualClock(Date.parse('2026-11-23T10:00:00Z')),
  random: () => 0.5,
});
const service = (name: string, taskDefinition = LIVE, deployments: Service['deployments'] = []): Service => ({
  serviceName: name,
  status: 'ACTIVE',
  taskDefinition,
  desiredCount: 2,
  deployments,
  deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
});

beforeEach(() => {
  ecs.reset();
  ecs
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: described.taskDefinition as never, tags: described.tags });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: REGISTERED } });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
});

test('nothing changed: no revision, no deployment, and it says so', async () => {
  ecs.on(DescribeServicesCommand).resolves({ services: [service('api')] });
  const image = described.taskDefinition.containerDefinitions[0]!.image;
  const result = await deploy(
    request({
      source: { kind: 'live', overrides: { images: [{ key: 'api', value: image }], env: [], secrets: [] } },
    }),
    context(),
  );
  expect(result.status).toBe('UNCHANGED');
  expect(result.services[0]).toMatchObject({ taskDefinitionArn: LIVE, registered: false, changes: [] });
  expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
});

test('bad input on any service changes nothing on any service', async () => {
  ecs.on(DescribeServicesCommand).resolves({ services: [service('api'), service('worker')] });
  ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'worker:7' }).resolves({
    taskDefinition: {
      family: 'worker',
      revision: 7,
      containerDefinitions: [{ name: 'worker', image: 'w:1' }],
    },
  });
  ecs.on(DescribeServicesCommand).resolves({ services: [service('api'), service('worker', 'worker:7')] });
  await expect(deploy(request({ services: ['api', 'worker'] }), context())).rejects.toMatchObject({
    code: 'SLW-ECS-002',
  });
  expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
});

test('unknown services and clusters are configuration errors naming them', async () => {
  ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [service('api')], failures: [{ arn: 'x', reason: 'MISSING' }] });
  await expect(deploy(request({ services: ['api', 'ghost'] }), context())).rejects.toThrow(
    /"ghost" not found/,
  );
  ecs
    .on(DescribeServicesCommand)
    .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));
  await expect(deploy(request(), context())).rejects.toMatchObject({ code: 'SLW-ECS-005' });
  expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
});

test('services sharing a family and image register one revision, and all deploy it', async () => {
  let polls = 0;
  ecs.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => ({
    services: services.map((name) =>
      polls++ < 2
        ? service(name)
        : service(name, REGISTERED, [
            {
              id: `ecs-svc/${name}`,
              status: 'PRIMARY',
              rolloutState: 'COMPLETED',
              taskDefinition: REGISTERED,
            },
          ]),
    ),
  }));
  ecs.on(UpdateServiceCommand).callsFake(({ service: name }: { service: string }) => ({
    service: { deployments: [{ id: `ecs-svc/${name}`, status: 'PRIMARY' }] },
  }));
  const result = await deploy(request({ services: ['api', 'api-canary'] }), context());
  expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
  const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
  expect(registered.containerDefinitions?.[0]?.image).toBe('repo/api:2');
  expect(registered.tags).toEqual(described.tags);
  expect(registered).not.toHaveProperty('revision');
  expect(result.status).toBe('SUCCEEDED');
  expect(result.services.map((s) => [s.service, s.deploymentId, s.taskDefinitionArn])).toEqual([
    ['api', 'ecs-svc/api', REGISTERED],
    ['api-canary', 'ecs-svc/api-canary', REGISTERED],
  ]);
});

test('a failed deployment without a breaker rollback is rolled back to the previous revision by us', async () => {
  let rolledBack = false;
  let polls = 0;
  ecs.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => ({
    services: services.map((name) => {
      if (polls++ === 0) return service(name);
      if (rolledBack)
        return service(name, LIVE, [
          { id: 'ecs-svc/back', status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: LIVE },
        ]);
      return service(name, REGISTERED, [
        {
          id: 'ecs-svc/new',
          status: 'PRIMARY',
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          taskDefinition: REGISTERED,
        },
      ]);
    }),
  }));
  ecs.on(UpdateServiceCommand).callsFake(({ taskDefinition }: { taskDefinition: string }) => {
    rolledBack = taskDefinition === LIVE;
    return {
      service: { deployments: [{ id: rolledBack ? 'ecs-svc/back' : 'ecs-svc/new', status: 'PRIMARY' }] },
    };
  });
  const result = await deploy(request(), context());
  expect(result.status).toBe('FAILED');
  expect(result.services[0]!.rollback).toMatchObject({
    status: 'SUCCEEDED',
    taskDefinitionArn: LIVE,
    deploymentId: 'ecs-svc/back',
  });
  expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([
    REGISTERED,
    LIVE,
  ]);
});

test('rollback-on-failure: false leaves the failed revision in place', async () => {
  let polls = 0;
  const failed = {
    id: 'ecs-svc/new',
    status: 'PRIMARY',
    rolloutState: 'FAILED' as const,
    taskDefinition: REGISTERED,
  };
  ecs.on(DescribeServicesCommand).callsFake(() => ({
    services: [polls++ === 0 ? service('api') : service('api', REGISTERED, [failed])],
  }));
  ecs
    .on(UpdateServiceCommand)
    .resolves({ service: { deployments: [{ id: 'ecs-svc/new', status: 'PRIMARY' }] } });
  const result = await deploy(request({ rollbackOnFailure: false }), context());
  expect(result.status).toBe('FAILED');
  expect(result.services[0]!.rollback).toBeUndefined();
  expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
});
