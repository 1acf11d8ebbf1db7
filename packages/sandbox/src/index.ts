export { startSandbox } from './sandbox';
export type { DeploymentMark, FaultOptions, Sandbox, SandboxOptions } from './options';
export { createSimulatedAws, type SimulatedAws, type SimulatedAwsSettings } from './simulated-aws';
export { AwsError } from './http/aws-error';
export type { PolicyStatement } from './iam/simulator';
export { IMAGE_HINTS, SCENARIO_NAMES, type ScenarioName } from './scenarios';
export { TIMING, circuitBreakerThreshold } from './timing';
export { rolloutReasons, serviceEvents, stopReasons } from './ecs/messages';
export * from './bastion';
