export * from './services';
export * from './changes';
