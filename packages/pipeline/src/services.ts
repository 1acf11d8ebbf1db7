import picomatch from 'picomatch';
import { parse } from 'yaml';
import { z } from 'zod/mini';
import {
  ConfigurationError,
  Grammar,
  clip,
  ecrRepositoryName,
  ecsName,
  glob,
  pathInside,
  url,
} from '@slipway/kit';

export const PIPELINE = {
  INVALID_SERVICES: 'SLW-PIP-001',
  GIT_DIFF_FAILED: 'SLW-PIP-002',
} as const;

// zod's mini build carries no messages of its own: the services file is explained in English.
z.config(z.locales.en());

const name = () => z.string().check(z.minLength(1));

/** One deployable service of an app repository, as the reusable workflows take it. */
// Strict: a misspelt key ("contex", "path") is an error, not a setting silently dropped.
const serviceSchema = z.strictObject({
  service: name(),
  container: name(),
  repository: name(),
  context: z._default(z.string(), '.'),
  dockerfile: z.optional(z.string()),
  /** Globs (relative to the repository root) whose changes redeploy this service. */
  paths: z.array(name()).check(z.minLength(1)),
  /** The URL whose JSON `version` must be the deployed commit; none: the service is checked on ECS alone. */
  'health-url': z.optional(name()),
  /** Where production promotes from when each environment has its own repository (default repository). */
  'source-repository': z.optional(name()),
});

export type ServiceSpec = z.infer<typeof serviceSchema>;

/** Relative to the repository root and inside it, wherever the repository is checked out. */
const relativePath: Grammar = {
  expected: 'a path relative to the repository root',
  parse: (text) => pathInside('/repository').parse(text),
};

export function parseServices(text: string): ServiceSpec[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigurationError(
      PIPELINE.INVALID_SERVICES,
      `Input "services" is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      {
        remedy: 'Give a YAML (or JSON) list of { service, container, repository, paths }.',
      },
    );
  }
  const result = z.array(serviceSchema).check(z.minLength(1)).safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigurationError(
      PIPELINE.INVALID_SERVICES,
      // zod says "received undefined" of a field that is not there.
      `Input "services" at ${issue.path.join('.') || 'the top'}: ${issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'missing (expected $1)')}.`,
      {
        remedy:
          'Each entry needs service, container, repository and paths (a list of globs); context, dockerfile, health-url and source-repository are optional.',
      },
    );
  }
  result.data.forEach((spec, index) => {
    const invalid = (message: string) =>
      new ConfigurationError(PIPELINE.INVALID_SERVICES, `Input "services" at ${index}: ${message}.`, {
        remedy: 'Give each service once, with globs relative to the repository root (e.g. services/api/**).',
      });
    if (result.data.findIndex((other) => other.service === spec.service) !== index)
      throw invalid(`the service "${clip(spec.service, 60)}" is listed twice`);
    const fields: [string, string | undefined, Grammar<unknown>][] = [
      ['service', spec.service, ecsName],
      ['container', spec.container, ecsName],
      ['repository', spec.repository, ecrRepositoryName],
      ['source-repository', spec['source-repository'], ecrRepositoryName],
      ['health-url', spec['health-url'], url(['http', 'https'])],
      ['context', spec.context, relativePath],
      ['dockerfile', spec.dockerfile, relativePath],
      ...spec.paths.map((path): [string, string, Grammar<unknown>] => ['path', path, glob]),
    ];
    for (const [field, value, grammar] of fields) {
      if (value === undefined) continue;
      try {
        grammar.parse(value);
      } catch (error) {
        throw invalid(`the ${field} "${clip(value, 60)}" ${(error as Error).message}`);
      }
    }
  });
  return result.data;
}

/** As in paths filters of GitHub workflows: any positive glob matches, unless a `!` glob excludes the file. */
export function pathMatcher(paths: string[]): (file: string) => boolean {
  const positive = paths.filter((p) => !p.startsWith('!'));
  const included = positive.length ? picomatch(positive, { dot: true }) : () => false;
  const excluded = paths.filter((p) => p.startsWith('!')).map((p) => picomatch(p.slice(1), { dot: true }));
  return (file) => included(file) && !excluded.some((matches) => matches(file));
}

/** Whether a change touches any of the globs; `all` (no usable base) touches everything. */
export function touches(paths: string[], changed: string[] | 'all'): boolean {
  if (!paths.length) return false;
  if (changed === 'all') return true;
  const matches = pathMatcher(paths);
  return changed.some(matches);
}

/**
 * The services whose paths a change touches. `all` stands for "no usable base to compare with" (a new
 * branch, a manual run, a force push), where everything deploys.
 */
export function selectServices(services: ServiceSpec[], changed: string[] | 'all'): ServiceSpec[] {
  return services.filter((spec) => touches(spec.paths, changed));
}
