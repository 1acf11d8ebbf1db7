import { writeFile } from 'node:fs/promises';
import { SlipwayError } from '@slipway/kit';
import { version } from '../package.json';
import { actionNames, findRoot, loadActionSpec } from './action-spec';
import { parseArgs } from './args';
import { CLI } from './codes';
import { helpText, usage } from './help';
import { runLocally } from './run';
import { renderSummaryForTerminal } from './terminal-summary';

/** Exit codes: 0 success, 1 the action (or the sandbox) failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const USAGE_CODES = new Set<string>(Object.values(CLI));

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Display columns the job summary is rendered to. */
  columns: number;
}

const processIo = (): Io => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  columns: Math.max(60, Math.min(process.stdout.columns || 100, 160)),
});

/**
 * `slipway <action> [--input value ...]` runs the action here and prints its log, its outputs and its
 * job summary rendered for the terminal (Markdown, as GitHub shows it, with --summary-file);
 * `slipway sandbox` serves the local AWS control plane until Ctrl-C.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: Io = processIo(),
): Promise<number> {
  const root = findRoot();
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.out(`slipway ${version}\n`);
    return EXIT.ok;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    (command ? io.out : io.err)(usage(actionNames(root)));
    return command ? EXIT.ok : EXIT.usage;
  }
  try {
    if (command === 'sandbox') return await sandbox(rest, io);
    const spec = loadActionSpec(root, command);
    const options = parseArgs(spec, rest, env);
    if (options.help) {
      io.out(helpText(spec));
      return EXIT.ok;
    }
    const run = await runLocally(spec, options.inputs, (line) => io.out(`${line}\n`), env);
    const outputs = Object.entries(run.outputs).filter(([, value]) => value !== '');
    if (outputs.length)
      io.out(`\nOutputs:\n${outputs.map(([name, value]) => `  ${name}: ${value}\n`).join('')}`);
    if (options.summaryFile) await writeFile(options.summaryFile, run.summary);
    else if (run.summary.trim()) io.out(`\n${renderSummaryForTerminal(run.summary, io.columns)}`);
    return run.exitCode === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    io.err(`✖ ${error.describe()}\n`);
    return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
  }
}

/** The sandbox, loaded only for this command: a bad option is a usage error, a failure to serve a failure. */
async function sandbox(argv: string[], io: Io): Promise<number> {
  const [{ serveSandbox }, { parseSandboxArgs }] = await Promise.all([
    import('@slipway/sandbox/src/cli'),
    import('@slipway/sandbox/src/cli-args'),
  ]);
  try {
    parseSandboxArgs(argv.filter((arg) => arg !== '--help' && arg !== '-h'));
  } catch (error) {
    io.err(`✖ slipway sandbox: ${(error as Error).message}. See slipway sandbox --help.\n`);
    return EXIT.usage;
  }
  try {
    await serveSandbox(argv, (line) => io.out(`${line}\n`));
    return EXIT.ok;
  } catch (error) {
    io.err(`✖ slipway sandbox: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}
