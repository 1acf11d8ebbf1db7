/**
 * What a flow ends with: its result, and the failure to report once the result's outputs and summary
 * are written (a refused deploy, a failed migration), so a failed step still shows what it did.
 */
export interface Finished<T> {
  result: T;
  failure?: Error;
}
