import picomatch from 'picomatch';
import { parse } from 'yaml';
import { z } from 'zod/mini';
import { ConfigurationError } from '@slipway/kit';

export const PIPELINE = {
  INVALID_SERVICES: 'SLW-PIP-001',
  GIT_DIFF_FAILED: 'SLW-PIP-002',
} as const;

// zod's mini build carries no messages of its own: the services file is explained in English.
z.config(z.locales.en());

const name = () => z.string().check(z.minLength(1));

/** One deployable service of an app repository, as the reusable workflows take it. */
const serviceSchema = z.object({
  service: name(),
  container: name(),
  repository: name(),
  context: z._default(z.string(), '.'),
  dockerfile: z.optional(z.string()),
  /** Globs (relative to the repository root) whose changes redeploy this service. */
  paths: z.array(name()).check(z.minLength(1)),
});

export type ServiceSpec = z.infer<typeof serviceSchema>;

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
      `Input "services" at ${issue.path.join('.') || 'the top'}: ${issue.message}.`,
      {
        remedy:
          'Each entry needs service, container, repository and paths (a list of globs); context and dockerfile are optional.',
      },
    );
  }
  return result.data;
}

/**
 * The services whose paths a change touches. `all` stands for "no usable base to compare with" (a new
 * branch, a manual run), where everything deploys.
 */
export function selectServices(services: ServiceSpec[], changed: string[] | 'all'): ServiceSpec[] {
  if (changed === 'all') return services;
  return services.filter((spec) => {
    // As in paths filters of GitHub workflows: any positive glob, unless a `!` glob excludes the file.
    const included = picomatch(
      spec.paths.filter((p) => !p.startsWith('!')),
      { dot: true },
    );
    const excluded = spec.paths
      .filter((p) => p.startsWith('!'))
      .map((p) => picomatch(p.slice(1), { dot: true }));
    return changed.some((file) => included(file) && !excluded.some((matches) => matches(file)));
  });
}
