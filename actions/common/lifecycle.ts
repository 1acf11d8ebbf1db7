import * as core from '@actions/core';
import { constants } from 'node:os';
import { Teardown } from '@slipway/flows';
import { UNEXPECTED_ERROR, toSlipwayError } from '@slipway/kit';
import { actionLogger, setOutputs, writeSummary } from './runtime';

/** What the lifecycle gives an action's main step. */
export interface StepContext {
  /** Aborted when the job is cancelled: a running one-off task is stopped rather than left behind. */
  signal: AbortSignal;
  /** Cleanups, run once main ends, or at once on a signal. */
  teardown: Teardown;
}

/** What main ends with: written whether or not it failed, then the failure (if any) fails the step. */
export interface StepReport {
  outputs?: Record<string, string>;
  summary?: string;
  failure?: Error;
}

export interface ActionSteps {
  main(step: StepContext): Promise<StepReport | void>;
  /** The post step: a safety net for what main could not clean up. It warns and never fails the job. */
  post?(): Promise<void>;
  /**
   * Main winds itself down on the abort signal (e.g. stops its one-off task) and reports: after a signal
   * the exit waits for it, within the budget. Otherwise the exit follows the teardown at once, so a
   * transaction still open dies with its connection.
   */
  finishesOnAbort?: boolean;
}

/** The part of `process` that signal handling uses. */
export interface SignalTarget {
  once(signal: NodeJS.Signals, listener: () => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): void;
}

/** Cancelling a job sends SIGINT, then SIGKILL 7.5 s later: everything after a signal fits in this. */
export const CANCEL_BUDGET_MS = 7_000;

/**
 * The one lifecycle of every action. With a post step, the runner calls the same bundle again after the
 * job (told apart by state, which the runner gives only to the post step of the step that saved it).
 */
export function runAction(steps: ActionSteps, target: SignalTarget = process): Promise<void> {
  if (steps.post) {
    if (core.getState('isPost') === 'true') {
      return steps
        .post()
        .catch((error: unknown) => core.warning(`Cleanup failed: ${(error as Error).message}`));
    }
    core.saveState('isPost', 'true');
  }
  return runMain(steps, target);
}

/**
 * Runs main, tears down, writes its outputs and summary, then reports its failure: an error annotation
 * with code and remedy, and exit code 1 once output is flushed (never process.exit). A signal aborts
 * main and runs the teardown at once, then exits 128+n (after main's report, if it finishes on abort).
 */
async function runMain({ main, finishesOnAbort }: ActionSteps, target: SignalTarget): Promise<void> {
  const cancel = new AbortController();
  const teardown = new Teardown();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= teardown
      .run()
      .then((failures) => failures.forEach((failure) => actionLogger.warning(`Teardown: ${failure}`))));
  // Signals arrive as events, never between these two statements: the handlers are in place in time.
  const finished = (async () => {
    let report: StepReport | void = undefined;
    let failure: unknown;
    try {
      report = await main({ signal: cancel.signal, teardown });
      failure = report?.failure;
    } catch (thrown) {
      failure = thrown;
    }
    await close();
    if (report?.outputs) setOutputs(report.outputs);
    if (report?.summary) await writeSummary(report.summary);
    if (failure !== undefined) fail(failure);
  })();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      const deadline = Date.now() + CANCEL_BUDGET_MS;
      actionLogger.warning(`${signal}: cancelling; cleaning up before exiting.`);
      cancel.abort();
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise(
        (resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))),
      );
      void close()
        .then(() => finishesOnAbort && Promise.race([finished, budget]))
        .finally(() => {
          clearTimeout(timer);
          target.exit(128 + constants.signals[signal]);
        });
    };
    target.once(signal, handler);
    return [signal, handler] as const;
  });
  try {
    await finished;
  } finally {
    for (const [signal, handler] of handlers) target.removeListener(signal, handler);
  }
}

function fail(thrown: unknown): void {
  const error = toSlipwayError(thrown);
  if (error.code === UNEXPECTED_ERROR)
    core.debug((error.cause as Error | undefined)?.stack ?? String(error.stack));
  core.error(error.describe(), { title: error.code });
  // core.ExitCode.Failure, written out: @github/local-action's stand-in for @actions/core lacks the enum.
  process.exitCode = 1;
}
