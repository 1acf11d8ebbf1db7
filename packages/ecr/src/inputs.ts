import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigurationError, INVALID_INPUT, InputSource, input, parseInputs } from '@slipway/kit';
import { ECR } from './codes';
import { PublishRequest, ecrTarget } from './publish';
import { explicitTags } from './tags';

export const PLATFORMS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm64/v8',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
] as const;

/** build-push-ecr's inputs, as action.yml declares them; the action and the CLI both parse with this. */
export const publishInputs = {
  repository: input.string({ required: true }),
  environment: input.choice(['dev', 'staging', 'production']),
  'tag-mutability': input.choice(['MUTABLE', 'IMMUTABLE']),
  tags: input.list({ default: [] }),
  context: input.string({ default: '.' }),
  dockerfile: input.string(),
  platform: input.list({ default: ['linux/amd64'] }),
  'build-args': input.pairs({ default: [], what: 'NAME=value' }),
  'build-secrets': input.pairs({ default: [], what: 'id=value' }),
  target: input.string(),
  labels: input.pairs({ default: [], what: 'key=value' }),
  cache: input.boolean({ default: true }),
  'promote-from': input.string(),
  registry: input.string(),
  'registry-id': input.string(),
  'keep-images': input.integer({ min: 1 }),
  'kms-key': input.string(),
  region: input.string(),
};

const REPOSITORY = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Parses and checks everything before any registry is touched: bad input changes nothing. */
export function readPublishRequest(source: InputSource, workspace: string): PublishRequest {
  const i = parseInputs(source, publishInputs);
  if (!REPOSITORY.test(i.repository) || /\.amazonaws\.com/.test(i.repository)) {
    throw new ConfigurationError(
      ECR.INVALID_REPOSITORY_NAME,
      `Input "repository": "${i.repository}" is not a valid repository name.`,
      {
        remedy:
          'Use 2–256 lowercase letters, digits and . _ - /, e.g. "team/deals-api" (not a URI: the registry comes from the account or "registry").',
      },
    );
  }
  const badPlatform = i.platform.find((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (badPlatform) {
    throw new ConfigurationError(
      ECR.INVALID_PLATFORM,
      `Input "platform": "${badPlatform}" is not a platform we build for.`,
      {
        remedy: `Valid values are: ${PLATFORMS.join(', ')}.`,
      },
    );
  }
  const registryId = i['registry-id'];
  if (registryId && !/^\d{12}$/.test(registryId)) {
    throw new ConfigurationError(
      INVALID_INPUT,
      `Input "registry-id" is not an AWS account id: got "${registryId}".`,
      {
        remedy: 'Expected 12 digits, the account that owns the registry.',
      },
    );
  }
  const requested = explicitTags(i.tags);
  const context = resolve(workspace, i.context);
  const dockerfile = i.dockerfile ? resolve(workspace, i.dockerfile) : join(context, 'Dockerfile');
  if (!i['promote-from']) {
    for (const [name, path] of [
      ['context', context],
      ['dockerfile', dockerfile],
    ] as const) {
      const outside = relative(workspace, path);
      if (outside.startsWith('..') || isAbsolute(outside)) {
        throw new ConfigurationError(
          ECR.CONTEXT_OUTSIDE_WORKSPACE,
          `Input "${name}": ${path} is outside the workspace ${workspace}.`,
          {
            remedy:
              'Build from files in the checked-out repository; a context outside it would send unreviewed files to the builder.',
          },
        );
      }
    }
    if (!existsSync(context) || !statSync(context).isDirectory()) {
      throw new ConfigurationError(
        ECR.MISSING_DOCKERFILE,
        `Input "context": ${context} is not a directory.`,
        {
          remedy: 'Check out the repository first and give the build context relative to it.',
        },
      );
    }
    if (!existsSync(dockerfile)) {
      throw new ConfigurationError(
        ECR.MISSING_DOCKERFILE,
        `Input "dockerfile": ${dockerfile} does not exist.`,
        {
          remedy: 'Give the Dockerfile path relative to the workspace (default: <context>/Dockerfile).',
        },
      );
    }
  }
  const environment = i.environment;
  const request: PublishRequest = {
    repository: i.repository,
    environment,
    mutability: i['tag-mutability'] ?? (environment === 'production' ? 'IMMUTABLE' : 'MUTABLE'),
    requestedTags: requested,
    build: {
      context,
      dockerfile,
      platforms: i.platform,
      buildArgs: i['build-args'],
      secrets: i['build-secrets'],
      target: i.target,
      labels: i.labels,
    },
    cache: i.cache,
    promoteFrom: i['promote-from'],
    registry: i.registry,
    registryId,
    keepImages: i['keep-images'],
    kmsKey: i['kms-key'],
    region: i.region,
  };
  // publish resolves the target again; checking here fails a contradiction before any registry call.
  ecrTarget(request);
  return request;
}
