import { ECSClient, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import { describe } from './describe';
import { isTransient, systemClock } from '@slipway/kit';
import { Judgement, PollOptions, Verdict, pollToVerdicts } from './polling';
import {
  StageSnapshot,
  describeServiceDeployments,
  findServiceDeployment,
  judgeServiceDeployment,
  stageSnapshot,
} from './service-deployments';

export interface TrackedDeployment {
  service: string;
  deploymentId: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  /** Failed tasks that fail a deployment when ECS has no circuit breaker to do it. */
  maxFailedTasks?: number;
  /** When the deployment was started: where to look for its service deployment. */
  startedAt?: Date;
}

/** Staged strategies: their stages, hooks and bake time are visible only in the service deployment. */
export function isStagedStrategy(service: Service): boolean {
  const strategy = service.deploymentConfiguration?.strategy;
  return !!strategy && strategy !== 'ROLLING';
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

export interface TrackOptions extends PollOptions {
  ecs: ECSClient;
  cluster: string;
  onPoll?: (services: Service[]) => void;
}

export interface Outcome {
  verdict: Verdict;
  reason: string;
  service?: Service;
  /** The strategy the service deployed with (ROLLING unless the service says otherwise). */
  strategy?: string;
  /** A staged rollout's stages as we saw them, with seconds since tracking began. */
  stages?: (StageSnapshot & { atMs: number })[];
  /** CodeDeploy's error information, for a CODE_DEPLOY service's failed deployment. */
  codeDeployError?: { code?: string; message?: string };
}

/**
 * Follows every tracked deployment to a verdict, asking ECS about the undecided ones only: ten services
 * per DescribeServices call and, for staged strategies, twenty service deployments per
 * DescribeServiceDeployments call.
 */
export async function trackRollouts(
  tracked: TrackedDeployment[],
  options: TrackOptions,
): Promise<Map<string, Outcome>> {
  const clock = options.clock ?? systemClock;
  const began = clock.now();
  const last = new Map<string, Service>();
  const stages = new StageLog();
  const watch = new ServiceDeploymentWatch(options);
  let poll = 0;

  const verdicts = await pollToVerdicts(
    tracked.map((t) => t.service),
    async (pending) => {
      const undecided = tracked.filter((t) => pending.includes(t.service));
      options.logger.debug(
        `poll ${++poll}: ${pending.length} undecided service(s), ${Math.ceil(pending.length / 10)} DescribeServices call(s)`,
      );
      const services = new Map(
        (await describe(options.ecs, options.cluster, pending)).map((s) => [s.serviceName!, s]),
      );
      options.onPoll?.([...services.values()]);
      const deployments = await watch.poll(
        undecided.filter((t) => needsServiceDeployment(services.get(t.service), t)),
      );
      const judgements = new Map<string, Judgement>();
      for (const t of undecided) {
        const service = services.get(t.service);
        if (!service) continue;
        last.set(t.service, service);
        const deployment = deployments.get(t.service);
        if (deployment) stages.record(t.service, deployment, clock.now() - began);
        judgements.set(
          t.service,
          deployment
            ? judgeStaged(judgeServiceDeployment(deployment), judge(service, t), deployment)
            : judge(service, t),
        );
      }
      return judgements;
    },
    { ...options, clock },
  );
  return new Map(
    [...verdicts].map(([name, judgement]) => [
      name,
      { ...judgement, service: last.get(name), ...describedBy(last.get(name), stages.of(name)) },
    ]),
  );
}

/**
 * Staged rollouts are judged by their service deployment; so is a rolling one that has vanished from
 * DescribeServices, which alone cannot tell a finished rollback from a takeover by someone else.
 */
function needsServiceDeployment(service: Service | undefined, tracked: TrackedDeployment): boolean {
  if (!service) return false;
  return isStagedStrategy(service) || !service.deployments?.some((d) => d.id === tracked.deploymentId);
}

function describedBy(
  service: Service | undefined,
  stages: Outcome['stages'],
): Pick<Outcome, 'strategy' | 'stages'> {
  return {
    strategy: service?.deploymentConfiguration?.strategy ?? 'ROLLING',
    ...(stages?.length ? { stages } : {}),
  };
}

/**
 * The service deployment decides a staged rollout; DescribeServices still catches what it cannot: a
 * newer deployment taking over, or tasks failing past the limit when no circuit breaker is on.
 */
function judgeStaged(
  fromDeployment: Judgement,
  fromService: Judgement,
  deployment: ServiceDeployment,
): Judgement {
  if (fromService.verdict === 'REPLACED' && deployment.status?.startsWith('STOP')) return fromService;
  if (fromDeployment.verdict) return fromDeployment;
  if (fromService.verdict === 'FAILED' || fromService.verdict === 'REPLACED') return fromService;
  return { reason: `${fromDeployment.reason}; ${fromService.reason}` };
}

/** The stages of each staged rollout as polled: a new entry per stage or traffic shift. */
class StageLog {
  private readonly byService = new Map<string, NonNullable<Outcome['stages']>>();

  of(service: string): Outcome['stages'] {
    return this.byService.get(service);
  }

  record(service: string, deployment: ServiceDeployment, atMs: number): void {
    const snapshot = stageSnapshot(deployment);
    if (!snapshot) return;
    const list = this.byService.get(service) ?? [];
    this.byService.set(service, list);
    const previous = list.at(-1);
    if (
      previous &&
      previous.stage === snapshot.stage &&
      previous.productionTraffic === snapshot.productionTraffic
    ) {
      if (snapshot.hooks.length) previous.hooks = snapshot.hooks;
      return;
    }
    // A stage moves on only once its hooks have succeeded.
    if (previous && previous.stage !== snapshot.stage) {
      for (const hook of previous.hooks) if (hook.status === 'IN_PROGRESS') hook.status = 'SUCCEEDED';
    }
    list.push({ ...snapshot, atMs });
  }
}

/**
 * Finds and describes our service deployments. Without the API (older endpoints, missing permissions)
 * the verdict falls back to DescribeServices, which cannot see stages or hooks.
 */
class ServiceDeploymentWatch {
  private readonly arns = new Map<string, string>();
  private unavailable = false;

  constructor(private readonly options: TrackOptions) {}

  async poll(tracked: TrackedDeployment[]): Promise<Map<string, ServiceDeployment>> {
    if (this.unavailable || tracked.length === 0) return new Map();
    const { ecs, cluster } = this.options;
    try {
      await Promise.all(
        tracked
          .filter((t) => !this.arns.has(t.service))
          .map(async (t) => {
            const arn = await findServiceDeployment(ecs, {
              cluster,
              service: t.service,
              deploymentId: t.deploymentId,
              since: t.startedAt,
            });
            if (arn) this.arns.set(t.service, arn);
          }),
      );
      const known = tracked.filter((t) => this.arns.has(t.service));
      const described = await describeServiceDeployments(
        ecs,
        known.map((t) => this.arns.get(t.service)!),
      );
      const byArn = new Map(described.map((d) => [d.serviceDeploymentArn, d]));
      return new Map(
        known.flatMap((t) => {
          const deployment = byArn.get(this.arns.get(t.service));
          return deployment ? [[t.service, deployment] as const] : [];
        }),
      );
    } catch (error) {
      if (isTransient(error)) throw error;
      this.unavailable = true;
      this.options.logger.warning(
        `The service-deployment API is unavailable (${(error as Error).name}); following by DescribeServices alone, without stages or hooks. Allow ecs:ListServiceDeployments and ecs:DescribeServiceDeployments.`,
      );
      return new Map();
    }
  }
}
