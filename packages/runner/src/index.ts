export { runWorkflow, aggregate } from './engine';
export type {
  EnvironmentRecord,
  JobResult,
  JobRun,
  Result,
  RunHooks,
  RunOptions,
  RunResult,
  StepResult,
} from './engine';
export { Concurrency } from './concurrency';
export type { ConcurrencyRecord } from './concurrency';
export type { Endpoints, RoleRequest } from './actions';
export { RunnerError } from './errors';
export { pullRequestEvent, pushEvent, scheduleEvent, workflowDispatchEvent } from './events';
export type { WorkflowEvent } from './events';
export { evaluate } from './expressions';
export type { Value } from './expressions';
export { expandMatrix } from './matrix';
export { STAND_IN_TOOLS } from './tools';
