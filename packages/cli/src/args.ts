import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';
import { ConfigurationError } from '@slipway/kit';
import { ActionSpec } from './action-spec';
import { CLI } from './codes';
import { didYouMean } from './suggest';

export interface CliOptions {
  inputs: Record<string, string>;
  /** Where the job summary goes as Markdown: a file, or stdout (rendered for the terminal) when undefined. */
  summaryFile?: string;
  help: boolean;
}

/** The CLI's own flags, beside the action's inputs. */
const OWN_FLAGS = {
  help: { type: 'boolean', short: 'h' },
  'summary-file': { type: 'string' },
} as const;

/** Inputs that take several values, one per line: a repeated flag adds a line. */
export const isListInput = (spec: ActionSpec, input: string) =>
  /\bone per line\b|\blines\b/i.test(spec.inputs[input]?.description ?? '');

/** Inputs whose default is true or false: a bare --flag means true, --no-flag false. */
export const isSwitchInput = (spec: ActionSpec, input: string) =>
  ['true', 'false'].includes(spec.inputs[input]?.default ?? '');

/**
 * `--input value` or `--input=value`; a list input repeated adds lines; a true/false input is a bare
 * `--flag` (or `--no-flag`). For inputs not given: SLIPWAY_<INPUT> from the environment (dashes as
 * underscores, upper case), then the action.yml default, as the runner passes it.
 */
export function parseArgs(spec: ActionSpec, argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const options: NonNullable<ParseArgsConfig['options']> = { ...OWN_FLAGS };
  for (const name of Object.keys(spec.inputs)) {
    options[name] = isSwitchInput(spec, name) ? { type: 'boolean' } : { type: 'string', multiple: true };
  }
  const valid = Object.keys(spec.inputs).map((input) => `--${input}`);

  // A first, lenient pass finds what is not a flag of this action, to name it with a suggestion.
  const { tokens } = parseArgv({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const switchValue = (flag: string) =>
    new ConfigurationError(CLI.SWITCH_VALUE, `Flag "${flag}" takes no value: it is true or false.`, {
      remedy: `Give ${flag} for true, or ${flag.replace(/^--/, '--no-')} for false.`,
    });
  for (const [i, token] of tokens.entries()) {
    const before = tokens[i - 1];
    if (
      token.kind === 'positional' &&
      before?.kind === 'option' &&
      options[before.name]?.type === 'boolean'
    ) {
      throw switchValue(before.rawName);
    }
    if (token.kind === 'positional') {
      throw new ConfigurationError(
        CLI.UNKNOWN_FLAG,
        `"${token.value}" is not a flag: inputs are given as --name value.`,
        { remedy: `See slipway ${spec.name} --help.` },
      );
    }
    if (token.kind !== 'option') continue;
    const value = token.value;
    if (
      options[token.name]?.type === 'string' &&
      (value === undefined || (!token.inlineValue && value.startsWith('-')))
    ) {
      throw new ConfigurationError(CLI.MISSING_VALUE, `Flag "${token.rawName}" needs a value.`, {
        remedy: `Give it as ${token.rawName} value or ${token.rawName}=value (a value that starts with a dash: ${token.rawName}=-value).`,
      });
    }
    if (options[token.name]?.type === 'boolean' && token.inlineValue) throw switchValue(token.rawName);
    const negated = /^no-(.+)$/.exec(token.name)?.[1];
    if (token.name in options || (negated && isSwitchInput(spec, negated))) continue;
    throw new ConfigurationError(
      CLI.UNKNOWN_FLAG,
      `${spec.name} has no input "${token.rawName}".${didYouMean(token.rawName, [...valid, '--summary-file', '--help'])}`,
      { remedy: `Valid inputs: ${valid.join(', ')}.` },
    );
  }

  // Strict now, with every problem above already named: it collects repeats and --no- negations.
  const { values } = parseArgv({ args: argv, options, strict: true, allowNegative: true });

  const inputs: Record<string, string> = {};
  for (const name of Object.keys(spec.inputs)) {
    const given = values[name];
    let value: string | undefined;
    if (typeof given === 'boolean') value = String(given);
    else if (Array.isArray(given)) {
      if (given.length > 1 && !isListInput(spec, name)) {
        throw new ConfigurationError(CLI.REPEATED_FLAG, `Flag "--${name}" is given ${given.length} times.`, {
          remedy: `${spec.name}'s ${name} takes one value; give it once.`,
        });
      }
      value = given.join('\n');
    }
    value ??= env[envName(name)] ?? spec.inputs[name]!.default;
    if (value !== undefined) inputs[name] = value;
  }
  return {
    inputs,
    summaryFile: values['summary-file'] as string | undefined,
    help: values.help === true,
  };
}

export const envName = (input: string) => `SLIPWAY_${input.replace(/-/g, '_').toUpperCase()}`;
