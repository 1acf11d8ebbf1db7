// What validate-deploy, its flow, the demo and the tests use; everything else stays inside.
export { PRB } from './codes';
export { urlCredentials } from './credentials';
export { evaluate, parseJsonExpectation } from './expectations';
export { percentile } from './latency';
export { probeUrl, type HttpProbe } from './http';
export {
  expectServices,
  judgeService,
  probeServices,
  type ServiceExpectation,
  type ServiceTasks,
} from './ecs';
export { probeTargetGroup } from './target-health';
export { validate, type ValidateContext, type ValidateRequest, type ValidationReport } from './validate';
export { readValidateRequest, validateInputs } from './inputs';
export { validationFailure, validationOutputs, validationSummary } from './report';
