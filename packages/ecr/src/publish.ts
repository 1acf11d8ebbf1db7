import { ECRClient } from '@aws-sdk/client-ecr';
import {
  Clock,
  ConfigurationError,
  Logger,
  Pair,
  Secrets,
  SlipwayError,
  ecrRegistryHost,
  systemClock,
} from '@slipway/kit';
import { BuildPlan, buildAndPush } from './build';
import { ECR } from './codes';
import { registryCredentials } from './credentials';
import { dockerLogin } from './login';
import { ensureRepository } from './repository';
import { DistributionStore } from './distribution';
import { ImageStore, Manifest } from './manifests';
import { EcrStore, imageSize } from './store';
import { GitContext, PlannedTag, commitOf, commitTag, computeTags, fitToMutability, mergeTags } from './tags';

export interface PublishRequest {
  repository: string;
  environment?: 'dev' | 'staging' | 'production';
  mutability: 'MUTABLE' | 'IMMUTABLE';
  requestedTags: PlannedTag[];
  build: Omit<BuildPlan, 'references' | 'cacheRef' | 'labels'> & { labels: Pair[] };
  cache: boolean;
  promoteFrom?: string;
  registry?: string;
  registryId?: string;
  keepImages?: number;
  kmsKey?: string;
  region?: string;
}

export interface PublishContext {
  /**
   * Made only when ECR is used, so other registries need no AWS region or credentials. `region` is the
   * registry's (from its host or the "region" input); undefined means the job's default region.
   */
  ecr: (region?: string) => ECRClient;
  git: GitContext;
  /** Where the source lives, for the OCI source label (e.g. https://github.com/org/app). */
  sourceUrl?: string;
  secrets: Secrets;
  logger: Logger;
  /** Called as soon as docker is logged in somewhere, so a post step can log out even after a failure. */
  onLogin?: (registry: string) => void;
  clock?: Clock;
  fetcher?: typeof fetch;
  /** Where `docker login` / `podman login` stored credentials (default process.env), for other registries. */
  env?: NodeJS.ProcessEnv;
}

export type PublishResult = 'built' | 'retagged' | 'present';

export interface Published {
  repositoryUri: string;
  imageUri: string;
  digest: string;
  /** Every tag the image carries after the step: this step's first, then the others it already had. */
  tags: string[];
  droppedTags: PlannedTag[];
  result: PublishResult;
  sizeBytes?: number;
  durationMs: number;
  warnings: string[];
}

/** Where ECR calls go: undefined account or region means the credentials' account, the job's region. */
export interface EcrTarget {
  registryId?: string;
  region?: string;
}

/**
 * The ECR registry a request names, or undefined for another registry. An ECR host names its account and
 * region, and both win over the job's: a repository is looked up and created where the images will be.
 * "registry-id" or "region" saying otherwise is a contradiction we refuse rather than guess at.
 */
export function ecrTarget(
  request: Pick<PublishRequest, 'registry' | 'registryId' | 'region'>,
): EcrTarget | undefined {
  if (!request.registry) return { registryId: request.registryId, region: request.region };
  const host = ecrRegistryHost(request.registry);
  if (!host) return undefined;
  const { registryId: account, region } = host;
  for (const [input, given, named] of [
    ['registry-id', request.registryId, account],
    ['region', request.region, region],
  ] as const) {
    if (given && given !== named) {
      throw new ConfigurationError(
        ECR.REGISTRY_MISMATCH,
        `Input "${input}": "${given}" contradicts "registry": ${request.registry} is ${input === 'region' ? 'in region' : 'owned by account'} ${named}.`,
        {
          remedy: `Leave "${input}" empty (the registry host decides), or give the host of the registry you mean.`,
        },
      );
    }
  }
  return { registryId: account, region };
}

/**
 * Puts this commit's image in the repository under every planned tag, doing as little as possible:
 * retag an image that exists (this commit's, or `promote-from`'s) by manifest alone, and build only when
 * there is none.
 */
export async function publish(request: PublishRequest, context: PublishContext): Promise<Published> {
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const { store, repositoryUri, immutable, warnings, login } = await openRepository(request, context);

  const planned = mergeTags(computeTags(context.git, request.environment), request.requestedTags);
  const { kept, dropped } = fitToMutability(planned, immutable);
  for (const tag of dropped)
    context.logger.info(`Not tagging "${tag.tag}" (${tag.why}): the repository's tags are IMMUTABLE.`);
  const tags = kept.map((t) => t.tag);

  const source = request.promoteFrom ? parseSource(request.promoteFrom, request.repository) : undefined;
  const sameRepository = !source || source.repository === request.repository;
  const lookups = [...new Set([...(source && sameRepository ? [source.reference] : []), ...tags])];
  const existing = await store.manifests(request.repository, lookups);

  let image: Manifest | undefined;
  if (source) {
    image = sameRepository
      ? existing.get(source.reference)
      : (await store.manifests(source.repository, [source.reference])).get(source.reference);
    if (!image) {
      throw new ConfigurationError(
        ECR.PROMOTE_SOURCE_NOT_FOUND,
        `Input "promote-from": ${source.repository}:${source.reference} does not exist in ${store.host}.`,
        {
          remedy: 'Promote a tag or digest that the earlier environment pushed (e.g. sha-<7> of the commit).',
        },
      );
    }
  } else {
    image = existing.get(commitTag(context.git));
  }

  let result: PublishResult;
  if (image) {
    const missing = tags.filter((tag) => existing.get(tag)?.digest !== image!.digest);
    const taken = immutable ? missing.filter((tag) => existing.has(tag)) : [];
    if (taken.length) {
      // Checked before any PutImage, so a refused promotion leaves the repository as it was.
      throw new SlipwayError(
        ECR.TAG_TAKEN,
        `Tag(s) ${taken.map((t) => `"${t}"`).join(', ')} in ${request.repository} already name another image, and the repository's tags are IMMUTABLE.`,
        {
          remedy:
            'Tag this build differently (the commit tag is unique), or delete the old image if it was a mistake.',
        },
      );
    }
    for (const tag of missing) await store.tag(request.repository, tag, image);
    result = missing.length ? 'retagged' : 'present';
    context.logger.info(
      missing.length
        ? `Tagged ${image.digest} as ${missing.join(', ')} without pulling or pushing a layer.`
        : `Every tag already names ${image.digest}; nothing to push.`,
    );
  } else {
    if (login) context.onLogin?.(await login());
    await buildAndPush(
      {
        ...request.build,
        labels: [...ociLabels(context, clock), ...request.build.labels],
        references: tags.map((tag) => `${repositoryUri}:${tag}`),
        cacheRef: request.cache && !immutable ? `${repositoryUri}:buildcache` : undefined,
      },
      context.secrets,
      context.logger,
    );
    image = (await store.manifests(request.repository, [tags[0]!])).get(tags[0]!);
    if (!image)
      throw new SlipwayError(
        ECR.PUSH_FAILED,
        `The push succeeded but ${repositoryUri}:${tags[0]} is not in the registry.`,
      );
    result = 'built';
  }

  const carried = await store.tagsOf(request.repository, image.digest);
  return {
    repositoryUri,
    imageUri: `${repositoryUri}@${image.digest}`,
    digest: image.digest,
    tags: [...tags, ...carried.filter((tag) => !tags.includes(tag))],
    droppedTags: dropped,
    result,
    sizeBytes: imageSize(image),
    durationMs: clock.now() - started,
    warnings,
  };
}

async function openRepository(request: PublishRequest, context: PublishContext) {
  const target = ecrTarget(request);
  if (!target) {
    return {
      store: new DistributionStore(request.registry!, {
        fetcher: context.fetcher,
        credentials: () => registryCredentials(request.registry!, context.secrets, context.env),
        onSecret: (token) => context.secrets.register(token),
      }) as ImageStore,
      repositoryUri: `${request.registry}/${request.repository}`,
      immutable: request.mutability === 'IMMUTABLE',
      warnings: [] as string[],
      // Other registries are logged in to before this step (docker/login-action, docker or podman
      // login): the builder pushes with that login, and the store reads it from the same files.
      login: undefined,
    };
  }
  const { registryId } = target;
  const ecr = context.ecr(target.region);
  const ensured = await ensureRepository(
    ecr,
    {
      name: request.repository,
      registryId,
      mutability: request.mutability,
      kmsKey: request.kmsKey,
      keepImages: request.keepImages,
    },
    context.logger,
  );
  const host = ensured.uri.split('/')[0]!;
  return {
    store: new EcrStore(ecr, host, registryId) as ImageStore,
    repositoryUri: ensured.uri,
    immutable: ensured.immutable,
    warnings: ensured.warnings,
    login: () => dockerLogin(ecr, registryId, context.secrets, context.logger),
  };
}

/** `tag`, `sha256:…`, `repository:tag` or `repository@sha256:…`. */
export function parseSource(
  raw: string,
  defaultRepository: string,
): { repository: string; reference: string } {
  const at = raw.indexOf('@sha256:');
  if (at > 0) return { repository: raw.slice(0, at), reference: raw.slice(at + 1) };
  if (raw.startsWith('sha256:')) return { repository: defaultRepository, reference: raw };
  const colon = raw.lastIndexOf(':');
  return colon > 0
    ? { repository: raw.slice(0, colon), reference: raw.slice(colon + 1) }
    : { repository: defaultRepository, reference: raw };
}

function ociLabels(context: PublishContext, clock: Clock): Pair[] {
  return [
    ...(context.sourceUrl ? [{ key: 'org.opencontainers.image.source', value: context.sourceUrl }] : []),
    { key: 'org.opencontainers.image.revision', value: commitOf(context.git) },
    { key: 'org.opencontainers.image.created', value: new Date(clock.now()).toISOString() },
  ];
}
