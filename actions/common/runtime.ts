import * as core from '@actions/core';
import { InputSource, Logger, Secrets, StateStore } from '@slipway/kit';

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
