import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';
import type { DeploymentMark } from '../options';
import { circuitBreakerThreshold } from '../timing';
import { rolloutReasons, serviceEvents, stopReasons } from './messages';
import { lastSegment } from './arns';
import type { ClusterState, DeploymentState, ServiceDeploymentState, ServiceState, TaskState } from './model';
import { isStaged, newStagedProgress, nextStage, startHooks } from './staged-rollout';
import {
  beginStop,
  createTask,
  isHealthy,
  isLive,
  type LifecycleContext,
  type StopRequest,
} from './task-lifecycle';

const MAX_SERVICE_EVENTS = 100;

/**
 * The ECS service scheduler. Rolling updates: keeps the PRIMARY deployment at its desired count within
 * maximumPercent, drains older deployments without going below minimumHealthyPercent, completes
 * rollouts, and trips the deployment circuit breaker. BLUE_GREEN, LINEAR and CANARY: scales the new
 * revision up beside the old, walks the lifecycle stages (hooks, test traffic, production traffic in
 * steps, bake time), and only then drains the old; a failure returns traffic to the old revision.
 */
export class ServiceScheduler {
  constructor(
    private readonly ctx: LifecycleContext,
    private readonly recordMark: (mark: DeploymentMark) => void,
  ) {}

  /**
   * Demotes the current deployments to ACTIVE and starts a new PRIMARY one, staged when the service's
   * deploymentConfiguration asks for BLUE_GREEN, LINEAR or CANARY. A new service deployment stops the
   * unfinished ones; a rollback is carried out within the service deployment it rolls back.
   */
  startDeployment(
    service: ServiceState,
    taskDefinitionArn: string,
    reason?: string,
    rollbackOf?: ServiceDeploymentState,
  ): DeploymentState {
    return this.launch(service, taskDefinitionArn, service.deploymentConfiguration, reason, rollbackOf);
  }

  /**
   * Starts a service deployment staged with `configuration` (strategy, steps, bake time, lifecycle hooks,
   * circuit breaker) whatever the service's own deploymentConfiguration says: how CodeDeploy deploys.
   */
  startStagedDeployment(
    service: ServiceState,
    taskDefinitionArn: string,
    configuration: DeploymentConfiguration,
  ): ServiceDeploymentState {
    if (!isStaged(configuration)) throw new Error('A staged deployment needs BLUE_GREEN, LINEAR or CANARY');
    const deployment = this.launch(service, taskDefinitionArn, configuration);
    return this.serviceDeploymentOf(service, deployment.id)!;
  }

  /**
   * Stops a staged service deployment that is still under way the way a failure would: production traffic
   * returns to the revision it started from and the new revision drains. False if there is nothing to stop.
   */
  stopStagedDeployment(service: ServiceState, sd: ServiceDeploymentState, reason: string): boolean {
    const deployment = service.deployments.find((d) => d.id === sd.deploymentId);
    if (!sd.staged || sd.status !== 'IN_PROGRESS' || !deployment) return false;
    this.rollBackStaged(service, deployment, sd, reason);
    return true;
  }

  private launch(
    service: ServiceState,
    taskDefinitionArn: string,
    configuration: DeploymentConfiguration,
    reason?: string,
    rollbackOf?: ServiceDeploymentState,
  ): DeploymentState {
    const now = this.ctx.clock.wallNow();
    const sourceDeploymentIds = service.deployments.map((d) => d.id);
    for (const deployment of service.deployments) deployment.status = 'ACTIVE';
    const id = `ecs-svc/${this.ctx.random.digits(19)}`;
    const deployment: DeploymentState = {
      id,
      status: 'PRIMARY',
      taskDefinitionArn,
      desiredCount: service.desiredCount,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: reason ?? rolloutReasons.inProgress(id),
      launchType: service.launchType,
      platformVersion: service.platformVersion,
      networkConfiguration: service.networkConfiguration,
    };
    service.deployments.unshift(deployment);
    service.taskDefinitionArn = taskDefinitionArn;
    service.steady = false;
    if (rollbackOf) {
      rollbackOf.rollbackDeploymentId = id;
    } else {
      this.stopUnfinishedServiceDeployments(service, now);
      const serviceDeployment = this.newServiceDeployment(service, id, sourceDeploymentIds, now);
      // The first deployment has no traffic to shift, so it starts its tasks as a rolling one would.
      if (isStaged(configuration) && sourceDeploymentIds.length > 0) {
        serviceDeployment.staged = newStagedProgress(configuration);
      }
      service.serviceDeployments.unshift(serviceDeployment);
    }
    return deployment;
  }

  private newServiceDeployment(
    service: ServiceState,
    deploymentId: string,
    sourceDeploymentIds: string[],
    now: number,
  ): ServiceDeploymentState {
    // Derived from the deployment id rather than drawn, so seeded runs keep their ids.
    const id = Buffer.from(lastSegment(deploymentId)).toString('base64url');
    return {
      id,
      arn: this.ctx.state.arns.serviceDeployment(service.clusterName, service.name, id),
      deploymentId,
      sourceDeploymentIds,
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      status: 'IN_PROGRESS',
      failureCount: 0,
      threshold: circuitBreakerThreshold(service.desiredCount),
      circuitBreakerTriggered: false,
    };
  }

  private stopUnfinishedServiceDeployments(service: ServiceState, now: number): void {
    for (const sd of service.serviceDeployments) {
      if (sd.status === 'IN_PROGRESS' || sd.status === 'PENDING') {
        sd.status = 'STOPPED';
        sd.statusReason = 'Service deployment stopped: a newer service deployment replaced it.';
      } else if (sd.status === 'ROLLBACK_IN_PROGRESS') {
        sd.status = 'ROLLBACK_FAILED';
        sd.statusReason = 'Rollback stopped: a newer service deployment replaced it.';
      } else continue;
      sd.finishedAt = now;
      sd.updatedAt = now;
    }
  }

  /** The service deployment a deployment belongs to: the one it started, or the one it rolls back. */
  serviceDeploymentOf(service: ServiceState, deploymentId: string): ServiceDeploymentState | undefined {
    return service.serviceDeployments.find(
      (sd) => sd.deploymentId === deploymentId || sd.rollbackDeploymentId === deploymentId,
    );
  }

  addEvent(service: ServiceState, message: string): void {
    service.events.unshift({ id: this.ctx.random.uuid(), createdAt: this.ctx.clock.wallNow(), message });
    service.events.length = Math.min(service.events.length, MAX_SERVICE_EVENTS);
  }

  reconcile(cluster: ClusterState, service: ServiceState): void {
    const primary = service.deployments[0];
    if (service.status === 'INACTIVE' || !primary) return;
    primary.desiredCount = service.desiredCount;
    const staged = this.stagedRolloutOf(service, primary);
    if (staged) this.advanceStaged(cluster, service, primary, staged);
    const shifting = this.stagedRolloutOf(service, primary)?.staged?.stage;
    this.scaleDownPrimary(cluster, service, primary);
    this.launchForPrimary(cluster, service, primary, !!shifting);
    if (!shifting || shifting === 'CLEAN_UP') this.drainOlderDeployments(cluster, service, primary);
    this.forgetDrainedDeployments(cluster, service);
    this.finishStagedRollbacks(service);
    if (service.status === 'DRAINING') this.finishDraining(cluster, service);
    else if (!shifting || shifting === 'CLEAN_UP') this.settle(cluster, service, primary);
  }

  /** The primary deployment's service deployment while it is a staged rollout still under way. */
  private stagedRolloutOf(
    service: ServiceState,
    primary: DeploymentState,
  ): ServiceDeploymentState | undefined {
    const sd = service.serviceDeployments.find((s) => s.deploymentId === primary.id);
    return sd?.staged && sd.status === 'IN_PROGRESS' ? sd : undefined;
  }

  /** Moves a staged rollout on by at most one stage: each stage lasts at least a step. */
  private advanceStaged(
    cluster: ClusterState,
    service: ServiceState,
    primary: DeploymentState,
    sd: ServiceDeploymentState,
  ): void {
    const progress = sd.staged!;
    const now = this.ctx.clock.seconds;
    if (!progress.hooksStarted) {
      const hooks = startHooks(
        progress.configuration.lifecycleHooks,
        progress.stage,
        { seconds: now, wallMs: this.ctx.clock.wallNow() },
        () => this.ctx.random.hex(16),
      );
      progress.hooks.push(...hooks);
      progress.hooksStarted = true;
    }
    const current = progress.hooks.filter((h) => h.stage === progress.stage);
    for (const hook of current) {
      if (hook.status === 'IN_PROGRESS' && now >= hook.answersAt) hook.status = hook.outcome;
    }
    if (current.some((h) => h.status === 'IN_PROGRESS')) return;
    const failed = current.find((h) => h.status === 'FAILED');
    if (failed) {
      const hook = failed.targetArn ?? failed.targetType;
      this.addEvent(service, serviceEvents.hookFailed(service.name, primary.id, hook, failed.hookStage));
      this.rollBackStaged(service, primary, sd, rolloutReasons.hookFailed(hook, failed.hookStage));
      this.recordMark({
        cluster: cluster.name,
        service: service.name,
        deploymentId: primary.id,
        rolloutState: 'FAILED',
        at: this.ctx.clock.wallNow(),
      });
      return;
    }
    if (!this.stageWorkDone(cluster, service, primary, sd)) return;
    const next = nextStage(progress.stage);
    if (!next) return;
    progress.stage = next;
    progress.hooksStarted = false;
    progress.waitUntil = undefined;
    sd.updatedAt = this.ctx.clock.wallNow();
    this.addEvent(service, serviceEvents.lifecycleStage(service.name, primary.id, next));
  }

  /** Does the current stage's own work; true once it is finished. */
  private stageWorkDone(
    cluster: ClusterState,
    service: ServiceState,
    primary: DeploymentState,
    sd: ServiceDeploymentState,
  ): boolean {
    const progress = sd.staged!;
    const now = this.ctx.clock.seconds;
    switch (progress.stage) {
      case 'SCALE_UP': {
        const ready = this.tasksOf(cluster, service).filter(
          (t) => t.deploymentId === primary.id && isLive(t) && isHealthy(t),
        );
        return ready.length >= service.desiredCount;
      }
      case 'TEST_TRAFFIC_SHIFT':
        progress.testTraffic = 100;
        return true;
      case 'PRODUCTION_TRAFFIC_SHIFT': {
        if (progress.waitUntil !== undefined && now < progress.waitUntil) return false;
        const share = progress.trafficSteps.find((step) => step > progress.productionTraffic);
        if (share === undefined) return true;
        progress.productionTraffic = share;
        sd.updatedAt = this.ctx.clock.wallNow();
        this.addEvent(service, serviceEvents.productionTraffic(service.name, primary.id, share));
        if (share >= 100) return true;
        progress.waitUntil = now + progress.stepBakeSeconds;
        return false;
      }
      case 'BAKE_TIME':
        progress.waitUntil ??= now + progress.bakeSeconds;
        return now >= progress.waitUntil;
      case 'CLEAN_UP':
        return false;
      default:
        return true;
    }
  }

  /** Returns traffic to the revision the staged rollout started from and lets the new one drain. */
  private rollBackStaged(
    service: ServiceState,
    failed: DeploymentState,
    sd: ServiceDeploymentState,
    reason: string,
  ): void {
    const now = this.ctx.clock.wallNow();
    failed.rolloutState = 'FAILED';
    failed.rolloutStateReason = reason;
    failed.updatedAt = now;
    failed.status = 'ACTIVE';
    const source = service.deployments.find((d) => d !== failed && sd.sourceDeploymentIds.includes(d.id));
    sd.status = 'ROLLBACK_IN_PROGRESS';
    sd.statusReason = reason;
    sd.updatedAt = now;
    sd.staged!.productionTraffic = 0;
    sd.staged!.testTraffic = 0;
    if (!source) return;
    source.status = 'PRIMARY';
    service.deployments = [source, ...service.deployments.filter((d) => d !== source)];
    service.taskDefinitionArn = source.taskDefinitionArn;
    sd.rollback = {
      reason: rolloutReasons.trafficReturned(source.id),
      startedAt: now,
      serviceRevisionArn: this.ctx.state.arns.serviceRevision(service.clusterName, service.name, source.id),
    };
    this.addEvent(service, serviceEvents.rollingBack(service.name, source.id));
  }

  /** A staged rollback is done once the failed revision's tasks are gone. */
  private finishStagedRollbacks(service: ServiceState): void {
    for (const sd of service.serviceDeployments) {
      if (!sd.staged || sd.status !== 'ROLLBACK_IN_PROGRESS') continue;
      if (service.deployments.some((d) => d.id === sd.deploymentId)) continue;
      sd.status = 'ROLLBACK_SUCCESSFUL';
      sd.finishedAt = this.ctx.clock.wallNow();
      sd.updatedAt = sd.finishedAt;
    }
  }

  private finishDraining(cluster: ClusterState, service: ServiceState): void {
    if (this.tasksOf(cluster, service).every((t) => t.lastStatus === 'STOPPED')) service.status = 'INACTIVE';
  }

  /** A task of this service failed (exited, failed to start, or failed its health checks). */
  taskFailed(cluster: ClusterState, service: ServiceState, task: TaskState): void {
    const deployment = service.deployments.find((d) => d.id === task.deploymentId);
    if (!deployment) return;
    deployment.failedTasks++;
    deployment.updatedAt = this.ctx.clock.wallNow();
    const monitored = deployment === service.deployments[0] && deployment.rolloutState === 'IN_PROGRESS';
    const serviceDeployment = this.serviceDeploymentOf(service, deployment.id);
    const configuration = serviceDeployment?.staged?.configuration ?? service.deploymentConfiguration;
    const breaker = configuration.deploymentCircuitBreaker;
    if (serviceDeployment && monitored) {
      // What the breaker counted: failures after it tripped are no longer the deployment's.
      serviceDeployment.failureCount++;
      serviceDeployment.updatedAt = deployment.updatedAt;
    }
    if (
      breaker?.enable &&
      monitored &&
      deployment.failedTasks >= circuitBreakerThreshold(service.desiredCount)
    ) {
      this.tripCircuitBreaker(cluster, service, deployment);
    }
  }

  failHealthChecks(cluster: ClusterState, service: ServiceState, task: TaskState): void {
    this.addEvent(service, serviceEvents.failedHealthChecks(service.name, task.id));
    const stopped = beginStop(this.ctx, task, {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: stopReasons.failedHealthChecks,
    });
    if (!stopped) return;
    task.failed = true;
    this.addEvent(service, serviceEvents.stoppedTasks(service.name, [task.id]));
    this.taskFailed(cluster, service, task);
  }

  private tripCircuitBreaker(cluster: ClusterState, service: ServiceState, failed: DeploymentState): void {
    const now = this.ctx.clock.wallNow();
    failed.rolloutState = 'FAILED';
    failed.rolloutStateReason = rolloutReasons.circuitBreakerFailed();
    failed.updatedAt = now;
    this.addEvent(service, serviceEvents.deploymentFailed(service.name, failed.id));
    this.recordMark({
      cluster: cluster.name,
      service: service.name,
      deploymentId: failed.id,
      rolloutState: 'FAILED',
      at: now,
    });
    const serviceDeployment = this.serviceDeploymentOf(service, failed.id);
    if (serviceDeployment) {
      serviceDeployment.circuitBreakerTriggered = true;
      serviceDeployment.updatedAt = now;
    }
    if (serviceDeployment?.staged && serviceDeployment.status === 'IN_PROGRESS') {
      this.rollBackStaged(service, failed, serviceDeployment, failed.rolloutStateReason);
      return;
    }
    if (serviceDeployment && serviceDeployment.rollbackDeploymentId === failed.id) {
      serviceDeployment.status = 'ROLLBACK_FAILED';
      serviceDeployment.statusReason =
        'Rollback failed: the rollback deployment tripped the circuit breaker.';
      serviceDeployment.finishedAt = now;
      return;
    }
    const target = service.lastCompleted;
    if (!service.deploymentConfiguration.deploymentCircuitBreaker?.rollback || !target) {
      if (serviceDeployment) {
        serviceDeployment.status = 'STOPPED';
        serviceDeployment.statusReason = failed.rolloutStateReason;
        serviceDeployment.finishedAt = now;
      }
      return;
    }
    const rollbackReason = rolloutReasons.rollingBack(target.deploymentId);
    if (serviceDeployment) {
      serviceDeployment.status = 'ROLLBACK_IN_PROGRESS';
      serviceDeployment.statusReason = failed.rolloutStateReason;
      serviceDeployment.rollback = {
        reason: rollbackReason,
        startedAt: now,
        serviceRevisionArn: this.ctx.state.arns.serviceRevision(
          service.clusterName,
          service.name,
          target.deploymentId,
        ),
      };
    }
    this.startDeployment(service, target.taskDefinitionArn, rollbackReason, serviceDeployment);
    this.addEvent(service, serviceEvents.rollingBack(service.name, target.deploymentId));
  }

  private scaleDownPrimary(cluster: ClusterState, service: ServiceState, primary: DeploymentState): void {
    const live = this.tasksOf(cluster, service).filter((t) => t.deploymentId === primary.id && isLive(t));
    const excess = live.length - service.desiredCount;
    if (excess <= 0) return;
    const leastUseful = [...live].sort((a, b) => Number(isHealthy(a)) - Number(isHealthy(b)));
    this.stopTasks(service, leastUseful.slice(0, excess));
  }

  /** A staged rollout scales the new revision up fully beside the old, whatever maximumPercent says. */
  private launchForPrimary(
    cluster: ClusterState,
    service: ServiceState,
    primary: DeploymentState,
    besideOld: boolean,
  ): void {
    if (primary.rolloutState === 'FAILED' || service.status !== 'ACTIVE') return;
    const live = this.tasksOf(cluster, service).filter(isLive);
    const primaryLive = live.filter((t) => t.deploymentId === primary.id).length;
    const maximumPercent = service.deploymentConfiguration.maximumPercent ?? 200;
    const maxTasks = Math.max(
      service.desiredCount,
      Math.floor((service.desiredCount * maximumPercent) / 100),
    );
    const missing = service.desiredCount - primaryLive;
    const count = besideOld ? missing : Math.min(missing, maxTasks - live.length);
    if (count <= 0) return;
    const definition = this.ctx.state.taskDefinitionByArn(primary.taskDefinitionArn);
    const started = Array.from({ length: count }, () =>
      createTask(this.ctx, {
        cluster,
        definition,
        group: `service:${service.name}`,
        launchType: service.launchType,
        startedBy: primary.id,
        serviceName: service.name,
        deploymentId: primary.id,
        rollback: service.serviceDeployments.some((sd) => sd.rollbackDeploymentId === primary.id),
      }),
    );
    this.addEvent(
      service,
      serviceEvents.startedTasks(
        service.name,
        started.map((t) => t.id),
      ),
    );
  }

  /** Stops older deployments' tasks as far as minimumHealthyPercent allows; useless ones go first. */
  private drainOlderDeployments(
    cluster: ClusterState,
    service: ServiceState,
    primary: DeploymentState,
  ): void {
    const live = this.tasksOf(cluster, service).filter(isLive);
    const older = live.filter((t) => t.deploymentId !== primary.id);
    if (older.length === 0) return;
    const minimumHealthyPercent = service.deploymentConfiguration.minimumHealthyPercent ?? 100;
    const minimumHealthy = Math.ceil((service.desiredCount * minimumHealthyPercent) / 100);
    let allowance = live.filter(isHealthy).length - minimumHealthy;
    const toStop = older.filter((task) => {
      if (!isHealthy(task)) return true;
      if (allowance <= 0) return false;
      allowance--;
      return true;
    });
    this.stopTasks(service, toStop);
  }

  private forgetDrainedDeployments(cluster: ClusterState, service: ServiceState): void {
    const tasks = this.tasksOf(cluster, service);
    service.deployments = service.deployments.filter((deployment, index) => {
      if (index === 0) return true;
      const own = tasks.filter((t) => t.deploymentId === deployment.id);
      deployment.desiredCount = own.filter(isLive).length;
      return own.some((t) => t.lastStatus !== 'STOPPED');
    });
  }

  private settle(cluster: ClusterState, service: ServiceState, primary: DeploymentState): void {
    const tasks = this.tasksOf(cluster, service);
    const primaryLive = tasks.filter((t) => t.deploymentId === primary.id && isLive(t));
    const settled =
      service.deployments.length === 1 &&
      primaryLive.length === service.desiredCount &&
      primaryLive.every(isHealthy) &&
      tasks.every((t) => t.deploymentId === primary.id || t.lastStatus === 'STOPPED');
    if (!settled) {
      service.steady = false;
      return;
    }
    if (primary.rolloutState === 'IN_PROGRESS') this.complete(cluster, service, primary);
    if (!service.steady && primary.rolloutState === 'COMPLETED') {
      this.addEvent(service, serviceEvents.steadyState(service.name));
      service.steady = true;
    }
  }

  private complete(cluster: ClusterState, service: ServiceState, primary: DeploymentState): void {
    const now = this.ctx.clock.wallNow();
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = rolloutReasons.completed(primary.id);
    primary.updatedAt = now;
    service.lastCompleted = { deploymentId: primary.id, taskDefinitionArn: primary.taskDefinitionArn };
    const serviceDeployment = this.serviceDeploymentOf(service, primary.id);
    if (serviceDeployment) {
      const rolledBack = serviceDeployment.rollbackDeploymentId === primary.id;
      serviceDeployment.status = rolledBack ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL';
      serviceDeployment.statusReason = rolledBack
        ? 'Rollback to the last successful service revision completed.'
        : 'Service deployment completed.';
      serviceDeployment.finishedAt = now;
      serviceDeployment.updatedAt = now;
    }
    this.addEvent(service, serviceEvents.deploymentCompleted(service.name, primary.id));
    this.recordMark({
      cluster: cluster.name,
      service: service.name,
      deploymentId: primary.id,
      rolloutState: 'COMPLETED',
      at: now,
    });
  }

  private stopTasks(service: ServiceState, tasks: TaskState[]): void {
    const stopped = tasks.filter((task) =>
      beginStop(this.ctx, task, scalingStop(task.deploymentId ?? service.deployments[0]?.id ?? '')),
    );
    if (stopped.length === 0) return;
    this.addEvent(
      service,
      serviceEvents.stoppedTasks(
        service.name,
        stopped.map((t) => t.id),
      ),
    );
  }

  private tasksOf(cluster: ClusterState, service: ServiceState): TaskState[] {
    return [...cluster.tasks.values()].filter((t) => t.serviceName === service.name);
  }
}

function scalingStop(deploymentId: string): StopRequest {
  return { stopCode: 'ServiceSchedulerInitiated', stoppedReason: stopReasons.scalingActivity(deploymentId) };
}
