export {
  AWS_ACCESS_DENIED,
  AWS_CREDENTIALS,
  AWS_NOT_FOUND,
  AWS_THROTTLED,
  AWS_UNKNOWN_REGION,
  iamAction,
  toSlipwayError,
} from './aws-errors';
export {
  awsClient,
  type AwsClientOptions,
  awsErrorName,
  type ClientFactory,
  INVALID_REGION,
  isThrottling,
  isTransient,
  onDemand,
  REGION_MISSING,
  resolveRegion,
  USER_AGENT,
} from './aws';
export { type Clock, systemClock, virtualClock } from './clock';
export { ConfigurationError, SlipwayError, UNEXPECTED_ERROR } from './errors';
export { runCommand } from './exec';
export {
  accountId,
  controlCharacterIn,
  ec2Id,
  ecrRegistryHost,
  ecrRepositoryName,
  ecsCluster,
  ecsName,
  ecsService,
  endpoint,
  gitRevision,
  glob,
  type Grammar,
  hostname,
  imageRef,
  imageTag,
  kmsKey,
  listenerArn,
  parseImageRef,
  pathInside,
  pattern,
  port,
  privateKey,
  region,
  secretArn,
  secretId,
  sqlIdentifier,
  sqlTableName,
  ssmParameter,
  tagFilter,
  targetGroupArn,
  url,
} from './grammars';
export {
  clip,
  commitInput,
  conflict,
  CONFLICTING_INPUTS,
  input,
  type InputSource,
  type InputSpec,
  INVALID_INPUT,
  maskSecretInputs,
  MISSING_INPUT,
  onlyWith,
  type Pair,
  parseInputs,
  sameRegion,
  workspacePath,
} from './inputs';
export { consoleLogger, type Logger, memoryLogger } from './logger';
export { type Backoff, fullJitter, retry, type RetryOptions } from './retry';
export { Secrets } from './secrets';
export { memoryState, stateSlot, type StateStore } from './state';
export { type Cell, Summary } from './summary';
export { type Answer, type Attempt, done, failed, notYet, waitUntil } from './wait';
