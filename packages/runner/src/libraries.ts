import type * as Parser from '@actions/workflow-parser';
import type * as Expressions from '@actions/expressions';
import type * as ExpressionResult from '@actions/expressions/result';

interface Libraries {
  parser: typeof Parser;
  expressions: typeof Expressions;
  result: typeof ExpressionResult;
}

let loaded: Libraries | undefined;

/**
 * GitHub's parser and expression engine publish ES modules only ("import" exports), so they load
 * through import() — which works from CommonJS callers too (tsx scripts such as the demo).
 */
export async function loadLibraries(): Promise<Libraries> {
  loaded ??= {
    parser: await import('@actions/workflow-parser'),
    expressions: await import('@actions/expressions'),
    result: await import('@actions/expressions/result'),
  };
  return loaded;
}

export function libraries(): Libraries {
  if (!loaded) throw new Error('loadLibraries() must finish before a workflow is read.');
  return loaded;
}
