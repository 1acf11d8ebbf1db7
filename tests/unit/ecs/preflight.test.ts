import { cpuUnits, fargateSizeProblem, memoryMiB } from '@slipway/ecs/src/fargate';
import { appendPlan, preflightFailure, servicePlan, type DeployPlan } from '@slipway/ecs/src/plan';
import {
  PREVENTED_CAUSE,
  checkFargateSize,
  checkLoadBalancers,
  checkNetwork,
  parseImageRef,
  secretSource,
  type Named,
  type PreflightCheck,
} from '@slipway/ecs/src/preflight';
import { Summary } from '@slipway/kit';
import type { EC2Client } from '@aws-sdk/client-ec2';

describe('Fargate sizes', () => {
  test.each([
    ['256', '512'],
    ['256', '2048'],
    ['0.25 vCPU', '1 GB'],
    ['512', '4096'],
    ['1 vCPU', '8 GB'],
    ['2048', '16384'],
    ['4096', '30720'],
    ['8192', '61440'],
    ['16 vcpu', '120gb'],
  ])('cpu %s with memory %s runs', (cpu, memory) => {
    expect(fargateSizeProblem(cpu, memory)).toBeUndefined();
  });

  test.each([
    ['256', '1536', /memory "1536" does not go with cpu 256 .*512, 1024, 2048/],
    ['256', '4096', /does not go with cpu 256/],
    ['512', '512', /does not go with cpu 512 .*1024, 2048, 3072, 4096/],
    ['8192', '18432', /steps of 4096/],
    ['300', '1024', /cpu "300" is not a Fargate size/],
    ['1024', undefined, /one of them is missing/],
    ['two', '1024', /not a Fargate size/],
  ])('cpu %s with memory %s is refused', (cpu, memory, problem) => {
    expect(fargateSizeProblem(cpu, memory)).toMatch(problem);
  });

  test('units and vCPU, MiB and GB read alike', () => {
    expect([cpuUnits('0.5 vCPU'), cpuUnits('512'), cpuUnits('x')]).toEqual([512, 512, undefined]);
    expect([memoryMiB('3 GB'), memoryMiB('3072'), memoryMiB('3 TB')]).toEqual([3072, 3072, undefined]);
  });
});

describe('image references', () => {
  test.each([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:v2',
      { repository: 'team/web', tag: 'v2', ecr: { registryId: '123456789012', region: 'eu-west-1' } },
    ],
    [
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`,
      { repository: 'web', tag: undefined, digest: `sha256:${'a'.repeat(64)}` },
    ],
    ['nginx', { registry: 'registry-1.docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['grafana/grafana:11', { registry: 'registry-1.docker.io', repository: 'grafana/grafana', tag: '11' }],
    ['127.0.0.1:5000/app:v1', { registry: '127.0.0.1:5000', repository: 'app', tag: 'v1', ecr: undefined }],
    [
      'public.ecr.aws/nginx/nginx:1.27',
      { registry: 'public.ecr.aws', repository: 'nginx/nginx', ecr: undefined },
    ],
  ])('%s', (image, expected) => {
    expect(parseImageRef(image)).toMatchObject(expected);
  });
});

describe('where a secret lives', () => {
  test('a Secrets Manager ARN with a JSON key and stage: the secret alone, in its own region', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
    expect(secretSource(`${arn}:password:AWSCURRENT:`, 'us-east-1')).toEqual({
      store: 'secretsmanager',
      region: 'eu-west-1',
      id: arn,
      arn,
    });
  });

  test('a parameter by ARN in its region, by name in the deploy’s', () => {
    const arn = 'arn:aws:ssm:eu-central-1:123456789012:parameter/app/url';
    expect(secretSource(arn, 'us-east-1')).toMatchObject({ store: 'ssm', region: 'eu-central-1', id: arn });
    expect(secretSource('/app/url', 'us-east-1')).toEqual({
      store: 'ssm',
      region: 'us-east-1',
      id: '/app/url',
    });
  });
});

const target = (
  overrides: Partial<Named['definition']> = {},
  service: Partial<Named['service']> = {},
): Named => ({
  name: 'web',
  service: {
    serviceName: 'web',
    launchType: 'FARGATE',
    taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/web:4',
    desiredCount: 2,
    ...service,
  },
  definition: {
    family: 'web',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'nginx:1', portMappings: [{ containerPort: 8000 }] }],
    ...overrides,
  },
});

describe('checks on the definition itself', () => {
  test('Fargate size is checked only for what runs on Fargate', () => {
    expect(checkFargateSize(target({ memory: '4096' }))[0]).toMatchObject({
      status: 'failed',
      kind: 'fargate-size',
    });
    expect(checkFargateSize(target({ memory: '4096' }, { launchType: 'EC2' }))).toEqual([]);
    expect(
      checkFargateSize(
        target(
          { memory: '4096' },
          { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] },
        ),
      )[0]?.status,
    ).toBe('failed');
  });

  test('a load balancer needs its container and port in the new definition', () => {
    const lb = (containerName: string, containerPort: number) => ({
      loadBalancers: [
        {
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web-tg/abc',
          containerName,
          containerPort,
        },
      ],
    });
    expect(checkLoadBalancers(target({}, lb('app', 8000)))[0]).toMatchObject({
      status: 'passed',
      resource: 'web-tg → app:8000',
    });
    expect(checkLoadBalancers(target({}, lb('app', 9000)))[0]).toMatchObject({
      status: 'failed',
      container: 'app',
      detail: 'container "app" maps no port 9000 (it maps 8000)',
    });
    expect(checkLoadBalancers(target({}, lb('web', 8000)))[0]?.detail).toBe(
      'the new definition has no container "web" (it has app)',
    );
  });
});

describe('the network configuration', () => {
  const vpc = { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } };
  const asked: string[] = [];
  const clients = {
    region: 'us-east-1',
    ec2: async () =>
      ({
        send: async (command: { constructor: { name: string }; input: unknown }) => {
          asked.push(command.constructor.name);
          return command.constructor.name === 'DescribeSubnetsCommand'
            ? { Subnets: [] }
            : { SecurityGroups: [{ GroupId: 'sg-1' }] };
        },
      }) as unknown as EC2Client,
  } as unknown as Parameters<typeof checkNetwork>[1];
  beforeEach(() => asked.splice(0));

  test('a service whose tasks run is not looked up: its tasks hold the subnets and groups', async () => {
    const checks = await checkNetwork([target({}, { networkConfiguration: vpc, runningCount: 2 })], clients);
    expect(asked).toEqual([]);
    expect(checks.map((c) => [c.resource, c.status, c.detail])).toEqual([
      ['subnet-1', 'passed', "in use by the service's 2 running tasks"],
      ['sg-1', 'passed', "in use by the service's 2 running tasks"],
    ]);
  });

  test('a service running no task has its subnets and groups looked up', async () => {
    const checks = await checkNetwork([target({}, { networkConfiguration: vpc, runningCount: 0 })], clients);
    expect(asked.sort()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeSubnetsCommand']);
    expect(checks.map((c) => [c.resource, c.status])).toEqual([
      ['subnet-1', 'failed'],
      ['sg-1', 'passed'],
    ]);
  });
});

describe('the plan', () => {
  const live = target().definition;
  const next = {
    ...live,
    containerDefinitions: [
      { ...live.containerDefinitions![0]!, image: 'nginx:2', environment: [{ name: 'PORT', value: '8000' }] },
    ],
  };
  const checks: PreflightCheck[] = [
    {
      kind: 'image',
      status: 'passed',
      service: 'web',
      container: 'app',
      resource: 'nginx:2',
      detail: 'found',
      digest: 'sha256:abc',
    },
    {
      kind: 'log-group',
      status: 'failed',
      service: 'web',
      container: 'app',
      resource: '/ecs/web',
      detail: 'no log group "/ecs/web" in us-east-1',
      code: 'SLW-ECS-024',
      remedy: 'Create it.',
    },
    {
      kind: 'secret-access',
      status: 'unchecked',
      service: 'web',
      container: 'app',
      resource: 'x',
      detail: 'the deployer may not call iam:SimulatePrincipalPolicy',
    },
  ];
  const plan = servicePlan(
    {
      service: target().service,
      live,
      target: next,
      changes: ['containerDefinitions[app].image', 'containerDefinitions[app].environment'],
      desiredCount: 3,
      forceNewDeployment: false,
    },
    checks,
  );

  test('diff values, the settings UpdateService would change, images with their digests', () => {
    expect(plan.diff).toEqual([
      { path: 'containerDefinitions[app].image', before: 'nginx:1', after: 'nginx:2' },
      {
        path: 'containerDefinitions[app].environment',
        before: '—',
        after: '[{"name":"PORT","value":"8000"}]',
      },
    ]);
    expect(plan.settings).toEqual(['taskDefinition: web:4 → a new revision of web', 'desiredCount: 2 → 3']);
    expect(plan.images).toEqual([{ container: 'app', image: 'nginx:2', digest: 'sha256:abc' }]);
  });

  test('the summary lists every check and the guide’s causes it prevented; the error names the first failure', () => {
    const deployPlan: DeployPlan = { preflight: 'enforce', services: [plan], checks };
    const markdown = appendPlan(new Summary(), deployPlan).toMarkdown();
    expect(markdown).toContain('1 passed, 1 failed, 1 not checked');
    expect(markdown).toContain('❌ failed SLW-ECS-024');
    expect(markdown).toContain(`- ${PREVENTED_CAUSE['log-group']}`);
    expect(markdown).toContain('| app | nginx:2 | sha256:abc |');
    const error = preflightFailure(deployPlan)!;
    expect(error.code).toBe('SLW-ECS-024');
    expect(error.message).toMatch(
      /^Pre-flight check failed for container "app" of service "web": log-group \/ecs\/web/,
    );
    expect(error.message).toContain('Nothing was registered or updated');
    expect(error.remedy).toBe('Create it.');
    expect(preflightFailure({ ...deployPlan, checks: [checks[0]!] })).toBeUndefined();
  });
});
