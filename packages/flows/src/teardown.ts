/**
 * Cleanups run once, newest first, each bounded in time so the whole fits GitHub's 7.5 s between
 * SIGINT and SIGKILL; finally, post step and signal handlers may all call `run` safely.
 */
export class Teardown {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private running?: Promise<string[]>;

  add(what: string, run: () => Promise<void>): void {
    this.steps.unshift({ what, run });
  }

  run(budgetMs = 6_000): Promise<string[]> {
    return (this.running ??= (async () => {
      const deadline = Date.now() + budgetMs;
      const failures: string[] = [];
      for (const step of this.steps) {
        let timer: NodeJS.Timeout | undefined;
        const left = Math.max(100, deadline - Date.now());
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${left} ms`)), left);
        });
        try {
          await Promise.race([step.run(), timeout]);
        } catch (error) {
          failures.push(`${step.what}: ${(error as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
      return failures;
    })());
  }
}
