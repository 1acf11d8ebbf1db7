// What actions, other packages, scripts and integration tests use; unit tests import a module by its path.
export { ECS } from './codes';
export { describeServices, findServices } from './describe';
export { deploy, type DeployContext, type DeployRequest, type DeployResult } from './deploy';
export { checkDeployFiles, deployInputs, readEcsRequest, type EcsRequest } from './inputs';
export { runPreview, type PreviewContext, type PreviewRequest, type PreviewResult } from './preview';
export { deployFailure, deployOutputs, deploySummary, previewOutputs, previewSummary } from './report';
export { preflight, preflightClients, type PreflightClients } from './preflight';
export { registerTaskDefinition } from './register';
export { diffTaskDefinitions, parseTaskDefinitionRef, toRegisterInput } from './taskdef';
