// zod's mini build: functions instead of methods, so a bundle keeps only what these rules use.
import { z } from 'zod/mini';
import { ConfigurationError } from './errors';
import { statSync } from 'node:fs';
import { Grammar, arnRegion, controlCharacterIn, pathInside } from './grammars';
import { runCommand } from './exec';
import { Secrets } from './secrets';

export const INVALID_INPUT = 'SLW-KIT-001';
export const MISSING_INPUT = 'SLW-KIT-002';
export const CONFLICTING_INPUTS = 'SLW-KIT-004';

/** Longer values are refused before any grammar reads them (and are never echoed whole). */
const MAX_SINGLE_LINE = 2048;
const MAX_MULTILINE = 65536;

/** Reads one raw input; empty string and undefined both mean "not given". */
export type InputSource = (name: string) => string | undefined;

/** An input: how to turn its raw text into a typed value, and what to say when that fails. */
export interface InputSpec<T> {
  readonly parse: (raw: string) => T;
  readonly fallback?: () => T;
  readonly required?: boolean;
  readonly expected: string;
  /** Never shown in a message, and masked before any input is parsed. */
  readonly secret?: boolean;
  /** Never shown in a message (it may hold credentials that its reader masks itself). */
  readonly hidden?: boolean;
  /** Line breaks allowed (lists, pairs, scripts, keys); single-line inputs refuse them. */
  readonly multiline?: boolean;
}

interface Common<T> {
  required?: boolean;
  default?: T;
  secret?: boolean;
  hidden?: boolean;
}

/** A value is always present when the input is required or has a default. */
type Out<T, O> = O extends { required: true } ? T : O extends { default: T } ? T : T | undefined;

function spec<T, O extends Common<T>>(
  expected: string,
  schema: z.ZodMiniType<T, string>,
  options: O,
  multiline = false,
): InputSpec<Out<T, O>> {
  return {
    expected,
    required: options.required,
    secret: options.secret,
    hidden: options.hidden,
    multiline,
    // A fresh copy each time, so no caller can change the next caller's default.
    fallback: options.default === undefined ? undefined : () => structuredClone(options.default) as Out<T, O>,
    parse: (raw) => {
      const result = schema.safeParse(raw);
      if (result.success) return result.data as Out<T, O>;
      throw new Error(result.error.issues[0]?.message ?? 'invalid value');
    },
  };
}

export const input = {
  /** Free text: one line unless `multiline` (a script, a key, a YAML document). */
  string<O extends Common<string> & { multiline?: boolean }>(
    options: O = {} as O,
  ): InputSpec<Out<string, O>> {
    return spec(
      options.multiline ? 'text' : 'one line of text',
      z.string().check(z.trim()),
      options,
      options.multiline,
    );
  },

  /** One line read by a grammar of kit's (an image, an ARN, a region, a path...). */
  value<T, O extends Common<T> & { multiline?: boolean }>(
    grammar: Grammar<T>,
    options: O = {} as O,
  ): InputSpec<Out<T, O>> {
    const schema = z.pipe(z.string(), z.transform(byGrammar(grammar))) as unknown as z.ZodMiniType<T, string>;
    return spec<T, O>(grammar.expected, schema, options, options.multiline);
  },

  boolean<O extends Common<boolean>>(options: O = {} as O): InputSpec<Out<boolean, O>> {
    // The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts.
    const truthy = ['true', 'True', 'TRUE'];
    const falsy = ['false', 'False', 'FALSE'];
    const schema = z.pipe(
      z.string().check(
        z.trim(),
        z.refine((v) => truthy.includes(v) || falsy.includes(v), { error: 'is not a boolean' }),
      ),
      z.transform((v: string) => truthy.includes(v)),
    );
    return spec('true or false', schema, options);
  },

  integer<O extends Common<number> & { min?: number; max?: number }>(
    options: O = {} as O,
  ): InputSpec<Out<number, O>> {
    let number = z.int({ error: 'is not a whole number' });
    if (options.min !== undefined)
      number = number.check(z.minimum(options.min, { error: `is below ${options.min}` }));
    if (options.max !== undefined)
      number = number.check(z.maximum(options.max, { error: `is above ${options.max}` }));
    const schema = z.pipe(
      z.pipe(
        z.string().check(z.trim(), z.regex(/^-?\d+$/, { error: 'is not a whole number' })),
        z.transform(Number),
      ),
      number,
    );
    const range = [
      options.min !== undefined ? `≥ ${options.min}` : '',
      options.max !== undefined ? `≤ ${options.max}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return spec(`a whole number${range ? ` ${range}` : ''}`, schema, options);
  },

  choice<const T extends string, O extends Common<T> = Common<T>>(
    values: readonly T[],
    options: O = {} as O,
  ): InputSpec<Out<T, O>> {
    const schema = z.pipe(
      z.string().check(
        z.trim(),
        z.refine((v) => (values as readonly string[]).includes(v), { error: 'is not a valid value' }),
      ),
      z.transform((v: string) => v as T),
    );
    return spec<T, O>(`one of the valid values. Valid values are: ${values.join(', ')}`, schema, options);
  },

  /**
   * Items separated by newlines or commas, blanks and `#` comments dropped; each item read by `item`.
   * `unique` refuses an item given twice.
   */
  list<O extends Common<string[]> & { item?: Grammar<unknown>; unique?: boolean; lines?: boolean }>(
    options: O = {} as O,
  ): InputSpec<Out<string[], O>> {
    const item = options.item;
    return spec(
      `a list (one item per line${options.lines ? '' : ', or comma-separated'})${item ? ` of ${item.expected}` : ''}`,
      z.pipe(
        z.string(),
        z.transform((raw: string) => {
          const items = options.lines ? splitLines(raw) : splitList(raw);
          if (!items.length && splitLines(raw).length) throw new Error('holds no items, only separators');
          items.forEach((text, index) => {
            if (item) byGrammar(item, `item ${index + 1} ("${clip(text, 60)}")`)(text);
            if (options.unique && items.indexOf(text) !== index)
              throw new Error(`names "${clip(text, 60)}" twice`);
          });
          return items;
        }),
      ),
      options,
      true,
    );
  },

  /** `key=value` lines, as in the seeds' env files. */
  pairs<O extends Common<Pair[]> & { what?: string; key?: Grammar<unknown>; value?: Grammar<unknown> }>(
    options: O = {} as O,
  ): InputSpec<Out<Pair[], O>> {
    const what = options.what ?? 'key=value';
    const schema = z.pipe(
      z.string(),
      z.transform((raw: string) => {
        const pairs: Pair[] = [];
        splitLines(raw).forEach((line, index) => {
          const at = line.indexOf('=');
          // A secret's line is named by number, never quoted.
          const shown = options.secret ? `line ${index + 1}` : `a line "${clip(line, 60)}"`;
          if (at <= 0)
            throw new Error(
              options.secret
                ? `has line ${index + 1}, which is not ${what}`
                : `has a line that is not ${what}: "${clip(line, 60)}"`,
            );
          const pair = { key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
          if (options.key) byGrammar(options.key, `${shown}: the name "${clip(pair.key, 40)}"`)(pair.key);
          if (options.value) byGrammar(options.value, `${shown}: the value`)(pair.value);
          if (pairs.some((p) => p.key === pair.key)) throw new Error(`sets "${clip(pair.key, 40)}" twice`);
          pairs.push(pair);
        });
        return pairs;
      }),
    );
    return spec(`${what} lines`, schema, options, true);
  },
};

export interface Pair {
  key: string;
  value: string;
}

function splitLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function splitList(raw: string): string[] {
  return splitLines(raw).flatMap((line) =>
    line
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
}

/** Runs a grammar; its complaint is said of `what` (a list's item, a pair's value) when given. */
function byGrammar<T>(grammar: Grammar<T>, what?: string): (text: string) => T {
  return (text) => {
    try {
      return grammar.parse(text.trim());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(what ? `has ${what}, which ${reason} (expected ${grammar.expected})` : reason, {
        cause: error,
      });
    }
  };
}

type Specs = Record<string, InputSpec<unknown>>;
type Parsed<S extends Specs> = { [K in keyof S]: S[K] extends InputSpec<infer T> ? T : never };

/**
 * Parses every input once into a typed object. The first bad input throws a ConfigurationError that
 * names it, shows what was given and says what is expected.
 */
export function parseInputs<S extends Specs>(
  source: InputSource,
  specs: S,
  options: { secrets?: Secrets } = {},
): Parsed<S> {
  if (options.secrets) maskSecretInputs(source, specs, options.secrets);
  const values: Record<string, unknown> = {};
  for (const [name, inputSpec] of Object.entries(specs)) {
    const raw = source(name);
    if (raw === undefined || raw.trim() === '') {
      if (inputSpec.required) {
        throw new ConfigurationError(MISSING_INPUT, `Input "${name}" is required.`, {
          remedy: `Set "${name}" to ${inputSpec.expected}.`,
        });
      }
      values[name] = inputSpec.fallback?.();
      continue;
    }
    const text = raw.trim();
    const invalid = (reason: string) =>
      new ConfigurationError(
        INVALID_INPUT,
        inputSpec.secret || inputSpec.hidden
          ? `Input "${name}" ${reason} (the value may hold a credential, so it is not shown).`
          : `Input "${name}" ${reason}: got "${clip(text)}".`,
        { remedy: `Expected ${inputSpec.expected}.` },
      );
    const limit = inputSpec.multiline ? MAX_MULTILINE : MAX_SINGLE_LINE;
    if (text.length > limit) throw invalid(`is ${text.length} characters long, more than ${limit}`);
    const control = controlCharacterIn(text, !inputSpec.multiline);
    if (control) throw invalid(`holds ${control}${inputSpec.multiline ? '' : ' (it takes one line)'}`);
    try {
      values[name] = inputSpec.parse(text);
    } catch (error) {
      throw invalid(error instanceof Error ? error.message : String(error));
    }
  }
  return values as Parsed<S>;
}

/** Registers every secret input's raw value (each line too) before anything reads or prints it. */
export function maskSecretInputs(source: InputSource, specs: Specs, secrets: Secrets): void {
  for (const [name, inputSpec] of Object.entries(specs))
    if (inputSpec.secret) secrets.register(source(name)?.trim());
}

/** At most `max` characters of a value, on one line, with control characters spelled out. */
export function clip(raw: string, max = 80): string {
  const shown = raw.replace(/\s*\r?\n\s*/g, '⏎').replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return shown.length > max ? `${shown.slice(0, max - 3)}...` : shown;
}

/** Two inputs that contradict, or one that does nothing unless another is set: an error naming both. */
export function conflict(message: string, remedy: string): ConfigurationError {
  return new ConfigurationError(CONFLICTING_INPUTS, message, { remedy });
}

/**
 * Whether the caller set an input to something other than its default (the runner passes action.yml's
 * defaults as if given, so a default cannot tell).
 */
export function given(source: InputSource, name: string, specs?: Specs): boolean {
  const raw = source(name)?.trim();
  if (!raw) return false;
  const fallback = specs?.[name]?.fallback?.();
  return fallback === undefined || raw !== (Array.isArray(fallback) ? fallback.join(',') : String(fallback));
}

/** Inputs that only mean something with another one set: given alone they would silently do nothing. */
export function onlyWith(
  source: InputSource,
  specs: Specs,
  names: readonly string[],
  needed: string,
  active: boolean,
  why: string,
  when = `without "${needed}"`,
): void {
  if (active) return;
  const idle = names.find((name) => given(source, name, specs));
  if (idle) {
    throw conflict(
      `Input "${idle}" does nothing ${when} (${why}).`,
      `Drop "${idle}", or change "${needed}".`,
    );
  }
}

/**
 * ARNs name their region: one that differs from the region the action calls (the "region" input, else
 * AWS_REGION) would be looked for in the wrong place.
 */
export function sameRegion(
  source: InputSource,
  arns: readonly [input: string, arn: string | undefined][],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const explicit = source('region')?.trim();
  const expected = explicit || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!expected) return;
  for (const [name, arn] of arns) {
    const inArn = arn && arnRegion(arn);
    if (inArn && inArn !== expected) {
      throw conflict(
        `Input "${name}" is an ARN in ${inArn}, but ${explicit ? 'input "region"' : 'AWS_REGION'} is ${expected}.`,
        `Give the ARN of the resource in ${expected}, or set "region" to ${inArn}.`,
      );
    }
  }
}

/**
 * A path input resolved inside the workspace, and (with `kind`) a file or directory that is there: a
 * missing one would only fail after something had been called.
 */
export function workspacePath(
  name: string,
  raw: string,
  workspace: string,
  kind?: 'file' | 'directory',
  code = INVALID_INPUT,
): string {
  const remedy = `Give a ${kind ?? 'path'} relative to the workspace (${clip(workspace, 60)}), inside the checked-out repository.`;
  let path: string;
  try {
    path = pathInside(workspace).parse(raw);
  } catch (error) {
    throw new ConfigurationError(
      INVALID_INPUT,
      `Input "${name}" ${(error as Error).message}: got "${clip(raw)}".`,
      { remedy },
    );
  }
  if (kind) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat || (kind === 'file' ? !stat.isFile() : !stat.isDirectory())) {
      throw new ConfigurationError(
        code,
        `Input "${name}": there is no ${kind} "${clip(raw)}" in the workspace.`,
        { remedy },
      );
    }
  }
  return path;
}

/**
 * A revision input checked against the checkout before anything uses it (`--end-of-options`, so even a
 * value that slipped past the grammar is never an option): the commit it names, or an error naming it.
 */
export async function commitInput(name: string, revision: string, cwd: string): Promise<string> {
  const found = await runCommand(
    'git',
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`],
    {
      cwd,
    },
  );
  if (found.exitCode === 0) return found.stdout.trim();
  throw new ConfigurationError(
    INVALID_INPUT,
    `Input "${name}" names no commit in this checkout: got "${clip(revision)}".`,
    {
      remedy:
        'Give a commit, branch or tag the checkout holds (actions/checkout with fetch-depth: 0 fetches the whole history).',
    },
  );
}
