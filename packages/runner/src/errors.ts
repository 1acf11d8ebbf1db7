/**
 * A workflow the runner cannot run as GitHub would: the run stops at once, naming what it met
 * (an action, keyword, expression function or input), rather than skipping it.
 */
export class RunnerError extends Error {
  constructor(
    readonly kind: 'action' | 'keyword' | 'expression' | 'input' | 'workflow' | 'event',
    message: string,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}
