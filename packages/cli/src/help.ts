import { ActionSpec } from './action-spec';
import { envName, isListInput, isSwitchInput } from './args';

/** `slipway <action> --help`, generated from the action.yml. */
export function helpText(spec: ActionSpec): string {
  const wrap = (text: string) => text.replace(/\s+/g, ' ').trim();
  const inputs = Object.entries(spec.inputs).map(([name, input]) => {
    const notes = [
      input.required ? 'required' : undefined,
      input.default ? `default ${input.default}` : undefined,
      isListInput(spec, name) ? 'repeatable' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    const flag = isSwitchInput(spec, name) ? `--${name}, --no-${name}` : `--${name}`;
    return `  ${flag}${notes ? ` (${notes})` : ''}\n      ${wrap(input.description)} [env ${envName(name)}]`;
  });
  const outputs = Object.entries(spec.outputs).map(
    ([name, output]) => `  ${name}: ${wrap(output.description)}`,
  );
  return [
    `slipway ${spec.name} [--input value ...] [--summary-file path]`,
    '',
    wrap(spec.description),
    '',
    'Inputs:',
    ...inputs,
    '',
    'Outputs:',
    ...outputs,
    '',
  ].join('\n');
}

export function usage(actions: string[]): string {
  return [
    'slipway <action> [--input value ...] [--summary-file path]',
    'slipway sandbox [--port n] [--speed n] ...   the local AWS control plane, until Ctrl-C',
    'slipway --version',
    '',
    `Actions: ${actions.join(', ')}`,
    'Run "slipway <action> --help" for its inputs. Inputs also come from SLIPWAY_<INPUT> variables;',
    'a list input repeated adds a line; a true/false input is --name or --no-name.',
    'Exit status: 0 success, 1 the action failed, 2 the command line is wrong.',
    '',
  ].join('\n');
}
