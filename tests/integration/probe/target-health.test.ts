import {
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  TargetTypeEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { memoryLogger, Secrets, systemClock, virtualClock } from '@slipway/kit';
import { probeTargetGroup, validate } from '@slipway/probe';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { ecsClient, REGISTRY, testTaskDefinition } from '../../helpers/ecs';
import { MotoServer, startMoto } from '../../helpers/moto';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let moto: MotoServer;
let elb: ElasticLoadBalancingV2Client;
let ec2: EC2Client;
let vpcId: string;

beforeAll(async () => {
  moto = await startMoto();
  const settings = { region: 'us-east-1', endpoint: moto.url, credentials };
  elb = new ElasticLoadBalancingV2Client(settings);
  ec2 = new EC2Client(settings);
  vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
});
afterAll(async () => {
  elb?.destroy();
  ec2?.destroy();
  await moto?.stop();
});

async function targetGroup(
  name: string,
  targetType: TargetTypeEnum,
  targets: string[] = [],
): Promise<string> {
  const created = await elb.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 8000,
      VpcId: vpcId,
      TargetType: targetType,
    }),
  );
  const arn = created.TargetGroups![0]!.TargetGroupArn!;
  if (targets.length) {
    await elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets.map((Id) => ({ Id })) }),
    );
  }
  return arn;
}

/** Virtual time, 500 ms between looks; with the deadline at 0, one look and then the verdict. */
const oneLook = () => ({
  deadline: 0,
  clock: virtualClock(),
  backoff: { baseMs: 1000, capMs: 1000, random: () => 0.5 },
  logger: memoryLogger(),
});

test('healthy ip targets (Fargate tasks) pass', async () => {
  const arn = await targetGroup('fargate-ok', 'ip', ['10.0.1.10', '10.0.2.10']);
  expect(await probeTargetGroup(elb, arn, oneLook())).toEqual([
    {
      name: 'target health',
      target: expect.stringMatching(/^targetgroup\/fargate-ok\/[0-9a-f]+$/),
      observation: '2 healthy',
      verdict: 'pass',
    },
  ]);
});

test('an unhealthy target is named with its State, Reason and Description', async () => {
  const launched = await ec2.send(
    new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2 }),
  );
  const [up, down] = launched.Instances!.map((i) => i.InstanceId!);
  const arn = await targetGroup('half-down', 'instance', [up!, down!]);
  await ec2.send(new StopInstancesCommand({ InstanceIds: [down!] }));

  const [health] = await probeTargetGroup(elb, arn, oneLook());
  const seen = `${down}:8000 unused (Target.InvalidState: Target is in the stopped state)`;
  expect(health).toMatchObject({ verdict: 'fail', observation: `1 of 2 not healthy: ${seen}`, detail: seen });
});

test('a target group with no targets fails once the deadline has passed', async () => {
  const arn = await targetGroup('empty', 'ip');
  const patience = { ...oneLook(), deadline: 3_000 };
  const [health] = await probeTargetGroup(elb, arn, patience);
  expect(health).toMatchObject({ verdict: 'fail', observation: 'no registered targets' });
  expect(patience.clock.slept).toEqual([500, 500, 500, 500, 500, 500]);
});

test('a target group that does not exist fails at once, without waiting', async () => {
  const arn = (await targetGroup('short-lived', 'ip')).replace('short-lived', 'never-made');
  const patience = { ...oneLook(), deadline: 60_000 };
  const [health] = await probeTargetGroup(elb, arn, patience);
  expect(health).toMatchObject({ verdict: 'fail', observation: 'target group not found' });
  expect(patience.clock.slept).toEqual([]);
});

describe('validate: the service’s own target groups are found and checked', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  beforeAll(async () => {
    sandbox = await startSandbox({ speed: 100, clusters: ['lb'] });
    ecs = ecsClient(sandbox.url);
  });
  afterAll(async () => {
    ecs?.destroy();
    await sandbox?.stop();
  });

  test('a service just created behind a target group: waited for until healthy, then every check passes', async () => {
    const targetGroupArn = await targetGroup('behind-lb', 'ip', ['10.0.3.10', '10.0.4.10']);
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand(testTaskDefinition('behind-lb', `${REGISTRY}/app:v1`)),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'lb',
        serviceName: 'behind-lb',
        taskDefinition: registered.taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8000 }],
      }),
    );
    const report = await validate(
      { ecs: { cluster: 'lb', services: ['behind-lb'] }, targetGroupArns: [], timeoutSeconds: 20 },
      { ecs: () => ecs, elb: () => elb, logger: memoryLogger(), secrets: new Secrets(), clock: systemClock },
    );
    expect(report.checks.map((c) => [c.name, c.target, c.verdict])).toEqual([
      ['service status', 'lb/behind-lb', 'pass'],
      ['stopped tasks', 'lb/behind-lb', 'pass'],
      ['rollout', 'lb/behind-lb', 'pass'],
      ['running count', 'lb/behind-lb', 'pass'],
      ['task revision', 'lb/behind-lb', 'pass'],
      ['container health', 'lb/behind-lb', 'pass'],
      ['target health', expect.stringMatching(/^targetgroup\/behind-lb\//), 'pass'],
    ]);
    expect(report.passed).toBe(true);
  });
});
