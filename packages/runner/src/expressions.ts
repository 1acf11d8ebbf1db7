import type { data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { parse } from 'yaml';
import { RunnerError } from './errors';
import { libraries } from './libraries';

/** Plain JSON values, the runner's view of an expression's result. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** The contexts an expression may read, and the status functions of a job or step `if`. */
export interface Scope {
  contexts: Record<string, Value>;
  status?: { success(): boolean; failure(): boolean; cancelled(): boolean };
}

/** Parses and evaluates one expression (without `${{ }}`) with GitHub's own expression engine. */
export function evaluate(expression: string, scope: Scope): Value {
  const { data } = libraries().expressions;
  return JSON.parse(JSON.stringify(evaluateData(expression, scope), data.replacer) ?? 'null') as Value;
}

/** An `if:` condition, with GitHub's truthiness. */
export function condition(expression: string, scope: Scope): boolean {
  return libraries().result.truthy(evaluateData(expression, scope));
}

function evaluateData(expression: string, scope: Scope): data.ExpressionData {
  const { Evaluator, Lexer, Parser, data } = libraries().expressions;
  const functions = new Map<string, FunctionDefinition>();
  const status = scope.status;
  if (status) {
    const define = (name: string, call: () => boolean, maxArgs = 0) =>
      functions.set(name, { name, minArgs: 0, maxArgs, call: () => new data.BooleanData(call()) });
    define('success', () => status.success(), Number.MAX_SAFE_INTEGER);
    define('failure', () => status.failure(), Number.MAX_SAFE_INTEGER);
    define('cancelled', () => status.cancelled());
    define('always', () => true);
  }
  let parsed;
  try {
    parsed = new Parser(new Lexer(expression).lex().tokens, Object.keys(scope.contexts), [
      ...functions.values(),
    ]).parse();
  } catch (error) {
    // An unknown context or function is an error in the workflow, never an empty string.
    throw new RunnerError('expression', `\${{ ${expression} }}: ${(error as Error).message}`);
  }
  const context = JSON.parse(JSON.stringify(scope.contexts), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, context, functions).evaluate();
}

/** A template token (literal, expression, mapping, sequence) as a plain value. */
export function evaluateToken(token: TemplateToken | undefined, scope: Scope): Value {
  const { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } = libraries().parser;
  if (token === undefined) return null;
  if (isBasicExpression(token)) {
    if (token.blockScalarHeader && token.source && token.originalExpressions?.length) {
      return blockScalar(token.blockScalarHeader, token.source, token.originalExpressions, scope);
    }
    return evaluate(token.expression, scope);
  }
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isSequence(token)) return [...Array(token.count).keys()].map((i) => evaluateToken(token.get(i), scope));
  if (isMapping(token)) {
    const object: Record<string, Value> = {};
    for (const { key, value } of token)
      object[String(evaluateToken(key, scope))] = evaluateToken(value, scope);
    return object;
  }
  if (token.isExpression) {
    throw new RunnerError('keyword', `Line ${token.line}: this runner does not support "${String(token)}".`);
  }
  return null;
}

/** A value where the runner expects a string (inputs, env, scripts): GitHub's conversions; objects are errors. */
export function asString(value: Value, where: string): string {
  if (value === null) return '';
  if (typeof value === 'object') {
    throw new RunnerError(
      'expression',
      `${where}: a ${Array.isArray(value) ? 'sequence' : 'mapping'} was not expected.`,
    );
  }
  return String(value);
}

/**
 * A block scalar (`|`, `>`) with expressions in it. GitHub's TypeScript parser builds its format() from
 * the YAML source, indentation included (it serves editors, which want positions); GitHub's runner
 * substitutes into the block's value. So the block is read as YAML first, then each `${{ }}` replaced.
 */
function blockScalar(
  header: string,
  source: string,
  expressions: { expression: string }[],
  scope: Scope,
): string {
  const text = parse(`v: ${header}\n${source.replace(/^(?! )/gm, ' ')}`) as { v: string };
  let result = '';
  let rest = text.v;
  for (const { expression } of expressions) {
    const start = rest.indexOf('${{');
    let end = -1;
    let quoted = false;
    for (let i = start + 3; i < rest.length; i++) {
      if (rest[i] === "'") quoted = !quoted;
      else if (!quoted && rest[i] === '}' && rest[i - 1] === '}') {
        end = i + 1;
        break;
      }
    }
    if (start < 0 || end < 0)
      throw new RunnerError(
        'expression',
        `An expression in a block scalar could not be found again: ${expression}`,
      );
    result += rest.slice(0, start) + asString(evaluate(expression, scope), `\${{ ${expression} }}`);
    rest = rest.slice(end);
  }
  return result + rest;
}
