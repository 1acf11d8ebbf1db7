export * from './codes';
export * from './connection';
export * from './identifiers';
export * from './init';
export * from './inputs';
export { migrationLockKey } from './lock';
export * from './migrate';
export * from './migrations';
