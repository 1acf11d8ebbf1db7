import { DescribeServicesCommand, ECSClient, Service } from '@aws-sdk/client-ecs';
import { Clock, isThrottling, isTransient, Logger, systemClock } from '@slipway/kit';

export type Verdict = 'SUCCEEDED' | 'FAILED' | 'ROLLED_BACK' | 'REPLACED' | 'TIMED_OUT';

export interface TrackedDeployment {
  service: string;
  deploymentId: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  /** Failed tasks that fail a deployment when ECS has no circuit breaker to do it. */
  maxFailedTasks?: number;
}

export interface Judgement {
  verdict?: Verdict;
  reason: string;
}

/** ECS's circuit-breaker threshold: half the desired count, at least 3 and at most 200. */
export function failureThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));
}

/**
 * Reads one DescribeServices answer for our deployment. Pending judgements carry progress text.
 * ECS keeps a FAILED deployment only while rolling back, so a vanished deployment is judged by what
 * replaced it.
 */
export function judge(service: Service, tracked: TrackedDeployment): Judgement {
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === tracked.deploymentId);
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const rolledBackTo = primary && primary.id !== tracked.deploymentId ? primary.taskDefinition : undefined;

  if (
    ours?.rolloutState === 'FAILED' ||
    (!ours && breaker?.rollback && rolledBackTo === tracked.previousTaskDefinitionArn)
  ) {
    const reason = ours?.rolloutStateReason ?? 'the deployment failed';
    if (breaker?.rollback) {
      return {
        verdict: 'ROLLED_BACK',
        reason: `${reason} ECS is rolling back to ${tracked.previousTaskDefinitionArn}.`,
      };
    }
    return { verdict: 'FAILED', reason };
  }
  if (!ours || ours.status !== 'PRIMARY') {
    return {
      verdict: 'REPLACED',
      reason: `deployment ${tracked.deploymentId} was replaced by ${primary?.id ?? 'another deployment'} (${primary?.taskDefinition ?? 'unknown task definition'})`,
    };
  }
  if (ours.rolloutState === 'COMPLETED') return { verdict: 'SUCCEEDED', reason: 'deployment completed' };
  const running = ours.runningCount ?? 0;
  const desired = ours.desiredCount ?? 0;
  if (!breaker?.enable) {
    if (deployments.length === 1 && running === desired && (ours.pendingCount ?? 0) === 0) {
      return { verdict: 'SUCCEEDED', reason: `${running}/${desired} tasks running and no other deployment` };
    }
    const limit = tracked.maxFailedTasks ?? failureThreshold(desired);
    if ((ours.failedTasks ?? 0) >= limit) {
      return { verdict: 'FAILED', reason: `${ours.failedTasks} tasks failed to start (limit ${limit})` };
    }
  }
  return {
    reason: `${running}/${desired} running, ${ours.pendingCount ?? 0} pending, ${ours.failedTasks ?? 0} failed`,
  };
}

export interface PollSchedule {
  firstMs: number;
  growth: number;
  capMs: number;
  /** The cap while ECS is throttling us. */
  throttledCapMs: number;
}

/** Fast at first so quick rollouts get quick verdicts, backing off to the cap. */
export const defaultSchedule: PollSchedule = {
  firstMs: 250,
  growth: 1.5,
  capMs: 2000,
  throttledCapMs: 10_000,
};

export interface TrackOptions {
  ecs: ECSClient;
  cluster: string;
  deadline: number;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  schedule?: PollSchedule;
  onPoll?: (services: Service[]) => void;
}

export interface Outcome {
  verdict: Verdict;
  reason: string;
  service?: Service;
}

/**
 * Follows every tracked deployment to a verdict, asking ECS about the undecided ones only, ten
 * services per DescribeServices call.
 */
export async function trackRollouts(
  tracked: TrackedDeployment[],
  options: TrackOptions,
): Promise<Map<string, Outcome>> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const schedule = options.schedule ?? defaultSchedule;
  const outcomes = new Map<string, Outcome>();
  const last = new Map<string, Service>();
  const progress = new Map<string, string>();
  let interval = schedule.firstMs;
  let poll = 0;

  while (outcomes.size < tracked.length) {
    const pending = tracked.filter((t) => !outcomes.has(t.service));
    if (clock.now() >= options.deadline) {
      for (const t of pending) {
        outcomes.set(t.service, {
          verdict: 'TIMED_OUT',
          reason: `no verdict before the timeout; last seen: ${progress.get(t.service) ?? 'nothing'}`,
          service: last.get(t.service),
        });
      }
      break;
    }
    let throttled = false;
    try {
      poll++;
      options.logger.debug(
        `poll ${poll}: ${pending.length} undecided service(s), ${Math.ceil(pending.length / 10)} DescribeServices call(s)`,
      );
      const services = await describe(
        options.ecs,
        options.cluster,
        pending.map((t) => t.service),
      );
      options.onPoll?.(services);
      for (const t of pending) {
        const service = services.find((s) => s.serviceName === t.service);
        if (!service) continue;
        last.set(t.service, service);
        const judgement = judge(service, t);
        if (judgement.verdict) {
          outcomes.set(t.service, { verdict: judgement.verdict, reason: judgement.reason, service });
          options.logger.info(`${t.service}: ${judgement.verdict} — ${judgement.reason}`);
        } else if (progress.get(t.service) !== judgement.reason) {
          progress.set(t.service, judgement.reason);
          options.logger.info(`${t.service}: ${judgement.reason}`);
        }
      }
    } catch (error) {
      if (!isTransient(error)) throw error;
      throttled = isThrottling(error);
      options.logger.debug(`DescribeServices failed (${(error as Error).name}); polling again`);
    }
    if (outcomes.size === tracked.length) break;
    const cap = throttled ? schedule.throttledCapMs : schedule.capMs;
    interval = Math.min(cap, throttled ? interval * 2 : interval * schedule.growth);
    // Half fixed, half jittered: many concurrent deploys spread out without starving any one.
    const delay = interval / 2 + random() * (interval / 2);
    await clock.sleep(Math.max(0, Math.min(delay, options.deadline - clock.now())));
  }
  return outcomes;
}

export async function describe(ecs: ECSClient, cluster: string, names: string[]): Promise<Service[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += 10) chunks.push(names.slice(i, i + 10));
  const answers = await Promise.all(
    chunks.map((services) => ecs.send(new DescribeServicesCommand({ cluster, services }))),
  );
  return answers.flatMap((answer) => answer.services ?? []);
}
