import { exitLines, healthFailureLines, startupLines } from '../app-logs';
import type { SimClock } from '../clock';
import type { LogSink } from '../logs/store';
import type { DeploymentMark } from '../options';
import type { SeededRandom } from '../random';
import type { ScenarioBook } from '../scenarios';
import type { TaskTiming } from '../timing';
import type { ClusterState, ContainerState, EcsState, TaskState } from './model';
import { ServiceScheduler } from './scheduler';
import { advanceTask, overriddenCommand, type LifecycleContext, type TaskHappening } from './task-lifecycle';

export interface SimulationDeps {
  state: EcsState;
  clock: SimClock;
  random: SeededRandom;
  scenarios: ScenarioBook;
  logs: LogSink;
  timing: TaskTiming;
}

/** Simulated seconds per step, so transitions happen in order even when a tick covers a long time. */
const MAX_STEP_SECONDS = 1;
/** ECS shows stopped tasks for a while; the sandbox keeps the most recent ones per cluster. */
const MAX_STOPPED_TASKS_PER_CLUSTER = 1000;

/** Moves every task and service of the ECS state forward in simulated time. */
export class Simulation {
  readonly context: LifecycleContext;
  readonly scheduler: ServiceScheduler;
  private readonly recordedMarks: DeploymentMark[] = [];

  constructor(private readonly deps: SimulationDeps) {
    this.context = {
      clock: deps.clock,
      random: deps.random,
      state: deps.state,
      scenarios: deps.scenarios,
      timing: deps.timing,
    };
    this.scheduler = new ServiceScheduler(this.context, (mark) => this.recordedMarks.push(mark));
  }

  get marks(): DeploymentMark[] {
    return [...this.recordedMarks];
  }

  advance(simulatedSeconds: number): void {
    let remaining = simulatedSeconds;
    while (remaining > 0) {
      const step = Math.min(MAX_STEP_SECONDS, remaining);
      this.deps.clock.advance(step);
      this.step();
      remaining -= step;
    }
  }

  step(): void {
    for (const cluster of this.deps.state.clusters.values()) {
      for (const task of cluster.tasks.values()) {
        for (const happening of advanceTask(this.context, task)) this.react(cluster, task, happening);
      }
      for (const service of cluster.services.values()) this.scheduler.reconcile(cluster, service);
      pruneStoppedTasks(cluster);
    }
  }

  private react(cluster: ClusterState, task: TaskState, happening: TaskHappening): void {
    const service = task.serviceName ? cluster.services.get(task.serviceName) : undefined;
    switch (happening) {
      case 'running': {
        const command = overriddenCommand(task);
        for (const container of task.containers) {
          const app = { containerName: container.name, port: container.port };
          this.log(
            container,
            command?.container === container.name
              ? [`$ ${command.command.join(' ')}`]
              : startupLines(container.scenario, app),
          );
        }
        return;
      }
      case 'command-exited': {
        const command = overriddenCommand(task)!;
        const container = task.containers.find((c) => c.name === command.container) ?? task.culprit;
        this.log(container, [
          container.exitCode === 0 ? 'done' : `error: command failed`,
          `exit ${container.exitCode}`,
        ]);
        return;
      }
      case 'failed':
        this.log(task.culprit, exitLines(task.culprit.scenario));
        if (service) this.scheduler.taskFailed(cluster, service, task);
        return;
      case 'failed-health-checks':
        this.log(task.culprit, healthFailureLines());
        if (service) this.scheduler.failHealthChecks(cluster, service, task);
        return;
      case 'healthy':
      case 'stopped':
        return;
    }
  }

  private log(container: ContainerState, lines: string[]): void {
    if (!container.logs) return;
    this.deps.logs.write(container.logs.group, container.logs.stream, lines, this.deps.clock.wallNow());
  }
}

function pruneStoppedTasks(cluster: ClusterState): void {
  const stopped = [...cluster.tasks.values()].filter((t) => t.lastStatus === 'STOPPED');
  const excess = stopped.length - MAX_STOPPED_TASKS_PER_CLUSTER;
  if (excess <= 0) return;
  stopped.sort((a, b) => (a.stoppedAtSimSeconds ?? 0) - (b.stoppedAtSimSeconds ?? 0));
  for (const task of stopped.slice(0, excess)) cluster.tasks.delete(task.id);
}
