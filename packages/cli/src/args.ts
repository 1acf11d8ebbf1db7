import { ConfigurationError } from '@slipway/kit';
import { ActionSpec } from './action-spec';
import { CLI } from './codes';

export interface CliOptions {
  inputs: Record<string, string>;
  /** Where the job summary goes: a file, or stdout when undefined. */
  summaryFile?: string;
  help: boolean;
}

/** The CLI's own flags, beside the action's inputs. */
const OWN_FLAGS = ['help', 'summary-file'];

/**
 * `--input value`, `--input=value`, or a bare `--flag` for "true"; then, for inputs not given,
 * SLIPWAY_<INPUT> from the environment (dashes as underscores, upper case), then the action.yml
 * default, as the runner passes it.
 */
export function parseArgs(spec: ActionSpec, argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const given: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      throw new ConfigurationError(
        CLI.UNKNOWN_FLAG,
        `"${arg}" is not a flag: inputs are given as --name value.`,
        {
          remedy: `See slipway ${spec.name} --help.`,
        },
      );
    }
    const name = match[1]!;
    if (!(name in spec.inputs) && !OWN_FLAGS.includes(name)) {
      throw new ConfigurationError(CLI.UNKNOWN_FLAG, `${spec.name} has no input "--${name}".`, {
        remedy: `Valid inputs: ${Object.keys(spec.inputs)
          .map((input) => `--${input}`)
          .join(', ')}.`,
      });
    }
    if (match[2] !== undefined) given[name] = match[2];
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) given[name] = argv[++i]!;
    else if (name === 'help') given[name] = 'true';
    else if (name === 'summary-file') {
      throw new ConfigurationError(CLI.MISSING_VALUE, 'Flag "--summary-file" needs a path.', {
        remedy: 'For example --summary-file summary.md.',
      });
    } else given[name] = 'true';
  }
  const inputs: Record<string, string> = {};
  for (const name of Object.keys(spec.inputs)) {
    const value = given[name] ?? env[envName(name)] ?? spec.inputs[name]!.default;
    if (value !== undefined) inputs[name] = value;
  }
  return { inputs, summaryFile: given['summary-file'], help: given.help === 'true' };
}

export const envName = (input: string) => `SLIPWAY_${input.replace(/-/g, '_').toUpperCase()}`;
