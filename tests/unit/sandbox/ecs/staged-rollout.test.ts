import type {
  DeploymentConfiguration,
  DescribeServiceDeploymentsResponse,
  DescribeServicesResponse,
  ListServiceDeploymentsResponse,
  ListTasksResponse,
  RegisterTaskDefinitionResponse,
  ServiceDeployment,
  UpdateServiceResponse,
} from '@aws-sdk/client-ecs';
import { createSimulatedAws, type SimulatedAws } from '@slipway/sandbox';

const START = Date.UTC(2025, 0, 1);
const HOOK_ROLE = 'arn:aws:iam::123456789012:role/hooks';
const lambda = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

function simulatedAws(): SimulatedAws {
  const aws: SimulatedAws = createSimulatedAws({
    region: 'us-east-1',
    accountId: '123456789012',
    clusters: ['default'],
    seed: 11,
    wallClock: () => START + aws.simulatedSeconds * 1000,
  });
  return aws;
}

function register(aws: SimulatedAws, image: string): string {
  return (
    aws.call<RegisterTaskDefinitionResponse>('RegisterTaskDefinition', {
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 3000 }] }],
    }).taskDefinition?.taskDefinitionArn ?? ''
  );
}

/** A service of 2 tasks at v1, settled, with the given strategy; then an update to `image`. */
function deploy(aws: SimulatedAws, configuration: DeploymentConfiguration, image: string): string {
  aws.call('CreateService', {
    serviceName: 'web',
    taskDefinition: register(aws, 'repo/web:1'),
    desiredCount: 2,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      ...configuration,
    },
  });
  aws.advance(120);
  const updated = aws.call<UpdateServiceResponse>('UpdateService', {
    service: 'web',
    taskDefinition: register(aws, image),
  });
  return updated.service?.deployments?.[0]?.id ?? '';
}

function ours(aws: SimulatedAws): ServiceDeployment {
  const [latest] = aws.call<ListServiceDeploymentsResponse>('ListServiceDeployments', {
    service: 'web',
  }).serviceDeployments!;
  return aws.call<DescribeServiceDeploymentsResponse>('DescribeServiceDeployments', {
    serviceDeploymentArns: [latest!.serviceDeploymentArn],
  }).serviceDeployments![0]!;
}

/** Advances second by second, recording each stage and production-traffic share as first seen. */
function follow(
  aws: SimulatedAws,
  seconds: number,
): { stages: string[]; traffic: number[]; end: ServiceDeployment } {
  const stages: string[] = [];
  const traffic: number[] = [];
  let end = ours(aws);
  for (let s = 0; s < seconds && ['IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'].includes(end.status!); s++) {
    aws.advance(1);
    end = ours(aws);
    if (end.lifecycleStage && stages.at(-1) !== end.lifecycleStage) stages.push(end.lifecycleStage);
    const share = end.targetServiceRevision?.requestedProductionTrafficWeight;
    if (share !== undefined && traffic.at(-1) !== share) traffic.push(share);
  }
  return { stages, traffic, end };
}

function runningTasks(aws: SimulatedAws, definitionSuffix: string): number {
  const arns = aws.call<ListTasksResponse>('ListTasks', { serviceName: 'web' }).taskArns ?? [];
  const described = aws.call<{ tasks: { taskDefinitionArn: string; lastStatus: string }[] }>(
    'DescribeTasks',
    { tasks: arns },
  );
  return described.tasks.filter(
    (t) => t.lastStatus === 'RUNNING' && t.taskDefinitionArn.endsWith(definitionSuffix),
  ).length;
}

describe('sandbox staged rollouts (BLUE_GREEN, LINEAR, CANARY)', () => {
  it('BLUE_GREEN walks every lifecycle stage, keeps the old tasks through the bake time, then drains them', () => {
    const aws = simulatedAws();
    const deploymentId = deploy(aws, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 2 }, 'repo/web:2');
    const { stages, traffic } = follow(aws, 90);
    expect(stages).toEqual([
      'PRE_SCALE_UP',
      'SCALE_UP',
      'POST_SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
    ]);
    expect(traffic).toEqual([0, 100]);
    const baking = ours(aws);
    expect(baking.lifecycleStage).toBe('BAKE_TIME');
    expect(baking.status).toBe('IN_PROGRESS');
    expect(runningTasks(aws, ':1')).toBe(2);
    expect(runningTasks(aws, ':2')).toBe(2);
    const { stages: rest, end } = follow(aws, 300);
    expect(rest).toEqual(['BAKE_TIME', 'CLEAN_UP']);
    expect(end.status).toBe('SUCCESSFUL');
    expect(runningTasks(aws, ':1')).toBe(0);
    const service = aws.call<DescribeServicesResponse>('DescribeServices', { services: ['web'] })
      .services![0]!;
    expect(service.deployments).toEqual([
      expect.objectContaining({ id: deploymentId, status: 'PRIMARY', rolloutState: 'COMPLETED' }),
    ]);
  });

  it('LINEAR shifts production traffic in steps with a bake between them; CANARY in two', () => {
    const linear = simulatedAws();
    deploy(
      linear,
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 } },
      'repo/web:2',
    );
    const walked = follow(linear, 600);
    expect(walked.traffic).toEqual([0, 25, 50, 75, 100]);
    expect(walked.end.status).toBe('SUCCESSFUL');

    const canary = simulatedAws();
    deploy(
      canary,
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } },
      'repo/web:2',
    );
    const atCanary = follow(canary, 600);
    expect(atCanary.traffic).toEqual([0, 10, 100]);
    expect(atCanary.end.status).toBe('SUCCESSFUL');
  });

  it('runs lifecycle hooks in their stage; a failing hook returns traffic to the old revision', () => {
    const aws = simulatedAws();
    const deploymentId = deploy(
      aws,
      {
        strategy: 'BLUE_GREEN',
        lifecycleHooks: [
          { hookTargetArn: lambda('smoke-ok'), roleArn: HOOK_ROLE, lifecycleStages: ['POST_SCALE_UP'] },
          {
            hookTargetArn: lambda('smoke-fail'),
            roleArn: HOOK_ROLE,
            lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
          },
        ],
      },
      'repo/web:2',
    );
    let seenHook: ServiceDeployment | undefined;
    for (let s = 0; s < 200 && !seenHook; s++) {
      aws.advance(1);
      const now = ours(aws);
      if (now.lifecycleStage === 'POST_SCALE_UP' && now.lifecycleHookDetails?.length) seenHook = now;
    }
    expect(seenHook?.lifecycleHookDetails).toEqual([
      expect.objectContaining({
        targetArn: lambda('smoke-ok'),
        status: 'IN_PROGRESS',
        targetType: 'AWS_LAMBDA',
      }),
    ]);
    const { end } = follow(aws, 300);
    expect(end.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(end.statusReason).toBe(
      `Lifecycle hook ${lambda('smoke-fail')} failed in stage POST_TEST_TRAFFIC_SHIFT.`,
    );
    expect(end.rollback?.reason).toMatch(/production traffic returned/);
    expect(runningTasks(aws, ':1')).toBe(2);
    expect(runningTasks(aws, ':2')).toBe(0);
    const service = aws.call<DescribeServicesResponse>('DescribeServices', { services: ['web'] })
      .services![0]!;
    expect(service.taskDefinition).toMatch(/:1$/);
    expect(service.deployments?.map((d) => d.id)).not.toContain(deploymentId);
  });

  it('a tripped circuit breaker during scale-up rolls back with the old tasks never stopped', () => {
    const aws = simulatedAws();
    deploy(aws, { strategy: 'BLUE_GREEN' }, 'repo/web:2-crash');
    const { end, traffic } = follow(aws, 600);
    expect(end.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(end.statusReason).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(end.deploymentCircuitBreaker).toMatchObject({ status: 'TRIGGERED', threshold: 3 });
    expect(traffic).toEqual([0]);
    expect(runningTasks(aws, ':1')).toBe(2);
  });

  it('rejects strategy settings ECS rejects', () => {
    const aws = simulatedAws();
    const definition = register(aws, 'repo/web:1');
    expect(() =>
      aws.call('CreateService', {
        serviceName: 'bad',
        taskDefinition: definition,
        deploymentConfiguration: { strategy: 'LINEAR' },
      }),
    ).toThrow(/stepPercent/);
    expect(() =>
      aws.call('CreateService', {
        serviceName: 'bad',
        taskDefinition: definition,
        deploymentConfiguration: { strategy: 'SIDEWAYS' },
      }),
    ).toThrow(/ROLLING, BLUE_GREEN, LINEAR, CANARY/);
  });
});
