// zod's mini build: functions instead of methods, so a bundle keeps only what these rules use.
import { z } from 'zod/mini';
import { ConfigurationError } from './errors';

export const INVALID_INPUT = 'SLW-KIT-001';
export const MISSING_INPUT = 'SLW-KIT-002';

/** Reads one raw input; empty string and undefined both mean "not given". */
export type InputSource = (name: string) => string | undefined;

/** An input: how to turn its raw text into a typed value, and what to say when that fails. */
export interface InputSpec<T> {
  readonly parse: (raw: string) => T;
  readonly fallback?: () => T;
  readonly required?: boolean;
  readonly expected: string;
}

interface Common<T> {
  required?: boolean;
  default?: T;
}

/** A value is always present when the input is required or has a default. */
type Out<T, O> = O extends { required: true } ? T : O extends { default: T } ? T : T | undefined;

function spec<T, O extends Common<T>>(
  expected: string,
  schema: z.ZodMiniType<T, string>,
  options: O,
): InputSpec<Out<T, O>> {
  return {
    expected,
    required: options.required,
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
  string<O extends Common<string>>(options: O = {} as O): InputSpec<Out<string, O>> {
    return spec('text', z.string().check(z.trim()), options);
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

  /** Items separated by newlines or commas, blanks and `#` comments dropped. */
  list<O extends Common<string[]>>(options: O = {} as O): InputSpec<Out<string[], O>> {
    return spec(
      'a list (one item per line, or comma-separated)',
      z.pipe(z.string(), z.transform(splitList)),
      options,
    );
  },

  /** `key=value` lines, as in the seeds' env files. */
  pairs<O extends Common<Pair[]> & { what?: string }>(options: O = {} as O): InputSpec<Out<Pair[], O>> {
    const what = options.what ?? 'key=value';
    const schema = z.pipe(
      z.string(),
      z.transform((raw: string, ctx) => {
        const pairs: Pair[] = [];
        for (const line of splitLines(raw)) {
          const at = line.indexOf('=');
          if (at <= 0) {
            ctx.issues.push({
              code: 'custom',
              message: `has a line that is not ${what}: "${line}"`,
              input: raw,
            });
            return z.NEVER;
          }
          pairs.push({ key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() });
        }
        return pairs;
      }),
    );
    return spec(`${what} lines`, schema, options);
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

type Specs = Record<string, InputSpec<unknown>>;
type Parsed<S extends Specs> = { [K in keyof S]: S[K] extends InputSpec<infer T> ? T : never };

/**
 * Parses every input once into a typed object. The first bad input throws a ConfigurationError that
 * names it, shows what was given and says what is expected.
 */
export function parseInputs<S extends Specs>(source: InputSource, specs: S): Parsed<S> {
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
    try {
      values[name] = inputSpec.parse(raw);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigurationError(INVALID_INPUT, `Input "${name}" ${reason}: got "${clip(raw)}".`, {
        remedy: `Expected ${inputSpec.expected}.`,
      });
    }
  }
  return values as Parsed<S>;
}

function clip(raw: string): string {
  const oneLine = raw.replace(/\s*\n\s*/g, '⏎');
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
