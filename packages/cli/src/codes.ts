/** Stable error codes of the CLI; each is documented in docs/troubleshooting.md. All are usage errors (exit 2). */
export const CLI = {
  UNKNOWN_ACTION: 'SLW-CLI-001',
  UNKNOWN_FLAG: 'SLW-CLI-002',
  MISSING_VALUE: 'SLW-CLI-003',
  REPEATED_FLAG: 'SLW-CLI-004',
  SWITCH_VALUE: 'SLW-CLI-005',
} as const;
