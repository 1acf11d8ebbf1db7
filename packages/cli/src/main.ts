import { writeFile } from 'node:fs/promises';
import { SlipwayError } from '@slipway/kit';
import { actionNames, findRoot, loadActionSpec } from './action-spec';
import { parseArgs } from './args';
import { helpText, usage } from './help';
import { runLocally } from './run';

/** `slipway <action> [--input value ...]`: runs the action here, prints its log, outputs and summary. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const root = findRoot();
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === 'help') {
    process.stdout.write(usage(actionNames(root)));
    return action ? 0 : 1;
  }
  try {
    const spec = loadActionSpec(root, action);
    const options = parseArgs(spec, rest, env);
    if (options.help) {
      process.stdout.write(helpText(spec));
      return 0;
    }
    const run = await runLocally(spec, options.inputs, (line) => process.stdout.write(`${line}\n`), env);
    process.stdout.write('\nOutputs:\n');
    for (const [name, value] of Object.entries(run.outputs)) process.stdout.write(`  ${name}: ${value}\n`);
    if (options.summaryFile) await writeFile(options.summaryFile, run.summary);
    else if (run.summary) process.stdout.write(`\n${run.summary}`);
    return run.exitCode;
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    process.stderr.write(`✖ ${error.describe()}\n`);
    return 1;
  }
}
