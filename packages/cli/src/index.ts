export { type ActionSpec, findRoot, loadActionSpec } from './action-spec';
export { parseArgs } from './args';
export { CLI } from './codes';
export { helpText } from './help';
export {
  inputVariable,
  parseFileCommands,
  readStepFiles,
  readableLine,
  runBundle,
  stepEnv,
  withRunnerFiles,
} from './run';
export { main } from './main';
export { renderSummaryForTerminal } from './terminal-summary';
