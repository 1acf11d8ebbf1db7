import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type CreateDeploymentInput,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import {
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  UpdateServiceCommand,
  type Service,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { stringify } from 'yaml';
import { eventually } from '../../helpers/ports';
import { registerApp, requireService } from '../../helpers/ecs';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'eu-central-1';
const ROLE = 'arn:aws:iam::123456789012:role/codedeploy-ecs';
const lambda = (name: string) => `arn:aws:lambda:${region}:123456789012:function:${name}`;
const FINISHED = ['Succeeded', 'Failed', 'Stopped'];

let sandbox: Sandbox;
let ecs: ECSClient;
let codedeploy: CodeDeployClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 200, tickMs: 10, region });
  ecs = new ECSClient({ endpoint: sandbox.url, region, credentials });
  codedeploy = new CodeDeployClient({ endpoint: sandbox.url, region, credentials });
});

afterAll(async () => {
  ecs.destroy();
  codedeploy.destroy();
  await sandbox.stop();
});

const register = (family: string, image: string) => registerApp(ecs, family, image);
const describeService = (name: string) => requireService(ecs, name);

/** Settled: one deployment, COMPLETED, all of its tasks running. */
const settledOn = (taskDefinition: string) => (s: Service) =>
  s.taskDefinition === taskDefinition &&
  s.deployments?.length === 1 &&
  s.deployments[0]?.rolloutState === 'COMPLETED' &&
  s.runningCount === s.desiredCount;

/**
 * A CODE_DEPLOY service `name` on revision 1, settled, with a CodeDeploy application and deployment
 * group of the same name that roll back on failure. Returns revision 1's ARN.
 */
async function codeDeployedService(name: string): Promise<string> {
  const v1 = await register(name, `repo/${name}:1`);
  await ecs.send(
    new CreateServiceCommand({
      serviceName: name,
      taskDefinition: v1,
      desiredCount: 2,
      launchType: 'FARGATE',
      deploymentController: { type: 'CODE_DEPLOY' },
    }),
  );
  await eventually(`${name} to settle`, () => describeService(name), settledOn(v1));
  await codedeploy.send(new CreateApplicationCommand({ applicationName: name, computePlatform: 'ECS' }));
  await codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: name,
      deploymentGroupName: name,
      serviceRoleArn: ROLE,
      ecsServices: [{ clusterName: 'default', serviceName: name }],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: `${name}-blue` }, { name: `${name}-green` }],
            prodTrafficRoute: { listenerArns: ['arn:aws:elasticloadbalancing:listener/prod'] },
          },
        ],
      },
    }),
  );
  return v1;
}

function appSpec(taskDefinition: string, options: { hooks?: object[]; port?: number } = {}): string {
  return stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinition,
            LoadBalancerInfo: { ContainerName: 'app', ContainerPort: options.port ?? 3000 },
          },
        },
      },
    ],
    ...(options.hooks && { Hooks: options.hooks }),
  });
}

const appSpecRevision = (content: string): RevisionLocation => ({
  revisionType: 'AppSpecContent',
  appSpecContent: { content },
});

async function deploy(
  name: string,
  revision: RevisionLocation,
  extra: Partial<CreateDeploymentInput> = {},
): Promise<string> {
  const created = await codedeploy.send(
    new CreateDeploymentCommand({ applicationName: name, deploymentGroupName: name, revision, ...extra }),
  );
  return created.deploymentId ?? '';
}

async function getDeployment(deploymentId: string): Promise<DeploymentInfo> {
  const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  if (!info) throw new Error(`deployment ${deploymentId} missing`);
  return info;
}

/** Polls until the deployment has finished; returns every status seen on the way, in order. */
async function follow(deploymentId: string): Promise<{ seen: string[]; end: DeploymentInfo }> {
  const seen: string[] = [];
  const end = await eventually(
    `deployment ${deploymentId} to finish`,
    async () => {
      const info = await getDeployment(deploymentId);
      if (seen.at(-1) !== info.status) seen.push(info.status ?? '');
      return info;
    },
    (info) => FINISHED.includes(info.status ?? ''),
  );
  return { seen, end };
}

async function latestServiceDeployment(service: string): Promise<ServiceDeployment | undefined> {
  const [brief] = (await ecs.send(new ListServiceDeploymentsCommand({ service }))).serviceDeployments ?? [];
  if (!brief) return undefined;
  const described = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [brief.serviceDeploymentArn!] }),
  );
  return described.serviceDeployments?.[0];
}

describe('sandbox CodeDeploy through the real CodeDeployClient', () => {
  it('deploys a new task definition to the ECS service: Created/InProgress → Succeeded', async () => {
    await codeDeployedService('cd-ok');
    const v2 = await register('cd-ok', 'repo/cd-ok:2');
    const deploymentId = await deploy('cd-ok', appSpecRevision(appSpec(v2)));
    expect(deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);

    const { seen, end } = await follow(deploymentId);
    expect(seen).toContain('InProgress');
    expect(seen.filter((s) => !['Created', 'InProgress'].includes(s))).toEqual(['Succeeded']);
    expect(end).toMatchObject({
      applicationName: 'cd-ok',
      deploymentGroupName: 'cd-ok',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      creator: 'user',
      computePlatform: 'ECS',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 1, Failed: 0, Skipped: 0 },
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(v2) } },
    });
    expect(end.errorInformation).toBeUndefined();
    expect(end.completeTime!.getTime()).toBeGreaterThanOrEqual(end.createTime!.getTime());

    const service = await eventually(
      'the original tasks to drain',
      () => describeService('cd-ok'),
      settledOn(v2),
    );
    expect(service.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
    const group = await codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: 'cd-ok', deploymentGroupName: 'cd-ok' }),
    );
    expect(group.deploymentGroupInfo).toMatchObject({
      computePlatform: 'ECS',
      ecsServices: [{ clusterName: 'default', serviceName: 'cd-ok' }],
      lastSuccessfulDeployment: { deploymentId, status: 'Succeeded' },
    });
    const listed = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: 'cd-ok',
        deploymentGroupName: 'cd-ok',
        includeOnlyStatuses: ['Succeeded'],
      }),
    );
    expect(listed.deployments).toEqual([deploymentId]);
  });

  it('fails a crashing image with ECS_UPDATE_ERROR and leaves the service on the original revision', async () => {
    const v1 = await codeDeployedService('cd-broken');
    const v2 = await register('cd-broken', 'repo/x:2-crash');
    const deploymentId = await deploy('cd-broken', appSpecRevision(appSpec(v2)));

    const { end } = await follow(deploymentId);
    expect(end.status).toBe('Failed');
    expect(end.errorInformation?.code).toBe('ECS_UPDATE_ERROR');
    expect(end.errorInformation?.message).toBe(
      'The ECS service cannot be updated due to an unexpected error: ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(end.rollbackInfo?.rollbackMessage).toContain(v1);
    expect(end.deploymentOverview).toMatchObject({ Failed: 1, Succeeded: 0 });
    await eventually('the crashing tasks to drain', () => describeService('cd-broken'), settledOn(v1));
  });

  it('fails on a hook whose Lambda fails with HOOK_EXECUTION_FAILURE naming the hook and its event', async () => {
    const v1 = await codeDeployedService('cd-hook');
    const v2 = await register('cd-hook', 'repo/cd-hook:2');
    const content = JSON.stringify({
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: v2,
              LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 3000 },
            },
          },
        },
      ],
      Hooks: [{ AfterInstall: lambda('smoke-ok') }, { AfterAllowTestTraffic: lambda('smoke-fail') }],
    });
    const deploymentId = await deploy('cd-hook', { revisionType: 'String', string: { content } });

    const { end } = await follow(deploymentId);
    expect(end.status).toBe('Failed');
    expect(end.errorInformation).toEqual({
      code: 'HOOK_EXECUTION_FAILURE',
      message: `The deployment failed because the AfterAllowTestTraffic lifecycle event hook ${lambda('smoke-fail')} returned Failed.`,
    });
    await eventually('the new tasks to drain', () => describeService('cd-hook'), settledOn(v1));
  });

  it('shifts 10% first for a canary configuration; StopDeployment returns traffic and ends it Stopped', async () => {
    const v1 = await codeDeployedService('cd-stop');
    const v2 = await register('cd-stop', 'repo/cd-stop:2');
    const deploymentId = await deploy('cd-stop', appSpecRevision(appSpec(v2)), {
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
    });
    const canary = await eventually(
      'the canary share of production traffic',
      () => latestServiceDeployment('cd-stop'),
      (sd) => sd?.targetServiceRevision?.requestedProductionTrafficWeight === 10,
    );
    expect(canary?.deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 15 },
    });
    expect((await getDeployment(deploymentId)).status).toBe('InProgress');

    const stop = await codedeploy.send(
      new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }),
    );
    expect(stop.status).toBe('Pending');
    const end = await getDeployment(deploymentId);
    expect(end.status).toBe('Stopped');
    expect(end.errorInformation?.code).toBe('MANUAL_STOP');
    expect(end.rollbackInfo?.rollbackMessage).toContain(v1);
    expect(
      (await latestServiceDeployment('cd-stop'))?.targetServiceRevision?.requestedProductionTrafficWeight,
    ).toBe(0);
    await eventually('the new tasks to drain', () => describeService('cd-stop'), settledOn(v1));
    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId }))).rejects.toMatchObject({
      name: 'DeploymentAlreadyCompletedException',
    });
  });

  it('allows one active deployment per deployment group', async () => {
    await codeDeployedService('cd-busy');
    const v2 = await register('cd-busy', 'repo/cd-busy:2');
    const first = await deploy('cd-busy', appSpecRevision(appSpec(v2)), {
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
    });
    await expect(deploy('cd-busy', appSpecRevision(appSpec(v2)))).rejects.toMatchObject({
      name: 'DeploymentLimitExceededException',
      message: `The Deployment Group 'cd-busy' already has an active Deployment '${first}'`,
    });
    await codedeploy.send(new StopDeploymentCommand({ deploymentId: first }));
    const second = await deploy('cd-busy', appSpecRevision(appSpec(v2)));
    expect((await follow(second)).end.status).toBe('Succeeded');
  });

  it('fails an AppSpec it cannot use (INVALID_REVISION) or one ECS would refuse (ECS_UPDATE_ERROR)', async () => {
    const v1 = await codeDeployedService('cd-invalid');
    const malformed = await deploy('cd-invalid', appSpecRevision('version: 0.0\nResources: [ {'));
    expect(await getDeployment(malformed)).toMatchObject({
      status: 'Failed',
      errorInformation: {
        code: 'INVALID_REVISION',
        message:
          'The deployment failed because the AppSpec file that specifies the deployment configuration is missing or has an invalid configuration. The input AppSpec file is a not well-formed yaml. The template cannot be parsed.',
      },
    });
    const wrongPort = await deploy('cd-invalid', appSpecRevision(appSpec(v1, { port: 8080 })));
    expect((await getDeployment(wrongPort)).errorInformation).toEqual({
      code: 'ECS_UPDATE_ERROR',
      message:
        'The ECS service cannot be updated due to an unexpected error: The container app did not have a container port 8080 defined.',
    });
    const unknown = await deploy('cd-invalid', appSpecRevision(appSpec(`${v1.slice(0, -2)}:99`)));
    expect((await getDeployment(unknown)).errorInformation?.message).toMatch(/TaskDefinition not found/);
    const service = await describeService('cd-invalid');
    expect(settledOn(v1)(service)).toBe(true);
  });

  it('refuses UpdateService of the task definition on a CODE_DEPLOY service but still scales it', async () => {
    const v1 = await codeDeployedService('cd-update');
    const v2 = await register('cd-update', 'repo/cd-update:2');
    const refused = {
      name: 'InvalidParameterException',
      message:
        'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    };
    await expect(
      ecs.send(new UpdateServiceCommand({ service: 'cd-update', taskDefinition: v2, desiredCount: 5 })),
    ).rejects.toMatchObject(refused);
    await expect(
      ecs.send(new UpdateServiceCommand({ service: 'cd-update', forceNewDeployment: true })),
    ).rejects.toMatchObject(refused);
    const scaled = await ecs.send(new UpdateServiceCommand({ service: 'cd-update', desiredCount: 3 }));
    expect(scaled.service).toMatchObject({ desiredCount: 3, taskDefinition: v1 });
    await eventually(
      'the third task',
      () => describeService('cd-update'),
      (s) => s.runningCount === 3,
    );
  });

  it("answers CodeDeploy's errors for unknown or conflicting names and unusable requests", async () => {
    await codeDeployedService('cd-errors');
    const v1 = await register('cd-errors-ecs', 'repo/cd-errors-ecs:1');
    await ecs.send(new CreateServiceCommand({ serviceName: 'cd-errors-ecs', taskDefinition: v1 }));
    const group = { applicationName: 'cd-errors', deploymentGroupName: 'cd-errors' };
    const cases: [() => Promise<unknown>, string][] = [
      [
        () => codedeploy.send(new GetApplicationCommand({ applicationName: 'nope' })),
        'ApplicationDoesNotExistException',
      ],
      [
        () => codedeploy.send(new GetDeploymentGroupCommand({ ...group, deploymentGroupName: 'nope' })),
        'DeploymentGroupDoesNotExistException',
      ],
      [() => deploy('nope', appSpecRevision(appSpec(v1))), 'ApplicationDoesNotExistException'],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({
              ...group,
              deploymentGroupName: 'nope',
              revision: appSpecRevision(appSpec(v1)),
            }),
          ),
        'DeploymentGroupDoesNotExistException',
      ],
      [
        () =>
          codedeploy.send(
            new CreateApplicationCommand({ applicationName: 'cd-errors', computePlatform: 'ECS' }),
          ),
        'ApplicationAlreadyExistsException',
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentGroupCommand({
              ...group,
              serviceRoleArn: ROLE,
              ecsServices: [{ clusterName: 'default', serviceName: 'cd-errors' }],
            }),
          ),
        'DeploymentGroupAlreadyExistsException',
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentGroupCommand({
              ...group,
              deploymentGroupName: 'ecs-controlled',
              serviceRoleArn: ROLE,
              ecsServices: [{ clusterName: 'default', serviceName: 'cd-errors-ecs' }],
            }),
          ),
        'InvalidECSServiceException',
      ],
      [() => codedeploy.send(new CreateDeploymentCommand(group)), 'RevisionRequiredException'],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({
              ...group,
              revision: appSpecRevision(appSpec(v1)),
              deploymentConfigName: 'CodeDeployDefault.ECSHalfAtOnce',
            }),
          ),
        'DeploymentConfigDoesNotExistException',
      ],
      [
        () => codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-NOTHERE00' })),
        'DeploymentDoesNotExistException',
      ],
    ];
    for (const [call, name] of cases) await expect(call()).rejects.toMatchObject({ name });
  });
});
