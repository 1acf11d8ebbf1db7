import type { DeploymentConfiguration, DeploymentLifecycleHook } from '@aws-sdk/client-ecs';
import { TIMING } from '../timing';
import { ecsErrors } from './errors';
import type { HookRun, LifecycleStage, StagedProgress, StagedStrategy } from './model';

/** The stages of a BLUE_GREEN, LINEAR or CANARY service deployment, in order. */
export const STAGES: readonly LifecycleStage[] = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
];

/** Hook stages that run inside a lifecycle stage of another name. */
const HOOK_STAGE_RUNS_IN: Record<string, LifecycleStage> = {
  PRE_PRODUCTION_TRAFFIC_SHIFT: 'PRODUCTION_TRAFFIC_SHIFT',
};

const STRATEGIES = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'] as const;

export function isStaged(configuration: DeploymentConfiguration): boolean {
  return !!configuration.strategy && configuration.strategy !== 'ROLLING';
}

/** Rejects what ECS rejects about a strategy's settings. */
export function checkStrategy(configuration: DeploymentConfiguration): void {
  const { strategy } = configuration;
  if (strategy && !(STRATEGIES as readonly string[]).includes(strategy)) {
    throw ecsErrors.invalidParameter(
      `deploymentConfiguration.strategy must be one of ${STRATEGIES.join(', ')}.`,
    );
  }
  const step = configuration.linearConfiguration?.stepPercent;
  if (strategy === 'LINEAR' && (step === undefined || step < 3 || step > 100)) {
    throw ecsErrors.invalidParameter('linearConfiguration.stepPercent must be between 3.0 and 100.0.');
  }
  const canary = configuration.canaryConfiguration?.canaryPercent;
  if (strategy === 'CANARY' && (canary === undefined || canary <= 0 || canary > 100)) {
    throw ecsErrors.invalidParameter('canaryConfiguration.canaryPercent must be between 0.1 and 100.0.');
  }
  const bake = configuration.bakeTimeInMinutes;
  if (bake !== undefined && (bake < 0 || bake > 1440)) {
    throw ecsErrors.invalidParameter('bakeTimeInMinutes must be between 0 and 1440.');
  }
}

/** A new staged rollout at its first stage, with its traffic plan worked out from the configuration. */
export function newStagedProgress(configuration: DeploymentConfiguration): StagedProgress {
  const strategy = configuration.strategy as StagedStrategy;
  let trafficSteps = [100];
  let stepBakeMinutes = 0;
  if (strategy === 'LINEAR') {
    const step = configuration.linearConfiguration?.stepPercent ?? 100;
    trafficSteps = [];
    for (let share = step; share < 100; share += step) trafficSteps.push(round(share));
    trafficSteps.push(100);
    stepBakeMinutes = configuration.linearConfiguration?.stepBakeTimeInMinutes ?? 0;
  } else if (strategy === 'CANARY') {
    const canary = configuration.canaryConfiguration?.canaryPercent ?? 100;
    trafficSteps = canary < 100 ? [canary, 100] : [100];
    stepBakeMinutes = configuration.canaryConfiguration?.canaryBakeTimeInMinutes ?? 0;
  }
  return {
    configuration,
    strategy,
    stage: STAGES[0]!,
    trafficSteps,
    stepBakeSeconds: stepBakeMinutes * 60,
    bakeSeconds: (configuration.bakeTimeInMinutes ?? 0) * 60,
    productionTraffic: 0,
    testTraffic: 0,
    hooksStarted: false,
    hooks: [],
  };
}

function round(percent: number): number {
  return Math.round(percent * 10) / 10;
}

export function nextStage(stage: LifecycleStage): LifecycleStage | undefined {
  return STAGES[STAGES.indexOf(stage) + 1];
}

/**
 * The hooks configured for a lifecycle stage, started now. In the sandbox a Lambda hook answers after
 * TIMING.hookSeconds, FAILED when its function name contains "fail"; a PAUSE hook waits out its timeout
 * and then takes its timeout action.
 */
export function startHooks(
  hooks: readonly DeploymentLifecycleHook[] | undefined,
  stage: LifecycleStage,
  now: { seconds: number; wallMs: number },
  newId: () => string,
): HookRun[] {
  return (hooks ?? []).flatMap((hook) =>
    (hook.lifecycleStages ?? [])
      .filter((hookStage) => (HOOK_STAGE_RUNS_IN[hookStage] ?? hookStage) === stage)
      .map((hookStage) => {
        const timeoutSeconds = (hook.timeoutConfiguration?.timeoutInMinutes ?? 60) * 60;
        const pause = hook.targetType === 'PAUSE';
        return {
          id: newId(),
          hookStage,
          stage,
          targetType: pause ? 'PAUSE' : 'AWS_LAMBDA',
          targetArn: hook.hookTargetArn,
          status: 'IN_PROGRESS',
          answersAt: now.seconds + (pause ? timeoutSeconds : TIMING.hookSeconds),
          expiresAt: now.wallMs + timeoutSeconds * 1000,
          outcome: pause
            ? hook.timeoutConfiguration?.action === 'ROLLBACK'
              ? 'FAILED'
              : 'SUCCEEDED'
            : /fail/i.test(hook.hookTargetArn?.split(':').pop() ?? '')
              ? 'FAILED'
              : 'SUCCEEDED',
        } satisfies HookRun;
      }),
  );
}
