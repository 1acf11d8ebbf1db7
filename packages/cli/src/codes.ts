/** Stable error codes of the CLI; each is documented in docs/troubleshooting.md. */
export const CLI = {
  UNKNOWN_ACTION: 'SLW-CLI-001',
  UNKNOWN_FLAG: 'SLW-CLI-002',
  MISSING_VALUE: 'SLW-CLI-003',
} as const;
