/**
 * Each action's input spec (what its adapter parses) against its action.yml: the same input names, the
 * same required inputs, and the default action.yml documents is the value the spec falls back to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { syncInputs } from '@slipway/db';
import { publishInputs } from '@slipway/ecr';
import { deployInputs } from '@slipway/ecs';
import { migrationInputs, syncTunnelInputs } from '@slipway/flows';
import { InputSpec } from '@slipway/kit';
import { previewCommentInputs, selectServicesInputs } from '@slipway/pipeline';
import { validateInputs } from '@slipway/probe';

type Specs = Record<string, InputSpec<unknown>>;

const SPECS: Record<string, Specs> = {
  'build-push-ecr': publishInputs,
  'ecs-deploy': deployInputs,
  'preview-comment': previewCommentInputs,
  'run-migrations-via-bastion': migrationInputs,
  'select-services': selectServicesInputs,
  'sync-prompts': { ...syncInputs, ...syncTunnelInputs },
  'validate-deploy': validateInputs,
};

const ACTIONS = join(__dirname, '..', '..', '..', 'actions');
const actions = readdirSync(ACTIONS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(join(ACTIONS, entry.name)).includes('action.yml'))
  .map((entry) => entry.name)
  .sort();

interface Declared {
  required?: boolean;
  default?: unknown;
}

function declared(action: string): Record<string, Declared> {
  const yml = parse(readFileSync(join(ACTIONS, action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, Declared>;
  };
  return yml.inputs ?? {};
}

/** An empty default ('' or []) is no default: the runner passes '' for an input not given either way. */
const empty = (value: unknown) =>
  value === undefined || value === '' || (Array.isArray(value) && !value.length);

test('every action with an action.yml has an input spec here, and seven do', () => {
  expect(Object.keys(SPECS).sort()).toEqual(actions);
  expect(actions).toHaveLength(7);
});

describe.each(actions)('%s', (action) => {
  const inputs = declared(action);
  const spec = SPECS[action]!;

  test('the spec parses exactly the inputs action.yml declares', () => {
    expect(Object.keys(spec).sort()).toEqual(Object.keys(inputs).sort());
  });

  test('the same inputs are required', () => {
    const required = (flags: Record<string, boolean | undefined>) =>
      Object.entries(flags)
        .filter(([, flag]) => flag === true)
        .map(([name]) => name)
        .sort();
    expect(required(Object.fromEntries(Object.entries(spec).map(([n, s]) => [n, s.required])))).toEqual(
      required(Object.fromEntries(Object.entries(inputs).map(([n, d]) => [n, d.required]))),
    );
  });

  test("action.yml's defaults are the values the spec falls back to", () => {
    const names = Object.keys(inputs).filter((name) => spec[name]);
    // What a workflow author reads in action.yml, read by the spec, against what the action uses.
    const documented = Object.fromEntries(
      names.map((name) => {
        const text = inputs[name]!.default;
        return [name, empty(text) ? undefined : spec[name]!.parse(String(text))];
      }),
    );
    const applied = Object.fromEntries(
      names.map((name) => {
        const value = spec[name]!.fallback?.();
        return [name, empty(value) ? undefined : value];
      }),
    );
    expect(applied).toEqual(documented);
  });

  test('a required input has no default', () => {
    const both = Object.entries(inputs)
      .filter(([name, d]) => d.required === true && (!empty(d.default) || spec[name]?.fallback))
      .map(([name]) => name);
    expect(both).toEqual([]);
  });
});
