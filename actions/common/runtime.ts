import * as core from '@actions/core';
import { InputSource, Logger, Secrets, StateStore, UNEXPECTED_ERROR, toSlipwayError } from '@slipway/kit';

/** The GitHub side of every action: inputs, logs, secrets, state, outputs and the job summary. */
export const actionInputs: InputSource = (name) => core.getInput(name);

export const actionState: StateStore = { get: core.getState, set: core.saveState };

export const actionLogger: Logger = {
  debug: core.debug,
  info: core.info,
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  group: core.group,
};

export function actionSecrets(): Secrets {
  return new Secrets(core.setSecret);
}

export function setOutputs(outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

export async function writeSummary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
}

/**
 * Runs `main`, or `post` when the runner calls the same bundle again as the post step (told apart by
 * state, as the runner only gives state to the post step of the step that saved it).
 */
export function runMainOrPost(main: () => Promise<void>, post: () => Promise<void>): Promise<void> {
  if (core.getState('isPost') === 'true') {
    // A post step cleans up: it warns and never fails the job.
    return post().catch((error: unknown) => core.warning(`Cleanup failed: ${(error as Error).message}`));
  }
  core.saveState('isPost', 'true');
  return runStep(main);
}

/**
 * Runs an action body: anything thrown becomes an error annotation with its code and remedy and a
 * failed step (exit code 1 once output is flushed; never process.exit).
 */
export async function runStep(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (thrown) {
    const error = toSlipwayError(thrown);
    if (error.code === UNEXPECTED_ERROR)
      core.debug((error.cause as Error | undefined)?.stack ?? String(error.stack));
    core.error(error.describe(), { title: error.code });
    // core.ExitCode.Failure, written out: @github/local-action's stand-in for @actions/core lacks the enum.
    process.exitCode = 1;
  }
}
