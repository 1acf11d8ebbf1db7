export * from './services';
export * from './changes';
export * from './sticky-comment';
