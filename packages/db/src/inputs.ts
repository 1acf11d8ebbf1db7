/** The action inputs behind InitOptions, named in errors so the user knows what to change. */
export const INIT_INPUTS = {
  createIfMissing: 'create-database',
  reset: 'reset',
  resetConfirmation: 'reset-confirmation',
  allowProductionReset: 'allow-production-reset',
  extensions: 'extensions',
} as const;
