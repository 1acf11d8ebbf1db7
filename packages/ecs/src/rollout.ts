import { Deployment, ECSClient, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import { describeServices } from './describe';
import { isTransient, systemClock } from '@slipway/kit';
import { Judgement, Pace, PollOptions, Verdict, pollToVerdicts } from './polling';
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
  /**
   * After ECS's circuit breaker (or a staged rollout) fails the deployment, follow ECS's rollback to its
   * end (default) rather than report ROLLED_BACK while it is still under way.
   */
  waitForRollback?: boolean;
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

/** family:revision of a task definition ARN, for messages. */
const revision = (arn: string | undefined) => (arn ? arn.split('/').pop()! : 'an unknown revision');

/**
 * How soon this deployment's counts may decide it (see Pace): near once all its tasks run (health checks,
 * then the old tasks drain) or when a crash of a running task would reach the failure threshold; idle
 * while its tasks are still provisioning or pending and no failure can end it yet.
 */
export function paceOf(deployment: Deployment, threshold: number): Pace | undefined {
  const running = deployment.runningCount ?? 0;
  const pending = deployment.pendingCount ?? 0;
  const desired = deployment.desiredCount ?? 0;
  const failed = deployment.failedTasks ?? 0;
  if (running >= desired && pending === 0) return 'near';
  if (running > 0 && failed + running >= threshold) return 'near';
  // A task that fails to start (image pull, secrets) could still reach the threshold: no idling.
  if (failed > 0 && failed + running + pending >= threshold) return undefined;
  return pending > 0 ? 'idle' : undefined;
}

const counts = (d: Deployment) =>
  `${d.runningCount ?? 0}/${d.desiredCount ?? 0} running, ${d.pendingCount ?? 0} pending, ${d.failedTasks ?? 0} failed`;

/**
 * Reads one DescribeServices answer for our deployment. Pending judgements carry progress text and a pace.
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
      if (tracked.waitForRollback === false) {
        return {
          verdict: 'ROLLED_BACK',
          reason: `${reason} ECS is rolling back to ${tracked.previousTaskDefinitionArn} (not waited for).`,
        };
      }
      return judgeRollback(
        reason,
        primary && primary.id !== tracked.deploymentId ? primary : undefined,
        deployments,
        tracked,
      );
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
  const limit = tracked.maxFailedTasks ?? failureThreshold(desired);
  if (!breaker?.enable) {
    if (deployments.length === 1 && running === desired && (ours.pendingCount ?? 0) === 0) {
      return { verdict: 'SUCCEEDED', reason: `${running}/${desired} tasks running and no other deployment` };
    }
    if ((ours.failedTasks ?? 0) >= limit) {
      return { verdict: 'FAILED', reason: `${ours.failedTasks} tasks failed to start (limit ${limit})` };
    }
  }
  return { reason: `${counts(ours)}${draining(deployments, ours)}`, pace: paceOf(ours, limit) };
}

/**
 * The other deployments' running tasks, so the log (and the schedule) see them drain: ECS completes a
 * deployment only once they have stopped, so their stopping is the news that a verdict is due.
 */
function draining(deployments: Deployment[], current: Deployment, whose = 'old task(s)'): string {
  const others = deployments.filter((d) => d !== current).reduce((sum, d) => sum + (d.runningCount ?? 0), 0);
  return others > 0 ? `; ${others} ${whose} running` : '';
}

/**
 * ECS's circuit breaker failed our deployment and rolls back with a new deployment of the last completed
 * revision: announced at once, then followed until that deployment completes (rolled back, the old
 * revision serving again) or fails too (ROLLBACK_FAILED).
 */
function judgeRollback(
  failure: string,
  rollback: Deployment | undefined,
  deployments: Deployment[],
  tracked: TrackedDeployment,
): Judgement {
  const to = revision(rollback?.taskDefinition ?? tracked.previousTaskDefinitionArn);
  const alert = `${failure.replace(/\.?$/, '.')} ECS's circuit breaker failed the deployment and is rolling back to ${to}; following the rollback.`;
  if (!rollback)
    return { reason: `the deployment failed; waiting for ECS's rollback to ${to}`, pace: 'near', alert };
  if (rollback.rolloutState === 'COMPLETED') {
    return { verdict: 'ROLLED_BACK', reason: `${failure.replace(/\.?$/, '.')} ECS rolled back to ${to}.` };
  }
  if (rollback.rolloutState === 'FAILED') {
    return {
      verdict: 'ROLLBACK_FAILED',
      reason: `${failure.replace(/\.?$/, '.')} ECS's rollback to ${to} failed too: ${rollback.rolloutStateReason ?? 'its deployment failed'}.`,
    };
  }
  return {
    reason: `ECS rolling back to ${to}: ${counts(rollback)}${draining(deployments, rollback, 'task(s) of the failed revision')}`,
    pace: paceOf(rollback, failureThreshold(rollback.desiredCount ?? 0)),
    alert,
  };
}

/** Which revision serves a service now: its PRIMARY deployment's, with its running tasks. */
export function servingNow(service: Service | undefined): { taskDefinitionArn?: string; text: string } {
  const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
  if (!primary?.taskDefinition) return { text: 'The revision serving now is unknown.' };
  return {
    taskDefinitionArn: primary.taskDefinition,
    text: `Revision ${revision(primary.taskDefinition)} is serving again (${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} tasks running).`,
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
  /** Set once ECS was seen rolling back: the deploy must not start a rollback of its own. */
  rollingBack?: boolean;
  /** After ECS's rollback completed: the revision serving again. */
  servingTaskDefinitionArn?: string;
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
  const rollingBack = new Set<string>();
  let poll = 0;

  const verdicts = await pollToVerdicts(
    tracked.map((t) => t.service),
    async (pending) => {
      const undecided = tracked.filter((t) => pending.includes(t.service));
      options.logger.debug(
        `poll ${++poll}: ${pending.length} undecided service(s), ${Math.ceil(pending.length / 10)} DescribeServices call(s)`,
      );
      const services = new Map(
        (await describeServices(options.ecs, options.cluster, pending)).map((s) => [s.serviceName!, s]),
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
        const judgement = deployment
          ? judgeStaged(
              judgeServiceDeployment(deployment, { waitForRollback: t.waitForRollback }),
              judge(service, t),
              deployment,
            )
          : judge(service, t);
        if (judgement.alert) rollingBack.add(t.service);
        if (judgement.verdict === 'ROLLED_BACK' || judgement.verdict === 'ROLLBACK_FAILED') {
          rollingBack.add(t.service);
        }
        judgements.set(t.service, judgement);
      }
      return judgements;
    },
    { ...options, clock },
  );
  const byName = new Map(tracked.map((t) => [t.service, t]));
  // The service deployment can say ROLLBACK_SUCCESSFUL before the DescribeServices answer of the same
  // poll shows it: one more look, so the revision serving again is reported as it is.
  await Promise.all(
    [...verdicts].map(async ([name, judgement]) => {
      const primary = last.get(name)?.deployments?.find((d) => d.status === 'PRIMARY');
      const settled = primary && (primary.runningCount ?? 0) >= (primary.desiredCount ?? 0);
      if (judgement.verdict !== 'ROLLED_BACK' || settled || byName.get(name)?.waitForRollback === false)
        return;
      const [fresh] = await describeServices(options.ecs, options.cluster, [name]).catch(() => []);
      if (fresh) last.set(name, fresh);
    }),
  );
  return new Map(
    [...verdicts].map(([name, judgement]) => {
      const service = last.get(name);
      const outcome: Outcome = {
        ...judgement,
        service,
        ...describedBy(service, stages.of(name)),
        ...(rollingBack.has(name) ? { rollingBack: true } : {}),
      };
      // A rollback followed to its end says which revision serves again.
      if (judgement.verdict === 'ROLLED_BACK' && byName.get(name)?.waitForRollback !== false) {
        const serving = servingNow(service);
        outcome.reason = `${judgement.reason.replace(/\.?$/, '.')} ${serving.text}`;
        outcome.servingTaskDefinitionArn = serving.taskDefinitionArn;
      }
      return [name, outcome];
    }),
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
  return {
    reason: `${fromDeployment.reason}; ${fromService.reason}`,
    // Stages, hooks and bake time move on whatever the task counts say: never idle.
    pace: fromService.pace === 'idle' ? undefined : fromService.pace,
    // DescribeServices names the revision ECS rolls back to; the service deployment only its ARN.
    alert: fromService.alert ?? fromDeployment.alert,
  };
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
