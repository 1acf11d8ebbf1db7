import {
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
  type ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '@slipway/sandbox';
import { eventually } from '../../helpers/ports';
import { registerApp, requireService } from '../../helpers/ecs';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const PREFIX = 'arn:aws:ecs:eu-central-1:123456789012';

let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 200, tickMs: 10, region: 'eu-central-1' });
  ecs = new ECSClient({ endpoint: sandbox.url, region: 'eu-central-1', credentials });
});

afterAll(async () => {
  ecs.destroy();
  await sandbox.stop();
});

const register = (family: string, image: string) => registerApp(ecs, family, image);
const describeService = (name: string) => requireService(ecs, name);

async function list(service: string): Promise<ServiceDeploymentBrief[]> {
  return (await ecs.send(new ListServiceDeploymentsCommand({ service }))).serviceDeployments ?? [];
}

const digitsOf = (deploymentId: string | undefined) => deploymentId?.split('/').pop();

describe('sandbox ECS service deployments through the real ECSClient', () => {
  it('lists a completed rollout as SUCCESSFUL and a replaced one as STOPPED, newest first', async () => {
    const v1 = await register('sd-ok', 'repo/sd-ok:1');
    const created = await ecs.send(
      new CreateServiceCommand({ serviceName: 'sd-ok', taskDefinition: v1, desiredCount: 1 }),
    );
    const first = created.service?.deployments?.[0]?.id;
    await eventually(
      'the first rollout',
      () => list('sd-ok'),
      (l) => l[0]?.status === 'SUCCESSFUL',
    );
    const [brief] = await list('sd-ok');
    expect(brief).toMatchObject({
      serviceArn: `${PREFIX}:service/default/sd-ok`,
      clusterArn: `${PREFIX}:cluster/default`,
      targetServiceRevisionArn: `${PREFIX}:service-revision/default/sd-ok/${digitsOf(first)}`,
      status: 'SUCCESSFUL',
    });
    expect(brief?.serviceDeploymentArn).toMatch(
      new RegExp(`^${PREFIX}:service-deployment/default/sd-ok/[\\w-]+$`),
    );
    expect(brief?.createdAt).toBeInstanceOf(Date);
    expect(brief?.finishedAt).toBeInstanceOf(Date);

    const cut = new Date();
    const v2 = await register('sd-ok', 'repo/sd-ok:2-slow');
    await ecs.send(new UpdateServiceCommand({ service: 'sd-ok', taskDefinition: v2 }));
    const v3 = await register('sd-ok', 'repo/sd-ok:3');
    const third = (await ecs.send(new UpdateServiceCommand({ service: 'sd-ok', taskDefinition: v3 }))).service
      ?.deployments?.[0]?.id;
    const all = await list('sd-ok');
    expect(all.map((b) => b.status)).toEqual(['IN_PROGRESS', 'STOPPED', 'SUCCESSFUL']);
    expect(all[0]?.targetServiceRevisionArn).toMatch(new RegExp(`/${digitsOf(third)}$`));

    const recent = await ecs.send(
      new ListServiceDeploymentsCommand({ service: 'sd-ok', createdAt: { after: cut } }),
    );
    expect(recent.serviceDeployments).toHaveLength(2);
    const stopped = await ecs.send(
      new ListServiceDeploymentsCommand({ service: 'sd-ok', status: ['STOPPED'] }),
    );
    expect(stopped.serviceDeployments?.map((b) => b.status)).toEqual(['STOPPED']);
  });

  it('describes a circuit-breaker rollback as ROLLBACK_SUCCESSFUL with its failures and rollback', async () => {
    const v1 = await register('sd-breaker', 'repo/sd-breaker:1');
    await ecs.send(
      new CreateServiceCommand({
        serviceName: 'sd-breaker',
        taskDefinition: v1,
        desiredCount: 2,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    const stable = await eventually(
      'the first rollout',
      () => describeService('sd-breaker'),
      (s) => s.deployments?.[0]?.rolloutState === 'COMPLETED',
    );
    const good = stable.deployments?.[0]?.id;
    const v2 = await register('sd-breaker', 'repo/sd-breaker:2-crash');
    await ecs.send(new UpdateServiceCommand({ service: 'sd-breaker', taskDefinition: v2 }));

    const [latest] = await eventually(
      'the rollback to complete',
      () => list('sd-breaker'),
      (l) => l[0]?.status === 'ROLLBACK_SUCCESSFUL',
    );
    const described = await ecs.send(
      new DescribeServiceDeploymentsCommand({
        serviceDeploymentArns: [
          latest!.serviceDeploymentArn!,
          `${PREFIX}:service-deployment/default/sd-breaker/nope`,
        ],
      }),
    );
    expect(described.failures).toEqual([
      { arn: `${PREFIX}:service-deployment/default/sd-breaker/nope`, reason: 'MISSING' },
    ]);
    const sd = described.serviceDeployments?.[0];
    expect(sd).toMatchObject({
      serviceDeploymentArn: latest?.serviceDeploymentArn,
      status: 'ROLLBACK_SUCCESSFUL',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      alarms: { status: 'DISABLED' },
      sourceServiceRevisions: [{ arn: `${PREFIX}:service-revision/default/sd-breaker/${digitsOf(good)}` }],
      rollback: {
        reason: `ECS deployment circuit breaker: rolling back to deploymentId ${good}.`,
        serviceRevisionArn: `${PREFIX}:service-revision/default/sd-breaker/${digitsOf(good)}`,
      },
    });
    expect(sd?.rollback?.startedAt).toBeInstanceOf(Date);
    expect(sd?.targetServiceRevision).toMatchObject({ requestedTaskCount: expect.any(Number) });
  });

  // A rollback lasts a few hundred ms at the suite's speed, too short to be seen in progress on a busy
  // machine; these run on a slower clock.
  describe('rollbacks', () => {
    let fast: ECSClient;
    let slow: Sandbox;
    beforeAll(async () => {
      slow = await startSandbox({ speed: 40, tickMs: 10, region: 'eu-central-1' });
      fast = ecs;
      ecs = new ECSClient({ endpoint: slow.url, region: 'eu-central-1', credentials });
    });
    afterAll(async () => {
      ecs.destroy();
      ecs = fast;
      await slow.stop();
    });

    /** A service with the breaker on, stable on revision 1 of `image`, then updated to `next`. */
    async function breakerRollout(name: string, image: string, next: string) {
      const v1 = await register(name, image);
      await ecs.send(
        new CreateServiceCommand({
          serviceName: name,
          taskDefinition: v1,
          desiredCount: 2,
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      );
      await eventually(
        'the first rollout',
        () => describeService(name),
        (s) => s.deployments?.[0]?.rolloutState === 'COMPLETED',
      );
      const v2 = await register(name, next);
      await ecs.send(new UpdateServiceCommand({ service: name, taskDefinition: v2 }));
      return { v1, v2 };
    }

    const statusOf = async (name: string) => (await list(name))[0]?.status;

    it('is ROLLBACK_IN_PROGRESS while the rollback deployment runs, then ROLLBACK_SUCCESSFUL on revision 1', async () => {
      const { v1 } = await breakerRollout('sd-rb', 'repo/sd-rb:1', 'repo/sd-rb:2-crash');
      const rolling = await eventually(
        'the breaker to trip',
        () => describeService('sd-rb'),
        (s) => (s.deployments ?? []).some((d) => d.rolloutState === 'FAILED'),
      );
      expect(await statusOf('sd-rb')).toBe('ROLLBACK_IN_PROGRESS');
      // The rollback is a new PRIMARY deployment of the last completed revision, still in progress.
      expect(rolling.deployments?.[0]).toMatchObject({
        status: 'PRIMARY',
        taskDefinition: v1,
        rolloutState: 'IN_PROGRESS',
      });
      const done = await eventually(
        'the rollback to end',
        () => describeService('sd-rb'),
        (s) => s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED',
      );
      expect(done.taskDefinition).toBe(v1);
      expect(await statusOf('sd-rb')).toBe('ROLLBACK_SUCCESSFUL');
    });

    it('ends ROLLBACK_FAILED when the previous revision fails too (the fails-on-rollback scenario)', async () => {
      const { v1 } = await breakerRollout('sd-rbf', 'repo/sd-rbf:1-fails-on-rollback', 'repo/sd-rbf:2-crash');
      await eventually(
        'the rollback to start',
        () => statusOf('sd-rbf'),
        (s) => s === 'ROLLBACK_IN_PROGRESS',
      );
      await eventually(
        'the rollback to fail',
        () => statusOf('sd-rbf'),
        (s) => s === 'ROLLBACK_FAILED',
      );
      const [latest] = await list('sd-rbf');
      const sd = (
        await ecs.send(
          new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [latest!.serviceDeploymentArn!] }),
        )
      ).serviceDeployments?.[0];
      expect(sd?.statusReason).toMatch(/Rollback failed/);
      const service = await describeService('sd-rbf');
      // The rollback deployment is PRIMARY and FAILED: ECS launches no more tasks for it.
      expect(service.deployments?.[0]).toMatchObject({ taskDefinition: v1, rolloutState: 'FAILED' });
    });
  });

  it('answers ServiceNotFoundException for an unknown service', async () => {
    await expect(ecs.send(new ListServiceDeploymentsCommand({ service: 'nope' }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
  });
});
