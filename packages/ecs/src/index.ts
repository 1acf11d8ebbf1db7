export * from './codes';
export * from './taskdef';
export * from './rollout';
export * from './diagnose';
export * from './deploy';
export * from './revisions';
export * from './report';
export * from './inputs';
