import type {
  DeploymentConfiguration,
  DeploymentControllerType,
  LaunchType,
  LoadBalancer,
  NetworkConfiguration,
  ServiceRegistry,
  Tag,
  TaskDefinition,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import type { TaskScenario } from '../scenarios';
import { EcsArns, lastSegment } from './arns';
import { ecsErrors } from './errors';

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPING' | 'STOPPED';
export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';

/** The next thing due to happen to a task, and when (simulated seconds). */
export interface ScheduledChange {
  at: number;
  change:
    | 'to-pending'
    | 'to-running'
    | 'start-failure'
    | 'container-exit'
    | 'command-exit'
    | 'health-verdict'
    | 'to-stopped';
}

export interface ContainerState {
  name: string;
  image: string;
  arn: string;
  runtimeId: string;
  essential: boolean;
  hasHealthCheck: boolean;
  scenario: TaskScenario;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  healthStatus: HealthStatus;
  exitCode?: number;
  reason?: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  port: number;
  logs?: { group: string; stream: string };
}

/** Wall-clock milliseconds of a task's milestones. */
export interface TaskTimes {
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
}

export interface TaskState {
  id: string;
  arn: string;
  clusterName: string;
  taskDefinitionArn: string;
  group: string;
  startedBy?: string;
  serviceName?: string;
  deploymentId?: string;
  launchType: LaunchType;
  cpu?: string;
  memory?: string;
  availabilityZone: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: HealthStatus;
  /** Stayed RUNNING through the health-check window; what counts for tasks without a health check. */
  stable: boolean;
  containers: ContainerState[];
  /** The container whose scenario decides the task's fate. */
  culprit: ContainerState;
  next?: ScheduledChange;
  times: TaskTimes;
  stopCode?: string;
  stoppedReason?: string;
  /** Stopped because it failed (crash, failed start, failed health checks), not by request. */
  failed: boolean;
  version: number;
  tags: Tag[];
  overrides?: TaskOverride;
  /** Simulated second the task reached STOPPED, for pruning. */
  stoppedAtSimSeconds?: number;
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface DeploymentState {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  launchType: LaunchType;
  platformVersion?: string;
  networkConfiguration?: NetworkConfiguration;
}

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/**
 * One service deployment (what ListServiceDeployments / DescribeServiceDeployments answer about): started
 * by CreateService or UpdateService, its target revision is the deployment it started; a circuit-breaker
 * rollback stays the same service deployment, carried out by a second (rollback) deployment.
 */
export interface ServiceDeploymentState {
  id: string;
  arn: string;
  /** The deployment (ecs-svc/…) it started; its revision is the target revision. */
  deploymentId: string;
  /** The deployments that were live when it started: the source revisions. */
  sourceDeploymentIds: string[];
  /** The deployment carrying out the rollback, once the circuit breaker rolled back. */
  rollbackDeploymentId?: string;
  createdAt: number;
  startedAt: number;
  finishedAt?: number;
  updatedAt: number;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  failureCount: number;
  threshold: number;
  circuitBreakerTriggered: boolean;
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  /** Set for BLUE_GREEN, LINEAR and CANARY deployments: where the staged rollout is. */
  staged?: StagedProgress;
}

export type StagedStrategy = 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

export type LifecycleStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';

export interface HookRun {
  id: string;
  /** The hook stage it was configured for (PRE_PRODUCTION_TRAFFIC_SHIFT runs within PRODUCTION_TRAFFIC_SHIFT). */
  hookStage: string;
  stage: LifecycleStage;
  targetType: 'AWS_LAMBDA' | 'PAUSE';
  targetArn?: string;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  /** What it will answer. */
  outcome: 'SUCCEEDED' | 'FAILED';
  /** Simulated second the hook answers. */
  answersAt: number;
  /** Wall-clock milliseconds its timeout ends. */
  expiresAt: number;
}

/** A staged rollout: the new revision scales up beside the old one, then takes traffic in steps. */
export interface StagedProgress {
  /** What it runs with, fixed at its start: its hooks and circuit breaker, not the service's current ones. */
  configuration: DeploymentConfiguration;
  strategy: StagedStrategy;
  stage: LifecycleStage;
  /** Production traffic on the target revision after each shift, in percent; the last is 100. */
  trafficSteps: number[];
  /** Simulated seconds to wait after each shift but the last (LINEAR and CANARY). */
  stepBakeSeconds: number;
  bakeSeconds: number;
  productionTraffic: number;
  testTraffic: number;
  /** Simulated second the current wait (a step's or the final bake) ends. */
  waitUntil?: number;
  /** Whether the current stage's hooks have been invoked. */
  hooksStarted: boolean;
  hooks: HookRun[];
}

export interface ServiceEventState {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceState {
  name: string;
  arn: string;
  clusterName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinitionArn: string;
  deploymentConfiguration: DeploymentConfiguration;
  /** CODE_DEPLOY: only CodeDeploy deploys new task definitions (UpdateService refuses to). */
  deploymentController: DeploymentControllerType;
  /** PRIMARY first. */
  deployments: DeploymentState[];
  /** Newest first; kept after their deployments are drained. */
  serviceDeployments: ServiceDeploymentState[];
  /** Newest first. */
  events: ServiceEventState[];
  createdAt: number;
  createdBy: string;
  launchType: LaunchType;
  platformVersion?: string;
  networkConfiguration?: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
  serviceRegistries: ServiceRegistry[];
  healthCheckGracePeriodSeconds?: number;
  enableExecuteCommand: boolean;
  enableECSManagedTags: boolean;
  propagateTags: string;
  tags: Tag[];
  /** Whether "has reached a steady state." was the last thing said about the service. */
  steady: boolean;
  lastCompleted?: { deploymentId: string; taskDefinitionArn: string };
}

export interface ClusterState {
  name: string;
  arn: string;
  tags: Tag[];
  services: Map<string, ServiceState>;
  tasks: Map<string, TaskState>;
}

export interface RegisteredTaskDefinition {
  definition: TaskDefinition & { family: string; revision: number; taskDefinitionArn: string };
  tags: Tag[];
}

export class EcsState {
  readonly clusters = new Map<string, ClusterState>();
  /** Revisions per family, revision n at index n - 1. */
  readonly taskDefinitions = new Map<string, RegisteredTaskDefinition[]>();

  constructor(readonly arns: EcsArns) {}

  createCluster(name: string, tags: Tag[] = []): ClusterState {
    const existing = this.clusters.get(name);
    if (existing) return existing;
    const cluster: ClusterState = {
      name,
      arn: this.arns.cluster(name),
      tags,
      services: new Map(),
      tasks: new Map(),
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  /** The cluster named or ARN'd by `ref` ("default" when absent). */
  cluster(ref: string | undefined): ClusterState {
    const cluster = this.clusters.get(lastSegment(ref || 'default'));
    if (!cluster) throw ecsErrors.clusterNotFound();
    return cluster;
  }

  /** "family", "family:revision" or a task definition ARN; "family" means the latest ACTIVE revision. */
  findTaskDefinition(ref: string): RegisteredTaskDefinition | undefined {
    const familyAndRevision = ref.startsWith('arn:') ? ref.slice(ref.indexOf('task-definition/') + 16) : ref;
    const [family = '', revisionText] = familyAndRevision.split(':');
    const revisions = this.taskDefinitions.get(family) ?? [];
    if (revisionText === undefined) {
      return [...revisions].reverse().find((r) => r.definition.status === 'ACTIVE');
    }
    return revisions[Number(revisionText) - 1];
  }

  /** The task definition a service or task can start from: exists and is ACTIVE. */
  usableTaskDefinition(ref: string | undefined): RegisteredTaskDefinition {
    const found = ref ? this.findTaskDefinition(ref) : undefined;
    if (!found) throw ecsErrors.taskDefinitionNotFound();
    if (found.definition.status !== 'ACTIVE') throw ecsErrors.taskDefinitionInactive();
    return found;
  }

  taskDefinitionByArn(arn: string): RegisteredTaskDefinition {
    const found = this.findTaskDefinition(arn);
    if (!found) throw new Error(`Sandbox lost task definition ${arn}`);
    return found;
  }

  service(cluster: ClusterState, ref: string | undefined): ServiceState | undefined {
    return ref ? cluster.services.get(lastSegment(ref)) : undefined;
  }
}
