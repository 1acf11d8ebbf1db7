export { startSandbox } from './sandbox';
export type { Sandbox } from './options';
export { createSimulatedAws, type SimulatedAws, type SimulatedAwsSettings } from './simulated-aws';
export { TIMING, circuitBreakerThreshold } from './timing';
export { startLocalBastion } from './bastion';
