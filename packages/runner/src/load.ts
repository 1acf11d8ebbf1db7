import { readFile } from 'node:fs/promises';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { RunnerError } from './errors';
import { libraries, loadLibraries } from './libraries';

/** A workflow as GitHub's parser reads it: the converted template, and the raw tokens for what it drops. */
export interface LoadedWorkflow {
  file: string;
  template: WorkflowTemplate;
  root: MappingToken;
}

export async function loadWorkflow(file: string, content?: string): Promise<LoadedWorkflow> {
  const text = content ?? (await readFile(file, 'utf8'));
  const { NoOperationTraceWriter, convertWorkflowTemplate, isMapping, parseWorkflow } = (
    await loadLibraries()
  ).parser;
  const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !parsed.value || !isMapping(parsed.value)) {
    throw new RunnerError('workflow', `${file} is not a valid workflow: ${errors.join('; ')}`);
  }
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length) {
    throw new RunnerError('workflow', `${file}: ${template.errors.map((e) => e.Message).join('; ')}`);
  }
  return { file, template, root: parsed.value };
}

/** A key of a raw mapping token (keys are literal in workflow files). */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || !libraries().parser.isMapping(token)) return undefined;
  for (const pair of token) if (String(pair.key) === key) return pair.value;
  return undefined;
}

export function keys(token: TemplateToken | undefined): string[] {
  if (!token || !libraries().parser.isMapping(token)) return [];
  return [...token].map((pair) => String(pair.key));
}

/** Keys the runner does not implement fail the run rather than being ignored. */
export function checkKeys(token: TemplateToken | undefined, allowed: readonly string[], where: string): void {
  const unknown = keys(token).filter((key) => !allowed.includes(key));
  if (unknown.length) {
    throw new RunnerError(
      'keyword',
      `${where}: this runner does not implement ${unknown.map((k) => `"${k}"`).join(', ')}.`,
    );
  }
}
