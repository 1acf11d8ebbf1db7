/**
 * ecs-deploy preview mode through dist/ecs-deploy/index.js: ECS in the sandbox, the load balancer's
 * target groups and listener rules in moto.
 */
import {
  CreateServiceCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import {
  REGISTRY,
  describeService,
  ecsClient,
  imagesOf,
  pushImages,
  seededTaskDefinition,
} from '../../helpers/ecs';
import { MotoServer, startMoto } from '../../helpers/moto';
import { waitUntil } from '../../helpers/ports';

const CLUSTER = 'previews';
let sandbox: Sandbox;
let moto: MotoServer;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let listenerArn: string;
let templateTargetGroup: string;

beforeAll(async () => {
  [sandbox, moto] = await Promise.all([startSandbox({ speed: 100, clusters: [CLUSTER] }), startMoto()]);
  ecs = ecsClient(sandbox.url);
  const settings = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  elb = new ElasticLoadBalancingV2Client(settings);
  const ec2 = new EC2Client(settings);
  const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
  const subnets = (await ec2.send(new DescribeSubnetsCommand({})))
    .Subnets!.slice(0, 2)
    .map((s) => s.SubnetId!);
  ec2.destroy();
  const alb = await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: subnets }));
  templateTargetGroup = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: 'web',
        Protocol: 'HTTP',
        Port: 8000,
        TargetType: 'ip',
        VpcId: vpc,
        HealthCheckPath: '/health',
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  listenerArn = (
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: alb.LoadBalancers![0]!.LoadBalancerArn!,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: templateTargetGroup }],
      }),
    )
  ).Listeners![0]!.ListenerArn!;

  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand(await seededTaskDefinition(sandbox.url, 'web', `${REGISTRY}/web:v1`)),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: 'web',
      taskDefinition: registered.taskDefinition!.taskDefinitionArn,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: { subnets, securityGroups: ['sg-12345678'], assignPublicIp: 'DISABLED' },
      },
      loadBalancers: [{ targetGroupArn: templateTargetGroup, containerName: 'app', containerPort: 8000 }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
  );
  await waitUntil(async () => (await describeService(ecs, CLUSTER, 'web'))?.deployments?.length === 1, {
    timeoutMs: 60_000,
    what: 'the template service to be stable',
  });
}, 90_000);
afterAll(async () => {
  elb?.destroy();
  await Promise.all([sandbox?.stop(), moto?.stop()]);
});

// The images a preview names were pushed before it, as a build step does.
const preview = async (inputs: Record<string, string>) => {
  await pushImages(sandbox.url, imagesOf(inputs.images));
  return runAction(
    'ecs-deploy',
    { cluster: CLUSTER, services: 'web', timeout: '60', ...inputs },
    { endpoint: sandbox.url, env: { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: moto.url } },
  );
};
const routed = { 'preview-domain': 'preview.example.com', 'listener-arn': '' };
const hostRules = async () =>
  (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn })))
    .Rules!.filter((rule) => !rule.IsDefault)
    .map((rule) => ({
      host: rule.Conditions![0]!.HostHeaderConfig?.Values ?? rule.Conditions![0]!.Values,
      target: rule.Actions![0]!.TargetGroupArn,
    }));
const targetGroupArn = async (name: string) =>
  (await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups![0]!.TargetGroupArn;

test('a preview is cloned from the template, routed by host, updated in place, and deleted with its route', async () => {
  const inputs = { ...routed, 'listener-arn': listenerArn, preview: 'deploy', 'pull-request': '42' };
  const created = await preview({ ...inputs, images: `app=${REGISTRY}/web:pr-42` });
  expect(created.errors).toEqual([]);
  expect(created.outputs).toMatchObject({
    'preview-service': 'web-pr-42',
    'preview-url': 'https://pr-42.preview.example.com',
    status: 'SUCCEEDED',
  });
  expect(created.outputs['task-definition-arn']).toMatch(/task-definition\/web-pr-42:2$/);
  const service = await describeService(ecs, CLUSTER, 'web-pr-42');
  const template = await describeService(ecs, CLUSTER, 'web');
  expect(service).toMatchObject({
    status: 'ACTIVE',
    desiredCount: 1,
    launchType: 'FARGATE',
    networkConfiguration: template!.networkConfiguration,
    loadBalancers: [
      { targetGroupArn: await targetGroupArn('web-pr-42'), containerName: 'app', containerPort: 8000 },
    ],
  });
  // The template is untouched: its own target group and revision.
  expect(template!.loadBalancers![0]!.targetGroupArn).toBe(templateTargetGroup);
  expect(template!.taskDefinition).toMatch(/task-definition\/web:1$/);
  expect(await hostRules()).toEqual([
    { host: ['pr-42.preview.example.com'], target: await targetGroupArn('web-pr-42') },
  ]);

  const again = await preview({ ...inputs, images: `app=${REGISTRY}/web:pr-42` });
  expect(again.errors).toEqual([]);
  expect(again.outputs.status).toBe('UNCHANGED');
  const updated = await preview({ ...inputs, images: `app=${REGISTRY}/web:pr-42-b` });
  expect(updated.outputs.status).toBe('SUCCEEDED');
  expect(updated.outputs['task-definition-arn']).toMatch(/web-pr-42:3$/);
  expect(await hostRules()).toHaveLength(1);

  const deleted = await preview({ ...inputs, preview: 'delete' });
  expect(deleted.errors).toEqual([]);
  expect(JSON.parse(deleted.outputs['deleted-previews']!)).toEqual(['web-pr-42']);
  expect((await describeService(ecs, CLUSTER, 'web-pr-42'))?.status).not.toBe('ACTIVE');
  expect(await hostRules()).toEqual([]);
  await expect(targetGroupArn('web-pr-42')).rejects.toThrow(/not found/i);
  const revisions = await ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: 'web-pr-42', status: 'ACTIVE' }),
  );
  expect(revisions.taskDefinitionArns).toEqual([]);

  const twice = await preview({ ...inputs, preview: 'delete' });
  expect(twice.errors).toEqual([]);
  expect(JSON.parse(twice.outputs['deleted-previews']!)).toEqual([]);
}, 120_000);

test('a sweep deletes the previews of closed pull requests and keeps the open ones', async () => {
  for (const pr of ['7', '8']) {
    const run = await preview({
      preview: 'deploy',
      'pull-request': pr,
      images: `app=${REGISTRY}/web:pr-${pr}`,
    });
    expect(run.errors).toEqual([]);
  }
  const sweep = await preview({ preview: 'sweep', 'open-pull-requests': '8, 9' });
  expect(sweep.errors).toEqual([]);
  expect(JSON.parse(sweep.outputs['deleted-previews']!)).toEqual(['web-pr-7']);
  expect((await describeService(ecs, CLUSTER, 'web-pr-8'))?.status).toBe('ACTIVE');
  const expired = await preview({ preview: 'sweep', 'open-pull-requests': '8', 'preview-ttl-hours': '1' });
  expect(JSON.parse(expired.outputs['deleted-previews']!)).toEqual([]);
}, 120_000);

test('bad preview input is refused before anything changes, naming the input', async () => {
  const missing = await preview({ preview: 'deploy', images: `app=${REGISTRY}/web:x` });
  expect(missing.exitCode).toBe(1);
  expect(missing.errors[0]).toMatch(/SLW-ECS-015.*Input "pull-request" is required for preview deploy/);
  const half = await preview({ preview: 'delete', 'pull-request': '3', 'preview-domain': 'x.example.com' });
  expect(half.errors[0]).toMatch(/SLW-ECS-015.*"preview-domain" and "listener-arn" go together/);
  const badMode = await preview({ preview: 'create', 'pull-request': '3' });
  expect(badMode.errors[0]).toMatch(/Input "preview".*deploy, delete, sweep/);
  expect(await describeService(ecs, CLUSTER, 'web-pr-3')).toBeUndefined();
});
