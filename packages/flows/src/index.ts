export type { Finished } from './finished';
export { Teardown } from './teardown';
export { type CredentialClients, resolveCredentials } from './credentials';
export {
  type MigrationContext,
  type MigrationOutcome,
  type MigrationRequest,
  applicationName,
  runMigrations,
} from './run-migrations';
export { migrationInputs, readMigrationRequest } from './run-migrations-inputs';
export { migrationOutputs, migrationSummary } from './run-migrations-report';
export {
  type SyncTunnel,
  readSyncTunnel,
  resolveSyncRequest,
  syncPromptsFlow,
  syncTunnelInputs,
} from './sync-prompts';
export { validateDeploy } from './validate-deploy';
export { buildPushEcr } from './build-push-ecr';
export { type EcsDeployed, ecsDeploy } from './ecs-deploy';
export { type RunRevisions, type Selection, selectServicesFlow } from './select-services';
export { type CommentPlace, previewComment } from './preview-comment';
