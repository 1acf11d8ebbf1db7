import type { PolicyStatement } from './iam/simulator';
import type { ScenarioName } from './scenarios';
import { resolveTaskTiming, type TaskTiming } from './timing';

export interface SandboxOptions {
  /** 0 picks a free port (default). */
  port?: number;
  /** Simulated seconds per real second (default 1). */
  speed?: number;
  /** Real milliseconds between simulation steps (default 20). */
  tickMs?: number;
  region?: string;
  accountId?: string;
  /** Clusters that exist from the start (default ['default']). */
  clusters?: string[];
  /** Seed of the random numbers behind faults and generated ids. */
  seed?: number;
  /**
   * Simulated seconds of a task's provisioning, pending, health verdict and stopping, over TIMING's
   * (10, 20, 15, 5): a rolling update of a service takes about their sum.
   */
  timing?: Partial<TaskTiming>;
}

export interface FaultOptions {
  /** Probability (0..1) of answering ThrottlingException. */
  throttleRate?: number;
  /** Probability (0..1) of answering a 500 or 503 server error. */
  serverErrorRate?: number;
  /**
   * Probability (0..1) of processing the request and then answering a 500, as when a response is lost
   * on its way back: the change happened, yet the caller sees a failure and its SDK retries.
   */
  lostResponseRate?: number;
  /** Delay added before answering. */
  latencyMs?: number;
  /** Operations the faults apply to (default: every AWS operation). */
  operations?: string[];
}

export interface DeploymentMark {
  cluster: string;
  service: string;
  deploymentId: string;
  rolloutState: 'COMPLETED' | 'FAILED';
  /** Date.now() when the simulation set the rollout state. */
  at: number;
}

export interface Sandbox {
  url: string;
  port: number;
  setScenario(image: string, scenario: ScenarioName): void;
  setFaults(faults: FaultOptions): void;
  /**
   * The identity policy of a role, for IAM's SimulatePrincipalPolicy (the one IAM call the sandbox
   * answers, in IAM's query protocol); a role never set is NoSuchEntity.
   */
  setRolePolicy(roleArn: string, statements: PolicyStatement[]): void;
  calls(): Record<string, number>;
  /** The operations called since the last reset, in the order they arrived. */
  callSequence(): string[];
  resetCalls(): void;
  marks(): DeploymentMark[];
  stop(): Promise<void>;
}

export interface ResolvedOptions {
  port: number;
  speed: number;
  tickMs: number;
  region: string;
  accountId: string;
  clusters: string[];
  seed: number;
  timing: TaskTiming;
}

export function resolveOptions(options: SandboxOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    port: options.port ?? 0,
    speed: options.speed ?? 1,
    tickMs: options.tickMs ?? 20,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    clusters: options.clusters ?? ['default'],
    seed: options.seed ?? 1,
    timing: resolveTaskTiming(options.timing),
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new Error(`Sandbox option port must be an integer from 0 to 65535, got ${options.port}`);
  }
  if (!(resolved.speed > 0)) throw new Error(`Sandbox option speed must be above 0, got ${options.speed}`);
  if (!(resolved.tickMs > 0)) throw new Error(`Sandbox option tickMs must be above 0, got ${options.tickMs}`);
  if (!/^\d{12}$/.test(resolved.accountId)) {
    throw new Error(`Sandbox option accountId must be 12 digits, got ${options.accountId}`);
  }
  return resolved;
}
