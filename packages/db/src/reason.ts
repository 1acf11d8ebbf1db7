/** The readable part of anything thrown; Node's connection errors may be an AggregateError with no message. */
export function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return error.errors.map(reason).join('; ');
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
