import { readFile } from 'node:fs/promises';
import { NormalizedSchema } from '@smithy/core/schema';
import {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  RegisterTaskDefinitionRequest$,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ConfigurationError, Pair } from '@slipway/kit';
import { ECS } from './codes';

export type TaskDefinitionInput = RegisterTaskDefinitionCommandInput;

const registerShape = NormalizedSchema.of(RegisterTaskDefinitionRequest$);

/**
 * Keeps what RegisterTaskDefinition accepts, judged by the SDK's own input schema, so describe-only
 * fields (arn, revision, status, registeredAt…) fall away and every new ECS field survives.
 */
export function toRegisterInput(
  taskDefinition: TaskDefinition | Record<string, unknown>,
  tags?: Tag[],
): { input: TaskDefinitionInput; dropped: string[] } {
  const dropped: string[] = [];
  const source = { ...taskDefinition, ...(tags?.length ? { tags } : {}) };
  const input = prune(source, registerShape, '', dropped) as TaskDefinitionInput;
  return { input, dropped };
}

function prune(value: unknown, schema: NormalizedSchema, path: string, dropped: string[]): unknown {
  if (value === null || value === undefined) return undefined;
  if (schema.isStructSchema() && isRecord(value)) {
    const members = new Map(schema.structIterator());
    const kept: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const member = members.get(key);
      if (!member) {
        dropped.push(path ? `${path}.${key}` : key);
        continue;
      }
      const pruned = prune(child, member, path ? `${path}.${key}` : key, dropped);
      if (pruned !== undefined) kept[key] = pruned;
    }
    return kept;
  }
  if (schema.isListSchema() && Array.isArray(value)) {
    return value.map((item, index) => prune(item, schema.getValueSchema(), `${path}[${index}]`, dropped));
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A family never starts with - or _ here, so no reference can read as an option.
const ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9][A-Za-z0-9_-]{0,254}):(\d+)$/;
const FAMILY_REVISION = /^([A-Za-z0-9][A-Za-z0-9_-]{0,254})(?::(\d+))?$/;

/** Rolls a service back: the newest ACTIVE revision of its family before the one it runs. */
export const PREVIOUS = 'previous';

/** A task definition as users name it: an ARN, `family:revision`, `family` (latest ACTIVE), or `previous`. */
export function parseTaskDefinitionRef(ref: string, inputName = 'task-definition-arn'): string {
  const trimmed = ref.trim();
  if (ARN.test(trimmed) || FAMILY_REVISION.test(trimmed)) return trimmed;
  throw new ConfigurationError(
    ECS.MALFORMED_TASK_DEFINITION_REF,
    `Input "${inputName}" is not a task definition reference: got "${trimmed}".`,
    {
      remedy:
        'Use an ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>), <family>:<revision>, <family>, or previous.',
    },
  );
}

export function familyOf(arnOrRef: string): string {
  const arn = ARN.exec(arnOrRef);
  if (arn) return arn[1]!;
  return FAMILY_REVISION.exec(arnOrRef)?.[1] ?? arnOrRef;
}

export function revisionOf(arn: string | undefined): string {
  return arn ? (ARN.exec(arn)?.[2] ?? arn) : '—';
}

/** Reads a task definition file (JSON or YAML; a bare definition or describe-task-definition output). */
export async function loadTaskDefinitionFile(
  path: string,
): Promise<{ input: TaskDefinitionInput; dropped: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      ECS.UNREADABLE_TASK_DEFINITION_FILE,
      `Input "task-definition": cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? error}).`,
      { remedy: 'Give a path relative to the workspace, to a JSON or YAML file that is checked out.' },
    );
  }
  let document: unknown;
  try {
    // The YAML parser is loaded only for YAML files: most deploys never read one.
    document = /\.json$/i.test(path) ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw new ConfigurationError(
      ECS.UNREADABLE_TASK_DEFINITION_FILE,
      `Input "task-definition": "${path}" is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
      { remedy: 'Fix the syntax; `aws ecs describe-task-definition` output is accepted as is.' },
    );
  }
  const body = isRecord(document) && isRecord(document.taskDefinition) ? document.taskDefinition : document;
  const tags = isRecord(document) && Array.isArray(document.tags) ? (document.tags as Tag[]) : undefined;
  if (!isRecord(body) || typeof body.family !== 'string' || !Array.isArray(body.containerDefinitions)) {
    throw new ConfigurationError(
      ECS.INVALID_TASK_DEFINITION_FILE,
      `Input "task-definition": "${path}" has no "family" and "containerDefinitions".`,
      { remedy: 'The file must hold a task definition as RegisterTaskDefinition takes it.' },
    );
  }
  const invalid = body.containerDefinitions.findIndex((c) => !isRecord(c) || typeof c.name !== 'string');
  if (invalid >= 0) {
    throw new ConfigurationError(
      ECS.INVALID_TASK_DEFINITION_FILE,
      `Input "task-definition": containerDefinitions[${invalid}] in "${path}" has no "name".`,
      { remedy: 'Every container definition needs a name.' },
    );
  }
  return toRegisterInput(body, tags);
}

export interface Overrides {
  images: Pair[];
  env: Pair[];
  secrets: Pair[];
}

/** Sets images, environment variables and secrets on a task definition; never mutates its argument. */
export function render(
  definition: TaskDefinitionInput,
  overrides: Overrides,
  where: string,
): TaskDefinitionInput {
  const containers: ContainerDefinition[] = structuredClone(definition.containerDefinitions ?? []);
  const byName = (name: string, input: string) => {
    const container = containers.find((c) => c.name === name);
    if (!container) {
      throw new ConfigurationError(
        ECS.UNKNOWN_CONTAINER,
        `Input "${input}" names container "${name}", which is not in ${where} (containers: ${containers.map((c) => c.name).join(', ') || 'none'}).`,
        { remedy: 'Use one of those container names.' },
      );
    }
    return container;
  };

  for (const { key, value } of overrides.images) byName(key, 'images').image = value;

  const imageTargets = overrides.images.map(({ key }) => key);
  const targetsFor = (key: string, input: string): { containers: ContainerDefinition[]; name: string } => {
    const colon = key.indexOf(':');
    if (colon > 0) return { containers: [byName(key.slice(0, colon), input)], name: key.slice(colon + 1) };
    if (containers.length === 1) return { containers, name: key };
    if (imageTargets.length) return { containers: imageTargets.map((n) => byName(n, input)), name: key };
    throw new ConfigurationError(
      ECS.AMBIGUOUS_OVERRIDE,
      `Input "${input}" sets "${key}" but ${where} has several containers.`,
      {
        remedy: `Prefix the container: "${containers[0]?.name}:${key}=…" (containers: ${containers.map((c) => c.name).join(', ')}).`,
      },
    );
  };

  for (const { key, value } of overrides.env) {
    const target = targetsFor(key, 'env');
    for (const container of target.containers) {
      container.environment = upsert(container.environment ?? [], target.name, { name: target.name, value });
    }
  }
  for (const { key, value } of overrides.secrets) {
    const target = targetsFor(key, 'secrets');
    for (const container of target.containers) {
      container.secrets = upsert(container.secrets ?? [], target.name, {
        name: target.name,
        valueFrom: value,
      });
    }
  }
  return { ...structuredClone(definition), containerDefinitions: containers };
}

function upsert<T extends { name?: string }>(list: T[], name: string, entry: T): T[] {
  const index = list.findIndex((item) => item.name === name);
  return index < 0 ? [...list, entry] : list.map((item, i) => (i === index ? entry : item));
}

/**
 * What differs between two definitions, as readable paths ("containerDefinitions[web].image").
 * Empty values count as absent, since ECS fills defaults a file may leave out.
 */
export function diffTaskDefinitions(before: TaskDefinitionInput, after: TaskDefinitionInput): string[] {
  const changes: string[] = [];
  walk(normalise(withoutDefaults(before)), normalise(withoutDefaults(after)), '', changes);
  return changes;
}

/** Container values ECS writes back when a definition leaves them out (documented defaults). */
const containerDefaults: Partial<ContainerDefinition> = { cpu: 0, essential: true };

function withoutDefaults(definition: TaskDefinitionInput): TaskDefinitionInput {
  const containerDefinitions = definition.containerDefinitions?.map((container) =>
    Object.fromEntries(
      Object.entries(container).filter(
        ([key, value]) => containerDefaults[key as keyof ContainerDefinition] !== value,
      ),
    ),
  );
  return { ...definition, containerDefinitions };
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, normalise(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value === null || value === '' ? undefined : value;
}

function walk(a: unknown, b: unknown, path: string, changes: string[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = [...a, ...b].every((item) => isRecord(item) && typeof item.name === 'string');
    if (named) {
      const keys = [...new Set([...a, ...b].map((item) => (item as { name: string }).name))];
      for (const key of keys) {
        const find = (list: unknown[]) => list.find((item) => (item as { name: string }).name === key);
        walk(find(a), find(b), `${path}[${key}]`, changes);
      }
      return;
    }
  }
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(a[key], b[key], path ? `${path}.${key}` : key, changes);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) changes.push(path);
}

/** The images of a definition's containers, for summaries. */
export function imagesOf(definition: { containerDefinitions?: ContainerDefinition[] } | undefined): string[] {
  return (definition?.containerDefinitions ?? []).map((c) => `${c.name}=${c.image}`);
}
