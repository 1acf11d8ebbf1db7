import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigurationError } from '@slipway/kit';
import { parse } from 'yaml';
import { CLI } from './codes';
import { didYouMean } from './suggest';

export interface InputSpec {
  description: string;
  required: boolean;
  default?: string;
}

/** What the CLI needs of an action.yml: its inputs and outputs, and whether it has a post step. */
export interface ActionSpec {
  name: string;
  description: string;
  inputs: Record<string, InputSpec>;
  outputs: Record<string, { description: string }>;
  /** The bundle that runs it, dist/<action>/index.js. */
  bundle: string;
  hasPost: boolean;
}

/**
 * The Slipway checkout or installed CLI package this file belongs to: the nearest directory with
 * actions/ (the action.yml specs) and dist/ (the bundles).
 */
export function findRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'actions')) && existsSync(join(dir, 'dist'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No Slipway checkout above ${from}.`);
  }
}

export function actionNames(root: string): string[] {
  return readdirSync(join(root, 'actions'))
    .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')))
    .sort();
}

export function loadActionSpec(root: string, action: string): ActionSpec {
  const names = actionNames(root);
  if (!names.includes(action)) {
    throw new ConfigurationError(
      CLI.UNKNOWN_ACTION,
      `"${action}" is not a Slipway action.${didYouMean(action, names)}`,
      {
        remedy: `Use one of: ${names.join(', ')}.`,
      },
    );
  }
  const yml = parse(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8')) as {
    description?: string;
    inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
    outputs?: Record<string, { description?: string }>;
    runs: { post?: string };
  };
  return {
    name: action,
    description: String(yml.description ?? '').trim(),
    inputs: Object.fromEntries(
      Object.entries(yml.inputs ?? {}).map(([name, spec]) => [
        name,
        {
          description: String(spec.description ?? '').trim(),
          required: spec.required === true,
          default: spec.default === undefined ? undefined : String(spec.default),
        },
      ]),
    ),
    outputs: Object.fromEntries(
      Object.entries(yml.outputs ?? {}).map(([name, spec]) => [
        name,
        { description: String(spec.description ?? '') },
      ]),
    ),
    bundle: join(root, 'dist', action, 'index.js'),
    hasPost: Boolean(yml.runs.post),
  };
}
