export { DB } from './codes';
export {
  connectionUrl,
  type CredentialSources,
  type DbTarget,
  pgEnv,
  secretForms,
  targetFromUrl,
  waitForDatabase,
} from './connection';
export { quoteIdentifier } from './identifiers';
export { initDatabase, initLockKey, type InitOptions, MAINTENANCE_DATABASE, refuseUnsafeReset } from './init';
export { migrationLockKey } from './lock';
export { naturalCompare, readMigrations, runsInTransaction } from './migration-files';
export { migrate, type MigrateOptions, MigrationError } from './migration-runner';
export { readPromptFiles } from './prompt-files';
export { readSyncRequest, syncInputs, type SyncRequest } from './sync-inputs';
export { syncOutputs, syncSummary } from './sync-report';
export { SyncNeedsForceError, type SyncResult } from './sync-result';
export { SYNC_LOCK_KEY, type SyncOptions, syncPrompts } from './sync';
