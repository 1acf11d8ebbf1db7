import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import {
  createStableService,
  describeService,
  ecsClient,
  imagesOf,
  pushImages,
  REGISTRY,
  writeAppSpecFile,
} from '../../helpers/ecs';

let sandbox: Sandbox;
let ecs: ECSClient;
let codedeploy: CodeDeployClient;
const CLUSTER = 'cd';
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0123456789abcdef';
const lambda = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 50, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
  codedeploy = new CodeDeployClient({
    region: 'us-east-1',
    endpoint: sandbox.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
});
afterAll(() => sandbox?.stop());

/** A CODE_DEPLOY service behind a load balancer, with the application and group the console would make. */
async function codeDeployService(name: string, deploymentConfigName = 'CodeDeployDefault.ECSAllAtOnce') {
  const before = await createStableService(ecs, name, {
    cluster: CLUSTER,
    deploymentController: { type: 'CODE_DEPLOY' },
    loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: 'app', containerPort: 8000 }],
  });
  const application = `AppECS-${CLUSTER}-${name}`;
  await codedeploy.send(
    new CreateApplicationCommand({ applicationName: application, computePlatform: 'ECS' }),
  );
  await codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: application,
      deploymentGroupName: `DgpECS-${CLUSTER}-${name}`,
      serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy-ecs',
      deploymentConfigName,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: CLUSTER, serviceName: name }],
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 1 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
      },
    }),
  );
  return before;
}

// The images a deploy names were pushed before it, as a build step does.
const deploy = async (inputs: Record<string, string>) => {
  await pushImages(sandbox.url, imagesOf(inputs.images));
  // The AppSpec files are written under the temp dir: it is their workspace.
  return runAction(
    'ecs-deploy',
    { cluster: CLUSTER, timeout: '120', ...inputs },
    {
      endpoint: sandbox.url,
      env: { GITHUB_WORKSPACE: tmpdir() },
    },
  );
};

test.concurrent('a generated AppSpec deploys the new revision through CodeDeploy', async () => {
  await codeDeployService('web', 'CodeDeployDefault.ECSCanary10Percent5Minutes');
  const run = await deploy({ services: 'web', images: `app=${REGISTRY}/web:v2` });
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.outputs.status).toBe('SUCCEEDED');
  const deploymentId = run.outputs['deployment-id']!;
  expect(deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
  const [result] = JSON.parse(run.outputs.results!);
  expect(result).toMatchObject({
    controller: 'CODE_DEPLOY',
    strategy: 'CODE_DEPLOY (CodeDeployDefault.ECSCanary10Percent5Minutes)',
  });
  const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
  expect(info.status).toBe('Succeeded');
  const appSpec = JSON.parse(info.revision?.appSpecContent?.content ?? '{}');
  expect(appSpec.Resources[0].TargetService.Properties).toEqual({
    TaskDefinition: run.outputs['task-definition-arn'],
    LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8000 },
  });
  expect((await describeService(ecs, CLUSTER, 'web'))?.taskDefinition).toBe(
    run.outputs['task-definition-arn'],
  );
  expect(run.stdout).toMatch(/web: CodeDeploy deployment d-[A-Z0-9]{9} started/);
});

test.concurrent(
  'crashing tasks: CodeDeploy’s error information reported, its rollback the verdict',
  async () => {
    const before = await codeDeployService('crashy');
    const run = await deploy({ services: 'crashy', images: `app=${REGISTRY}/crashy:crash-v2` });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('ROLLED_BACK');
    expect(run.errors[0]).toContain('title=SLW-ECS-011');
    expect(run.errors[0]).toMatch(/CodeDeploy ECS_UPDATE_ERROR: /);
    expect(run.errors[0]).toMatch(/The app exited with code 1/);
    expect(run.summary).toMatch(/CodeDeploy ECS_UPDATE_ERROR/);
    expect((await describeService(ecs, CLUSTER, 'crashy'))?.taskDefinition).toBe(before);
  },
);

test.concurrent(
  'an AppSpec file with a failing hook: HOOK_EXECUTION_FAILURE named as the cause',
  async () => {
    const before = await codeDeployService('hooked');
    const path = await writeAppSpecFile(lambda('smoke-fail'));
    const run = await deploy({
      services: 'hooked',
      images: `app=${REGISTRY}/hooked:v2`,
      'codedeploy-appspec': path,
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('ROLLED_BACK');
    expect(run.errors[0]).toMatch(/CodeDeploy HOOK_EXECUTION_FAILURE/);
    expect(run.summary).toMatch(/\*\*Cause:\*\* CodeDeploy stopped the deployment: HOOK_EXECUTION_FAILURE/);
    expect((await describeService(ecs, CLUSTER, 'hooked'))?.taskDefinition).toBe(before);
  },
);

test.concurrent('bad input changes nothing: a missing deployment group and an invalid AppSpec', async () => {
  const before = await createStableService(ecs, 'orphan', {
    cluster: CLUSTER,
    deploymentController: { type: 'CODE_DEPLOY' },
    loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: 'app', containerPort: 8000 }],
  });
  const missing = await deploy({ services: 'orphan', images: `app=${REGISTRY}/orphan:v2` });
  expect(missing.exitCode).toBe(1);
  expect(missing.errors[0]).toContain('title=SLW-ECS-019');
  expect(missing.errors[0]).toContain('AppECS-cd-orphan');

  await codeDeployService('badspec');
  const dir = await mkdtemp(join(tmpdir(), 'appspec-'));
  const path = join(dir, 'appspec.json');
  await writeFile(path, JSON.stringify({ version: 0, Resources: [] }));
  const invalid = await deploy({
    services: 'badspec',
    images: `app=${REGISTRY}/badspec:v2`,
    'codedeploy-appspec': path,
  });
  expect(invalid.exitCode).toBe(1);
  expect(invalid.errors[0]).toContain('title=SLW-ECS-018');
  expect(invalid.errors[0]).toContain('codedeploy-appspec');

  expect((await describeService(ecs, CLUSTER, 'orphan'))?.taskDefinition).toBe(before);
  const revisions = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'badspec' }));
  expect(revisions.taskDefinitionArns).toHaveLength(1);
});
