import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ActionSpec } from './action-spec';

export interface LocalRun {
  exitCode: number;
  outputs: Record<string, string>;
  summary: string;
}

/** The files through which the runner and a step exchange outputs, the job summary and state. */
export interface RunnerFiles {
  GITHUB_OUTPUT: string;
  GITHUB_STEP_SUMMARY: string;
  GITHUB_STATE: string;
  RUNNER_TEMP: string;
}

/**
 * The runner's side of a step, as GitHub's runner does it and the CLI and the tests emulate it: the
 * step's files in a fresh temp dir (removed afterwards), its inputs as INPUT_* variables, and what it
 * wrote read back.
 */
export async function withRunnerFiles<T>(name: string, body: (files: RunnerFiles) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-${name}-`));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_STATE: join(dir, 'state'),
    RUNNER_TEMP: dir,
  };
  try {
    await Promise.all(
      [files.GITHUB_OUTPUT, files.GITHUB_STEP_SUMMARY, files.GITHUB_STATE].map((file) => writeFile(file, '')),
    );
    return await body(files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A step's environment: the runner's files and the inputs over `env`. */
export function stepEnv(
  files: RunnerFiles,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  return {
    ...env,
    ...files,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVariable(name), value])),
  };
}

/** What the step wrote: its outputs, its job summary, and the state it saved for its post step. */
export async function readStepFiles(files: RunnerFiles) {
  const [outputs, summary, state] = await Promise.all([
    readFile(files.GITHUB_OUTPUT, 'utf8'),
    readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    readFile(files.GITHUB_STATE, 'utf8'),
  ]);
  return { outputs: parseFileCommands(outputs), summary, state: parseFileCommands(state) };
}

/**
 * Runs an action's bundle as the runner would, then its post step, if it has one, with the state main
 * saved. Log lines are passed to `print` as a person would read them: workflow commands become plain
 * text, masks stay hidden.
 */
export function runLocally(
  spec: ActionSpec,
  inputs: Record<string, string>,
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalRun> {
  return withRunnerFiles(spec.name, async (files) => {
    const base = stepEnv(files, inputs, { ...env, GITHUB_WORKSPACE: env.GITHUB_WORKSPACE ?? process.cwd() });
    let exitCode = await runBundle(spec.bundle, base, print);
    const { state } = await readStepFiles(files);
    if (spec.hasPost && Object.keys(state).length) {
      const stateEnv = Object.fromEntries(
        Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]),
      );
      const post = await runBundle(spec.bundle, { ...base, ...stateEnv }, print);
      exitCode ||= post;
    }
    const { outputs, summary } = await readStepFiles(files);
    return { exitCode, outputs, summary };
  });
}

export const inputVariable = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/** One run of a bundle (main or post) as the runner starts it; the workflow runner (@slipway/runner) uses it too. */
export function runBundle(
  bundle: string,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<number> {
  const child = spawn(process.execPath, [bundle], {
    env,
    cwd: options.cwd,
    signal: options.signal,
    killSignal: 'SIGINT',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', () => undefined);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const readable = readableLine(line);
      if (readable !== undefined) print(readable);
    });
  }
  // Ctrl-C reaches the action too (it closes its tunnel on SIGINT); wait for it to finish.
  const forward = () => child.kill('SIGINT');
  process.on('SIGINT', forward);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      resolve(code ?? (signal ? 1 : 0));
    }),
  );
}

/** A workflow command as a terminal line; undefined for those that print nothing (masks, state). */
export function readableLine(line: string): string | undefined {
  const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
  if (!command) return line;
  const [, name, message] = command;
  const text = (message ?? '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
  switch (name) {
    case 'group':
      return `▶ ${text}`;
    case 'endgroup':
    case 'add-mask':
    case 'save-state':
    case 'set-output':
    case 'debug':
      return undefined;
    case 'error':
      return `✖ ${text}`;
    case 'warning':
      return `⚠ ${text}`;
    case 'notice':
      return `ℹ ${text}`;
    default:
      return line;
  }
}

/** GITHUB_OUTPUT / GITHUB_STATE: `name<<delimiter`, the value's lines, `delimiter`; or `name=value`. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter!, i + 1);
      values[name!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i]!.includes('=')) {
      const at = lines[i]!.indexOf('=');
      values[lines[i]!.slice(0, at)] = lines[i]!.slice(at + 1);
    }
  }
  return values;
}
