import { TIMING } from './timing';

export const SCENARIO_NAMES = [
  'healthy',
  'crash',
  'unhealthy',
  'oom',
  'pull-failure',
  'secrets-denied',
  'slow-start',
  'fails-on-rollback',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What a task's container does: the scenario itself, or what a conditional one amounts to for it. */
export type TaskScenario = Exclude<ScenarioName, 'fails-on-rollback'>;

/**
 * The scenario a new task's container plays. `fails-on-rollback` is healthy when deployed, and crashes in
 * the tasks of a circuit-breaker rollback to it: as old code does once a migration has moved on, so
 * ECS's rollback fails too (ROLLBACK_FAILED).
 */
export function taskScenario(scenario: ScenarioName, rollback: boolean): TaskScenario {
  if (scenario === 'fails-on-rollback') return rollback ? 'crash' : 'healthy';
  return scenario;
}

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIO_NAMES as readonly string[]).includes(value);
}

/** Checked in order, so "unhealthy" is not mistaken for anything shorter. */
export const IMAGE_HINTS: ReadonlyArray<readonly [substring: string, scenario: ScenarioName]> = [
  ['unhealthy', 'unhealthy'],
  ['crash', 'crash'],
  ['oom', 'oom'],
  ['pull-fail', 'pull-failure'],
  ['does-not-exist', 'pull-failure'],
  ['secrets-denied', 'secrets-denied'],
  ['slow', 'slow-start'],
  ['fails-on-rollback', 'fails-on-rollback'],
];

/** What a container with this scenario does once started. */
export type Outcome =
  | { kind: 'runs' }
  | { kind: 'fails-to-start'; cause: 'image-pull' | 'secrets' }
  | { kind: 'exits'; afterSeconds: number; exitCode: number; containerReason?: string }
  | { kind: 'fails-health-checks' };

export interface ScenarioBehaviour {
  /** Multiplies the provisioning and pending durations. */
  startupFactor: number;
  outcome: Outcome;
  /** When containers of one task differ, the most severe scenario decides the task's fate. */
  severity: number;
}

export const SCENARIOS: Record<TaskScenario, ScenarioBehaviour> = {
  healthy: { startupFactor: 1, outcome: { kind: 'runs' }, severity: 0 },
  'slow-start': { startupFactor: TIMING.slowStartFactor, outcome: { kind: 'runs' }, severity: 1 },
  unhealthy: { startupFactor: 1, outcome: { kind: 'fails-health-checks' }, severity: 2 },
  crash: {
    startupFactor: 1,
    outcome: { kind: 'exits', afterSeconds: TIMING.crashAfterSeconds, exitCode: 1 },
    severity: 3,
  },
  oom: {
    startupFactor: 1,
    outcome: {
      kind: 'exits',
      afterSeconds: TIMING.oomAfterSeconds,
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    },
    severity: 3,
  },
  'pull-failure': { startupFactor: 1, outcome: { kind: 'fails-to-start', cause: 'image-pull' }, severity: 4 },
  'secrets-denied': { startupFactor: 1, outcome: { kind: 'fails-to-start', cause: 'secrets' }, severity: 5 },
};

/** Maps images to scenarios: explicit settings first, then hints in the image name, else healthy. */
export class ScenarioBook {
  private readonly explicit = new Map<string, ScenarioName>();

  set(image: string, scenario: ScenarioName): void {
    if (!isScenarioName(scenario)) {
      throw new Error(`Unknown scenario "${scenario}". Valid values are: ${SCENARIO_NAMES.join(', ')}`);
    }
    this.explicit.set(image, scenario);
  }

  forImage(image: string): ScenarioName {
    const chosen = this.explicit.get(image);
    if (chosen) return chosen;
    const hint = IMAGE_HINTS.find(([substring]) => image.includes(substring));
    return hint ? hint[1] : 'healthy';
  }
}
