import { ConfigurationError } from '@slipway/kit';
import { PRB } from './codes';

/**
 * A JSON path expectation, e.g. `$.version == abc123`, `$.status != down`, `$.checks[0]["db pool"] == ok`.
 *
 * Path: `$` then any of `.name` (letters, digits, `_`, `-`), `[index]` and `["any key"]`.
 * Operators: `==` and `!=`. Values compare as text: a string as it is, anything else as JSON writes it
 * (`3`, `true`, `null`); quote a value (`"  padded "`) to keep its spaces. An absent path fails both.
 */
export interface JsonExpectation {
  text: string;
  path: (string | number)[];
  operator: '==' | '!=';
  expected: string;
}

export interface Evaluation {
  met: boolean;
  observation: string;
}

const NAME = /^\.([A-Za-z0-9_-]+)/;
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;
const INDEX = /^\[(\d+)\]/;
const QUOTED_KEY = /^\[("(?:[^"\\]|\\.)*")\]/;
const OPERATOR = /^\s*(==|!=)\s*/;

export function parseJsonExpectation(text: string): JsonExpectation {
  if (!text.startsWith('$')) invalid(text, 'does not start with a path ($…)');
  const path: (string | number)[] = [];
  let rest = text.slice(1);
  for (;;) {
    let match: RegExpExecArray | null;
    if ((match = NAME.exec(rest))) path.push(match[1]!);
    else if ((match = INDEX.exec(rest))) path.push(Number(match[1]));
    else if ((match = QUOTED_KEY.exec(rest))) path.push(JSON.parse(match[1]!) as string);
    else break;
    rest = rest.slice(match[0].length);
  }
  const operator = OPERATOR.exec(rest);
  if (!operator) {
    invalid(
      text,
      /^[.[]/.test(rest)
        ? `has a bad path step at "${rest}"`
        : `needs == or != after the path ${pathText(path)}`,
    );
  }
  const value = rest.slice(operator[0].length).trim();
  if (!value) invalid(text, 'has no value after the operator (write "" for the empty string)');
  return { text, path, operator: operator[1] as '==' | '!=', expected: unquote(text, value) };
}

function unquote(text: string, value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return String(JSON.parse(value));
  } catch {
    return invalid(text, 'has a quoted value that is not one complete JSON string');
  }
}

function invalid(text: string, problem: string): never {
  throw new ConfigurationError(
    PRB.INVALID_JSON_EXPECTATION,
    `Input "json-expectations": "${text}" ${problem}.`,
    {
      remedy:
        'Write one expectation per line as `$.path == value` or `$.path != value`; a path is `$` followed by `.name`, `[index]` or `["key"]`.',
    },
  );
}

export function evaluate(expectation: JsonExpectation, body: string): Evaluation {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { met: false, observation: 'the body is not JSON' };
  }
  const at = pathText(expectation.path);
  const actual = expectation.path.reduce<unknown>((value, step) => child(value, step), document);
  if (actual === undefined) return { met: false, observation: `${at} is absent` };
  const text = typeof actual === 'string' ? actual : JSON.stringify(actual);
  const equal = text === expectation.expected;
  return {
    met: expectation.operator === '==' ? equal : !equal,
    observation: `${at} is ${clip(JSON.stringify(actual))}`,
  };
}

function child(value: unknown, step: string | number): unknown {
  if (typeof step === 'number') return Array.isArray(value) ? value[step] : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, step) ? (value as Record<string, unknown>)[step] : undefined;
}

function pathText(path: (string | number)[]): string {
  return `$${path
    .map((step) =>
      typeof step === 'number'
        ? `[${step}]`
        : PLAIN_KEY.test(step)
          ? `.${step}`
          : `[${JSON.stringify(step)}]`,
    )
    .join('')}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
