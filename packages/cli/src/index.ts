export * from './action-spec';
export * from './args';
export * from './codes';
export * from './help';
export * from './run';
export { main } from './main';
export { renderSummaryForTerminal } from './terminal-summary';
