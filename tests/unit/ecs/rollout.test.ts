import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  Service,
  ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { failureThreshold, judge, trackRollouts, TrackedDeployment } from '@slipway/ecs/src/rollout';
import { judgeServiceDeployment } from '@slipway/ecs/src/service-deployments';
import { memoryLogger, virtualClock } from '@slipway/kit';

const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const tracked: TrackedDeployment = {
  service: 'web',
  deploymentId: 'ecs-svc/2',
  taskDefinitionArn: NEW,
  previousTaskDefinitionArn: OLD,
};

type D = NonNullable<Service['deployments']>[number];
const ours = (d: Partial<D> = {}): D => ({
  id: 'ecs-svc/2',
  status: 'PRIMARY',
  taskDefinition: NEW,
  desiredCount: 2,
  runningCount: 0,
  pendingCount: 2,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  ...d,
});
const old = (d: Partial<D> = {}): D => ({
  id: 'ecs-svc/1',
  status: 'ACTIVE',
  taskDefinition: OLD,
  runningCount: 2,
  desiredCount: 2,
  ...d,
});
const service = (deployments: D[], breaker?: { enable: boolean; rollback: boolean }): Service => ({
  serviceName: 'web',
  deployments,
  deploymentConfiguration: breaker ? { deploymentCircuitBreaker: breaker } : {},
});
const withRollback = { enable: true, rollback: true };
const breakerOnly = { enable: true, rollback: false };

describe('judge', () => {
  test.each<[string, Service, string | undefined]>([
    ['COMPLETED', service([ours({ rolloutState: 'COMPLETED', runningCount: 2 })], withRollback), 'SUCCEEDED'],
    ['in progress', service([ours(), old()], withRollback), undefined],
    [
      'FAILED with circuit-breaker rollback, the rollback still in progress',
      service(
        [
          ours({ rolloutState: 'FAILED', status: 'ACTIVE' }),
          old({ status: 'PRIMARY', id: 'ecs-svc/3', rolloutState: 'IN_PROGRESS' }),
        ],
        withRollback,
      ),
      undefined,
    ],
    [
      'FAILED with circuit-breaker rollback, the rollback COMPLETED',
      service(
        [
          ours({ rolloutState: 'FAILED', status: 'ACTIVE' }),
          old({ status: 'PRIMARY', id: 'ecs-svc/3', rolloutState: 'COMPLETED' }),
        ],
        withRollback,
      ),
      'ROLLED_BACK',
    ],
    [
      'FAILED with circuit-breaker rollback, the rollback FAILED too',
      service(
        [
          ours({ rolloutState: 'FAILED', status: 'ACTIVE' }),
          old({ status: 'PRIMARY', id: 'ecs-svc/3', rolloutState: 'FAILED', failedTasks: 3 }),
        ],
        withRollback,
      ),
      'ROLLBACK_FAILED',
    ],
    ['FAILED without rollback', service([ours({ rolloutState: 'FAILED' }), old()], breakerOnly), 'FAILED'],
    [
      'vanished after the breaker rolled back',
      service([old({ status: 'PRIMARY', id: 'ecs-svc/3', rolloutState: 'COMPLETED' })], withRollback),
      'ROLLED_BACK',
    ],
    [
      'replaced by someone else',
      service(
        [ours({ status: 'ACTIVE' }), { id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: `${NEW}0` }],
        withRollback,
      ),
      'REPLACED',
    ],
    [
      'vanished without rollback',
      service([{ id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: OLD }], breakerOnly),
      'REPLACED',
    ],
    ['no breaker: alone and all running', service([ours({ runningCount: 2, pendingCount: 0 })]), 'SUCCEEDED'],
    [
      'no breaker: running but old still draining',
      service([ours({ runningCount: 2, pendingCount: 0 }), old()]),
      undefined,
    ],
    ['no breaker: failed tasks at the threshold', service([ours({ failedTasks: 3 }), old()]), 'FAILED'],
    [
      'breaker on: failed tasks are the breaker’s business',
      service([ours({ failedTasks: 5 }), old()], withRollback),
      undefined,
    ],
  ])('%s', (_name, svc, verdict) => {
    expect(judge(svc, tracked).verdict).toBe(verdict);
  });

  test('a circuit-breaker failure is announced at once and the rollback followed, unless told not to wait', () => {
    const rolling = service(
      [
        ours({ rolloutState: 'FAILED', status: 'ACTIVE', rolloutStateReason: 'tasks failed to start.' }),
        old({ status: 'PRIMARY', id: 'ecs-svc/3', rolloutState: 'IN_PROGRESS', runningCount: 1 }),
      ],
      withRollback,
    );
    expect(judge(rolling, tracked)).toEqual({
      reason: 'ECS rolling back to web:1: 1/2 running, 0 pending, 0 failed',
      pace: undefined,
      alert:
        "tasks failed to start. ECS's circuit breaker failed the deployment and is rolling back to web:1; following the rollback.",
    });
    // The failed revision's tasks stopping is what ECS waits for to complete the rollback: the progress
    // moves with them, so the schedule turns quick when they stop.
    const draining = service(
      [
        ours({ rolloutState: 'FAILED', status: 'ACTIVE', runningCount: 2 }),
        old({
          status: 'PRIMARY',
          id: 'ecs-svc/3',
          rolloutState: 'IN_PROGRESS',
          runningCount: 2,
          pendingCount: 0,
        }),
      ],
      withRollback,
    );
    expect(judge(draining, tracked)).toMatchObject({
      reason:
        'ECS rolling back to web:1: 2/2 running, 0 pending, 0 failed; 2 task(s) of the failed revision running',
      pace: 'near',
    });
    expect(judge(rolling, { ...tracked, waitForRollback: false })).toMatchObject({
      verdict: 'ROLLED_BACK',
      reason: expect.stringMatching(/rolling back to .*web:1 \(not waited for\)/),
    });
  });

  test.each<[string, Partial<D>, string | undefined]>([
    ['all new tasks still provisioning or pending', { runningCount: 0, pendingCount: 2 }, 'idle'],
    ['some running, the rest pending', { runningCount: 1, pendingCount: 1 }, 'idle'],
    ['all running: health checks, then the old tasks drain', { runningCount: 2, pendingCount: 0 }, 'near'],
    ['a crash away from the threshold', { runningCount: 1, pendingCount: 1, failedTasks: 2 }, 'near'],
    ['a start failure away from it', { runningCount: 0, pendingCount: 1, failedTasks: 2 }, undefined],
    ['tasks failed, none launched yet', { runningCount: 0, pendingCount: 0, failedTasks: 1 }, undefined],
  ])('pace: %s → %s', (_name, counts, pace) => {
    expect(judge(service([ours(counts), old()], withRollback), tracked).pace).toBe(pace);
  });

  test('a configured failed-task limit wins over the default', () => {
    expect(judge(service([ours({ failedTasks: 1 }), old()]), { ...tracked, maxFailedTasks: 1 }).verdict).toBe(
      'FAILED',
    );
  });

  test.each([
    [1, 3],
    [6, 3],
    [7, 4],
    [10, 5],
    [399, 200],
    [1000, 200],
  ])('circuit-breaker threshold for %i desired tasks is %i', (desired, threshold) => {
    expect(failureThreshold(desired)).toBe(threshold);
  });
});

describe('trackRollouts', () => {
  const ecs = mockClient(ECSClient);
  afterEach(() => ecs.reset());

  const names = Array.from({ length: 25 }, (_, i) => `svc-${i}`);
  const deployments = names.map((name) => ({ ...tracked, service: name }));
  /** Service i completes on poll i % 4 + 1. */
  function fleet(pollOf: () => number) {
    return (input: { services?: string[] }) => ({
      services: (input.services ?? []).map((name) => {
        const done = pollOf() >= (Number(name.split('-')[1]) % 4) + 1;
        return {
          ...service([ours(done ? { rolloutState: 'COMPLETED' } : {})], withRollback),
          serviceName: name,
        };
      }),
    });
  }

  test('asks about undecided services only, ten per DescribeServices call', async () => {
    const clock = virtualClock(0);
    const calls: number[][] = [];
    let poll = 0;
    ecs.on(DescribeServicesCommand).callsFake((input) => {
      if (!calls[poll]) calls[poll] = [];
      calls[poll]!.push(input.services.length);
      return fleet(() => poll + 1)(input);
    });
    const outcomes = await trackRollouts(deployments, {
      ecs: new ECSClient({ region: 'us-east-1' }),
      cluster: 'c',
      deadline: 60_000,
      logger: memoryLogger(),
      clock,
      random: () => 0.5,
      onPoll: () => poll++,
    });
    expect([...outcomes.values()].every((o) => o.verdict === 'SUCCEEDED')).toBe(true);
    expect(outcomes.size).toBe(25);
    expect(calls.map((c) => c.sort((a, b) => b - a))).toEqual([[10, 10, 5], [10, 8], [10, 2], [6]]);
  });

  test('polls slowly while tasks are pending, quickly once a verdict is near, jitter inside [¾, 1] of the interval', async () => {
    const clock = virtualClock(0);
    // Poll by poll: just updated, pending ×3, all running (health checks), the old tasks draining, done.
    const answers = [
      ours({ pendingCount: 0 }),
      ours(),
      ours(),
      ours(),
      ours({ runningCount: 2, pendingCount: 0 }),
      ours({ runningCount: 2, pendingCount: 0 }),
      ours({ runningCount: 2, pendingCount: 0 }),
      ours({ runningCount: 2, pendingCount: 0 }),
    ];
    let poll = 0;
    ecs.on(DescribeServicesCommand).callsFake(() => {
      const answer = answers[poll++];
      const draining = poll >= 8 && poll < 10;
      const done = poll >= 10;
      return {
        services: [
          service(
            done
              ? [ours({ runningCount: 2, pendingCount: 0, rolloutState: 'COMPLETED' })]
              : [
                  answer ?? ours({ runningCount: 2, pendingCount: 0 }),
                  old(draining ? { runningCount: 1 } : {}),
                ],
            withRollback,
          ),
        ],
      };
    });
    const outcomes = await trackRollouts([tracked], {
      ecs: new ECSClient({ region: 'us-east-1' }),
      cluster: 'c',
      deadline: 120_000,
      logger: memoryLogger(),
      clock,
      random: () => 1,
    });
    expect(outcomes.get('web')?.verdict).toBe('SUCCEEDED');
    expect(clock.slept).toEqual([
      1000, // after the update: nothing known yet
      2500, // tasks pending: nothing can change, so the wait doubles (from the quick interval) towards 12 s
      5000,
      10_000,
      1250, // all running: a verdict is near
      1750,
      2450,
      1250, // the old tasks started draining: near and moving
      1750,
    ]);
  });

  test('stays at the idle interval while pending, and never waits longer than the cap otherwise', async () => {
    const clock = virtualClock(0);
    ecs.on(DescribeServicesCommand).resolves({
      services: [service([ours({ runningCount: 0, pendingCount: 0, failedTasks: 1 }), old()], withRollback)],
    });
    await trackRollouts([tracked], {
      ecs: new ECSClient({ region: 'us-east-1' }),
      cluster: 'c',
      deadline: 30_000,
      logger: memoryLogger(),
      clock,
      random: () => 0,
    });
    // Jitter 0 → ¾ of the interval: 1 s, then growth to the 3 s cap.
    expect(clock.slept.slice(0, 5)).toEqual([750, 1050, 1470, 2058, 2250]);
    expect(Math.max(...clock.slept)).toBe(2250);
  });

  test('rides out throttling with longer waits, then still reaches the verdict', async () => {
    const clock = virtualClock(0);
    const throttle = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    ecs
      .on(DescribeServicesCommand)
      .rejectsOnce(throttle)
      .rejectsOnce(throttle)
      .resolves({ services: [service([ours({ rolloutState: 'COMPLETED' })], withRollback)] });
    const outcomes = await trackRollouts([tracked], {
      ecs: new ECSClient({ region: 'us-east-1', maxAttempts: 1 }),
      cluster: 'c',
      deadline: 60_000,
      logger: memoryLogger(),
      clock,
      random: () => 1,
    });
    expect(outcomes.get('web')?.verdict).toBe('SUCCEEDED');
    expect(clock.slept).toEqual([2000, 4000]);
  });

  test('a non-transient error is not swallowed', async () => {
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    ecs.on(DescribeServicesCommand).rejects(denied);
    await expect(
      trackRollouts([tracked], {
        ecs: new ECSClient({ region: 'us-east-1', maxAttempts: 1 }),
        cluster: 'c',
        deadline: 60_000,
        logger: memoryLogger(),
        clock: virtualClock(0),
      }),
    ).rejects.toThrow('not authorized');
  });
});

/** Follows `tracked` on a virtual clock, a minute's deadline, against the mocked ECS. */
function track(ecs: ReturnType<typeof mockClient>, logger = memoryLogger()) {
  const clock = virtualClock();
  return trackRollouts([tracked], {
    ecs: ecs as unknown as ECSClient,
    cluster: 'c',
    deadline: clock.now() + 60_000,
    logger,
    clock,
  });
}

describe('judgeServiceDeployment', () => {
  test.each<[string, ServiceDeployment, string | undefined, RegExp]>([
    ['SUCCESSFUL', { status: 'SUCCESSFUL' }, 'SUCCEEDED', /SUCCESSFUL/],
    [
      'rolling back after a failed hook',
      {
        status: 'ROLLBACK_IN_PROGRESS',
        statusReason: 'Lifecycle hook smoke failed in stage POST_SCALE_UP',
        rollback: { reason: 'Traffic returned to ecs-svc/1.' },
      },
      undefined,
      /^ECS rolling back \(service deployment ROLLBACK_IN_PROGRESS\)$/,
    ],
    [
      'rolled back',
      { status: 'ROLLBACK_SUCCESSFUL', statusReason: 'Lifecycle hook smoke failed in stage POST_SCALE_UP' },
      'ROLLED_BACK',
      /^Lifecycle hook smoke failed in stage POST_SCALE_UP\. \(service deployment ROLLBACK_SUCCESSFUL\)$/,
    ],
    [
      'rollback failed',
      { status: 'ROLLBACK_FAILED', statusReason: 'x' },
      'ROLLBACK_FAILED',
      /rollback failed \(service deployment ROLLBACK_FAILED\)/,
    ],
    [
      'stopped',
      { status: 'STOPPED', statusReason: 'stopped by a user' },
      'FAILED',
      /STOPPED: stopped by a user/,
    ],
    [
      'in a stage',
      {
        status: 'IN_PROGRESS',
        lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
        targetServiceRevision: { requestedProductionTrafficWeight: 10 },
        lifecycleHookDetails: [
          { targetArn: 'arn:aws:lambda:us-east-1:1:function:gate', status: 'IN_PROGRESS' },
        ],
      },
      undefined,
      /^stage PRODUCTION_TRAFFIC_SHIFT, 10% of production traffic on the new revision, hook gate IN_PROGRESS$/,
    ],
  ])('%s', (_, deployment, verdict, reason) => {
    const judgement = judgeServiceDeployment(deployment);
    expect(judgement.verdict).toBe(verdict);
    expect(judgement.reason).toMatch(reason);
  });

  test('a rollback in progress is announced, or ROLLED_BACK at once when not waited for', () => {
    const rolling: ServiceDeployment = {
      status: 'ROLLBACK_IN_PROGRESS',
      statusReason: 'Lifecycle hook smoke failed in stage POST_SCALE_UP',
      rollback: { reason: 'Traffic returned to ecs-svc/1.' },
    };
    expect(judgeServiceDeployment(rolling).alert).toBe(
      'Lifecycle hook smoke failed in stage POST_SCALE_UP. Traffic returned to ecs-svc/1. ECS is rolling back (service deployment ROLLBACK_IN_PROGRESS); following the rollback.',
    );
    expect(judgeServiceDeployment(rolling, { waitForRollback: false })).toEqual({
      verdict: 'ROLLED_BACK',
      reason:
        'Lifecycle hook smoke failed in stage POST_SCALE_UP. Traffic returned to ecs-svc/1. (service deployment ROLLBACK_IN_PROGRESS; not waited for)',
    });
  });
});

describe('trackRollouts with a staged strategy', () => {
  const staged = (deployments: D[]): Service => ({
    ...service(deployments, withRollback),
    deploymentConfiguration: { strategy: 'BLUE_GREEN', deploymentCircuitBreaker: withRollback },
  });
  const SD = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/c/web/x';
  const brief = { serviceDeploymentArn: SD, targetServiceRevisionArn: 'arn:…:service-revision/c/web/2' };

  test('the service deployment decides, and its stages are kept in order', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(DescribeServicesCommand).resolves({ services: [staged([ours(), old()])] });
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [brief] });
    ecs
      .on(DescribeServiceDeploymentsCommand)
      .resolvesOnce({
        serviceDeployments: [{ serviceDeploymentArn: SD, status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' }],
      })
      .resolvesOnce({
        serviceDeployments: [
          {
            serviceDeploymentArn: SD,
            status: 'IN_PROGRESS',
            lifecycleStage: 'BAKE_TIME',
            targetServiceRevision: { requestedProductionTrafficWeight: 100 },
          },
        ],
      })
      .resolves({
        serviceDeployments: [{ serviceDeploymentArn: SD, status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }],
      });
    const outcomes = await track(ecs);
    const outcome = outcomes.get('web')!;
    expect(outcome.verdict).toBe('SUCCEEDED');
    expect(outcome.strategy).toBe('BLUE_GREEN');
    expect(outcome.stages?.map((s) => s.stage)).toEqual(['SCALE_UP', 'BAKE_TIME', 'CLEAN_UP']);
    // Found once, then only described.
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(3);
  });

  test('without the service-deployment API it falls back to DescribeServices and says so once', async () => {
    const ecs = mockClient(ECSClient);
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [staged([ours(), old()])] })
      .resolves({ services: [staged([ours({ rolloutState: 'COMPLETED', runningCount: 2 })])] });
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ecs.on(ListServiceDeploymentsCommand).rejects(denied);
    const logger = memoryLogger();
    const outcomes = await track(ecs, logger);
    expect(outcomes.get('web')?.verdict).toBe('SUCCEEDED');
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(1);
    expect(logger.lines.filter((l) => /service-deployment API is unavailable/.test(l))).toHaveLength(1);
  });
});

describe('trackRollouts: a rolling deployment that vanished', () => {
  test('is judged by its service deployment: a rollback to an older revision is not a takeover', async () => {
    const OLDER = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:0';
    const ecs = mockClient(ECSClient);
    // ECS rolled back past our "previous" revision (it never completed) to the last one that did.
    ecs.on(DescribeServicesCommand).resolves({
      services: [service([{ id: 'ecs-svc/0', status: 'PRIMARY', taskDefinition: OLDER }], withRollback)],
    });
    expect(
      judge(service([{ id: 'ecs-svc/0', status: 'PRIMARY', taskDefinition: OLDER }], withRollback), tracked)
        .verdict,
    ).toBe('REPLACED');
    const SD = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/c/web/y';
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: SD, targetServiceRevisionArn: 'arn:…:service-revision/c/web/2' },
      ],
    });
    ecs.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        {
          serviceDeploymentArn: SD,
          status: 'ROLLBACK_SUCCESSFUL',
          statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
        },
      ],
    });
    const outcomes = await track(ecs);
    expect(outcomes.get('web')).toMatchObject({
      verdict: 'ROLLED_BACK',
      reason: expect.stringMatching(/circuit breaker/),
    });
  });
});

describe('trackRollouts: a circuit-breaker failure', () => {
  const failed = ours({
    rolloutState: 'FAILED',
    status: 'ACTIVE',
    rolloutStateReason: 'tasks failed to start.',
  });
  const rollback = (d: Partial<D>) => old({ status: 'PRIMARY', id: 'ecs-svc/3', ...d });

  test('is announced once, at once, then followed until the old revision serves again', async () => {
    const ecs = mockClient(ECSClient);
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [
          service(
            [failed, rollback({ rolloutState: 'IN_PROGRESS', runningCount: 0, pendingCount: 2 })],
            withRollback,
          ),
        ],
      })
      .resolvesOnce({
        services: [service([failed, rollback({ rolloutState: 'IN_PROGRESS' })], withRollback)],
      })
      .resolves({ services: [service([failed, rollback({ rolloutState: 'COMPLETED' })], withRollback)] });
    const logger = memoryLogger();
    const outcome = (await track(ecs, logger)).get('web')!;
    expect(outcome).toMatchObject({
      verdict: 'ROLLED_BACK',
      rollingBack: true,
      servingTaskDefinitionArn: OLD,
      reason:
        'tasks failed to start. ECS rolled back to web:1. Revision web:1 is serving again (2/2 tasks running).',
    });
    const alerts = logger.lines.filter((l) => l.startsWith('error:'));
    expect(alerts).toEqual([
      "error: web: tasks failed to start. ECS's circuit breaker failed the deployment and is rolling back to web:1; following the rollback.",
    ]);
    // The announcement came with the first answer, before the rollback's progress.
    expect(logger.lines.indexOf(alerts[0]!)).toBeLessThan(
      logger.lines.findIndex((l) => /ECS rolling back to web:1/.test(l)),
    );
  });

  test('ends ROLLBACK_FAILED when the rollback deployment fails too', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service(
          [failed, rollback({ rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start.' })],
          withRollback,
        ),
      ],
    });
    const outcome = (await track(ecs)).get('web')!;
    expect(outcome).toMatchObject({ verdict: 'ROLLBACK_FAILED', rollingBack: true });
    expect(outcome.reason).toMatch(/ECS's rollback to web:1 failed too/);
  });
});
