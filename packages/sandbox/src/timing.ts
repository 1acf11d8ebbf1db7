/** Simulated seconds each step of a task's life takes. */
export const TIMING = {
  provisioningSeconds: 10,
  pendingSeconds: 20,
  /**
   * After RUNNING, until a container health check reports HEALTHY (or UNHEALTHY); a task without a health
   * check must stay RUNNING this long before it counts as healthy.
   */
  healthCheckSeconds: 15,
  /** From the stop decision until the task reaches STOPPED. */
  stoppingSeconds: 5,
  /** Multiplies provisioning and pending for the slow-start scenario. */
  slowStartFactor: 4,
  /** After RUNNING, until the crashing container exits. */
  crashAfterSeconds: 5,
  /** After RUNNING, until the container is killed for memory. */
  oomAfterSeconds: 8,
  /** Into PENDING, until the secrets cannot be fetched. */
  secretsFailAfterSeconds: 5,
  /** After RUNNING, until a standalone task's overridden command (a migration, say) exits. */
  commandSeconds: 10,
  /** From invoking a deployment lifecycle hook (a Lambda function) until it answers. */
  hookSeconds: 90,
} as const;

/** The durations of a task's life that a sandbox may set (SandboxOptions.timing), e.g. for a longer rollout. */
export type TaskTiming = Record<
  'provisioningSeconds' | 'pendingSeconds' | 'healthCheckSeconds' | 'stoppingSeconds',
  number
>;

/** TIMING's task durations with the given ones over them; each must be a number of seconds ≥ 0. */
export function resolveTaskTiming(timing: Partial<TaskTiming> = {}): TaskTiming {
  const resolved: TaskTiming = {
    provisioningSeconds: timing.provisioningSeconds ?? TIMING.provisioningSeconds,
    pendingSeconds: timing.pendingSeconds ?? TIMING.pendingSeconds,
    healthCheckSeconds: timing.healthCheckSeconds ?? TIMING.healthCheckSeconds,
    stoppingSeconds: timing.stoppingSeconds ?? TIMING.stoppingSeconds,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new Error(`Sandbox option timing.${name} must be a number of seconds ≥ 0, got ${value}`);
    }
  }
  return resolved;
}

/** ECS's documented circuit-breaker threshold: 0.5 × desired count, at least 3, at most 200. */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}
