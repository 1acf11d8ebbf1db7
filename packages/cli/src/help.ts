import { ActionSpec } from './action-spec';
import { envName } from './args';

/** `slipway <action> --help`, generated from the action.yml. */
export function helpText(spec: ActionSpec): string {
  const wrap = (text: string) => text.replace(/\s+/g, ' ').trim();
  const inputs = Object.entries(spec.inputs).map(([name, input]) => {
    const notes = [
      input.required ? 'required' : undefined,
      input.default ? `default ${input.default}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return `  --${name}${notes ? ` (${notes})` : ''}\n      ${wrap(input.description)} [env ${envName(name)}]`;
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
    '',
    `Actions: ${actions.join(', ')}`,
    'Run "slipway <action> --help" for its inputs. Inputs also come from SLIPWAY_<INPUT> variables.',
    '',
  ].join('\n');
}
