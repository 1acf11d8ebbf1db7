/**
 * Pre-flight through the bundle: each cause the ECS Fargate guide lists (image, secret, execution role,
 * log group, Fargate size, load balancer target, network) stops an enforced deploy with its code and
 * nothing registered or updated; a deploy whose checks pass goes on as before; a plan changes nothing.
 * ECS, ECR and CloudWatch Logs are the sandbox; Secrets Manager, SSM, EC2 and IAM are moto.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTaskDefinitionsCommand, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { runAction } from '../../helpers/action';
import { describeService } from '../../helpers/ecs';
import { PreflightWorld, startPreflightWorld } from '../../helpers/preflight';

const CLUSTER = 'preflight';

let world: PreflightWorld;
let workspace: string;
const app = (tag: string) => world.image(tag);
const definition = (family: string, overrides?: Partial<RegisterTaskDefinitionCommandInput>) =>
  world.definition(family, overrides);
const service = (name: string, subnets?: string[], desiredCount?: number) =>
  world.service(name, { subnets, desiredCount });

const deploy = (inputs: Record<string, string>) =>
  runAction(
    'ecs-deploy',
    { cluster: CLUSTER, timeout: '60', preflight: 'enforce', ...inputs },
    {
      endpoint: world.sandbox.url,
      cwd: workspace,
      env: { GITHUB_WORKSPACE: workspace, ...world.env },
    },
  );

async function file(name: string, body: RegisterTaskDefinitionCommandInput): Promise<string> {
  await writeFile(join(workspace, name), JSON.stringify(body));
  return name;
}

const revisions = async (family: string) =>
  (await world.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? [];

beforeAll(async () => {
  world = await startPreflightWorld({ cluster: CLUSTER, tags: ['v1', 'v2'] });
  workspace = await mkdtemp(join(tmpdir(), 'slipway-preflight-'));
}, 60_000);
afterAll(() => world?.stop());

test('checks that pass: the deploy goes on as before, and its summary opens with the plan', async () => {
  const before = await service('pf-pass');
  const run = await deploy({ services: 'pf-pass', images: `app=${app('v2')}` });
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.outputs.status).toBe('SUCCEEDED');
  expect((await describeService(world.ecs, CLUSTER, 'pf-pass'))?.taskDefinition).toMatch(/pf-pass:2$/);
  expect(run.outputs['previous-task-definition-arn']).toBe(before);
  const plan = run.summary.indexOf('### Plan');
  expect(plan).toBeGreaterThan(0);
  expect(plan).toBeLessThan(run.summary.indexOf('### Deploy'));
  expect(run.summary).toContain(`| app | ${app('v2')} | ${world.digest} |`);
  expect(run.summary).toContain('`taskDefinition: pf-pass:1 → a new revision of pf-pass`');
  expect(run.summary).toMatch(/\| `containerDefinitions\[app\]\.image` \| `[^`]+:v1` \| `[^`]+:v2` \|/);
  for (const kind of ['image', 'secret', 'log-group', 'fargate-size', 'load-balancer', 'network']) {
    expect(run.summary).toMatch(new RegExp(`\\| pf-pass \\| ${kind} \\|[^\\n]*✅ passed`));
  }
  expect(run.summary).toMatch(
    /\| pf-pass \| secret-access \|[^\n]*✅ passed \| exec may secretsmanager:GetSecretValue/,
  );
  expect(run.summary).toMatch(/\| pf-pass \| secret-access \|[^\n]*✅ passed \| exec may ssm:GetParameters/);
  expect(run.stdout).not.toMatch(/::warning::(pre-flight|SLW-ECS-02)/);
});

test('a plan changes nothing and shows the deploy to come', async () => {
  const before = await service('pf-plan');
  const run = await deploy({
    services: 'pf-plan',
    images: `app=${app('v2')}`,
    'desired-count': '3',
    plan: 'true',
  });
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.outputs.status).toBe('PLANNED');
  expect(await revisions('pf-plan')).toEqual([before]);
  const live = await describeService(world.ecs, CLUSTER, 'pf-plan');
  expect(live?.taskDefinition).toBe(before);
  expect(live?.desiredCount).toBe(1);
  expect(run.summary).toContain('`desiredCount: 1 → 3`');
  expect(run.summary).toContain(world.digest);
  expect(run.summary).not.toContain('### Deploy');
  // The plan as an output too, for a pull request's comment.
  expect(run.outputs.plan).toMatch(/^### Plan of the ECS deploy\n/);
  expect(run.outputs.plan).toContain('`desiredCount: 1 → 3`');
});

describe('a failed check stops the deploy: its code, and nothing registered or updated', () => {
  const cases: [string, string, () => Promise<Record<string, string>>, RegExp][] = [
    ['image', 'SLW-ECS-021', async () => ({ images: `app=${app('v3-missing')}` }), /ECR image not found/],
    [
      'secret',
      'SLW-ECS-022',
      async () => ({ secrets: `app:DB_PASSWORD=${world.secretArn.replace(/pf-db-\w+$/, 'pf-gone-AbCdEf')}` }),
      /Ensure secrets exist in correct region/,
    ],
    [
      'parameter',
      'SLW-ECS-022',
      async () => ({ secrets: 'app:API_URL=/pf/not-there' }),
      /Ensure secrets exist in correct region/,
    ],
    [
      'execution role',
      'SLW-ECS-023',
      async () => ({
        'task-definition': await file(
          'no-role.json',
          definition('pf-execution-role', { executionRoleArn: undefined }),
        ),
      }),
      /Verify execution role has secretsmanager:GetSecretValue/,
    ],
    [
      'execution role access',
      'SLW-ECS-023',
      async () => ({
        'task-definition': await file(
          'locked.json',
          definition('pf-execution-role-access', {
            executionRoleArn: 'arn:aws:iam::123456789012:role/locked',
          }),
        ),
      }),
      /Verify execution role has secretsmanager:GetSecretValue/,
    ],
    [
      'log group',
      'SLW-ECS-024',
      async () => {
        const body = definition('pf-log-group');
        body.containerDefinitions![0]!.logConfiguration!.options!['awslogs-group'] = '/ecs/nowhere';
        return { 'task-definition': await file('log.json', body) };
      },
      /Task fails to start/,
    ],
    [
      'fargate size',
      'SLW-ECS-025',
      async () => ({
        'task-definition': await file('size.json', definition('pf-fargate-size', { memory: '4096' })),
      }),
      /Resource limits exceeded/,
    ],
    [
      'load balancer',
      'SLW-ECS-026',
      async () => {
        const body = definition('pf-load-balancer');
        body.containerDefinitions![0]!.portMappings = [{ containerPort: 9000 }];
        return { 'task-definition': await file('lb.json', body) };
      },
      /Health check failures/,
    ],
  ];

  test.concurrent.each(cases)('%s → %s', async (label, code, inputs, prevented) => {
    const name = `pf-${label.replace(/ /g, '-')}`;
    const before = await service(name);
    const run = await deploy({ services: name, ...(await inputs()) });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('BLOCKED');
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(`title=${code}`);
    expect(run.errors[0]).toMatch(/Nothing was registered or updated/);
    expect(run.summary).toMatch(prevented);
    expect(run.summary).toContain(`❌ failed ${code}`);
    expect(await revisions(name)).toEqual([before]);
    expect((await describeService(world.ecs, CLUSTER, name))?.taskDefinition).toBe(before);
  });

  test('network → SLW-ECS-027 (a subnet the account does not have, on a service running no task)', async () => {
    const before = await service('pf-network', ['subnet-0000000000000dead'], 0);
    const run = await deploy({ services: 'pf-network', images: `app=${app('v2')}` });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('BLOCKED');
    expect(run.errors[0]).toContain('title=SLW-ECS-027');
    expect(run.errors[0]).toContain('subnet-0000000000000dead');
    expect(await revisions('pf-network')).toEqual([before]);
  });

  test('warn reports the failed check and deploys anyway', async () => {
    await service('pf-warn');
    const run = await deploy({
      services: 'pf-warn',
      images: `app=${app('v2')}`,
      secrets: 'app:API_URL=/pf/not-there',
      preflight: 'warn',
    });
    expect(run.stdout).toMatch(/::warning::SLW-ECS-022 pf-warn\/app: secret \/pf\/not-there/);
    expect(run.outputs.status).not.toBe('BLOCKED');
    expect(await revisions('pf-warn')).toHaveLength(2);
  });
});
