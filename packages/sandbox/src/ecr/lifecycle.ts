import { parseJsonObject } from './manifest';

const TAG_STATUSES = ['tagged', 'untagged', 'any'];
const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];
const ACTIONS = ['expire', 'transition'];

const positiveInteger = (value: unknown) => Number.isInteger(value) && (value as number) >= 1;

/**
 * What makes a lifecycle policy invalid, by ECR's documented rules (undefined when it is valid). Rules are
 * checked, never evaluated: the sandbox expires no images.
 */
export function lifecyclePolicyProblem(text: string): string | undefined {
  const rules = parseJsonObject(text)?.rules;
  if (!Array.isArray(rules) || rules.length === 0) return 'the policy needs a non-empty "rules" array';
  const priorities = new Set<unknown>();
  for (const rule of rules as Array<Record<string, unknown> | null>) {
    const selection = (rule?.selection ?? {}) as Record<string, unknown>;
    const action = (rule?.action ?? {}) as Record<string, unknown>;
    const priority = rule?.rulePriority;
    if (!positiveInteger(priority)) return 'every rule needs a rulePriority that is a positive integer';
    if (priorities.has(priority)) return `rulePriority ${String(priority)} is used by more than one rule`;
    priorities.add(priority);
    if (!TAG_STATUSES.includes(selection.tagStatus as string)) {
      return `selection.tagStatus must be one of ${TAG_STATUSES.join(', ')}`;
    }
    const prefixes = selection.tagPrefixList;
    const patterns = selection.tagPatternList;
    if (selection.tagStatus === 'tagged' && !nonEmptyList(prefixes) && !nonEmptyList(patterns)) {
      return 'a rule with tagStatus "tagged" needs a tagPrefixList or a tagPatternList';
    }
    if (!COUNT_TYPES.includes(selection.countType as string)) {
      return `selection.countType must be one of ${COUNT_TYPES.join(', ')}`;
    }
    if (!positiveInteger(selection.countNumber)) return 'selection.countNumber must be a positive integer';
    if ((selection.countType === 'imageCountMoreThan') !== (selection.countUnit === undefined)) {
      return 'selection.countUnit ("days") is required with a sinceImage… countType and not allowed otherwise';
    }
    if (!ACTIONS.includes(action.type as string)) return `action.type must be one of ${ACTIONS.join(', ')}`;
  }
  return undefined;
}

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '');
}
