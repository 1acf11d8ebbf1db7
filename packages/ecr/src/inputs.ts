import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ConfigurationError,
  Grammar,
  InputSource,
  Secrets,
  accountId,
  clip,
  ecrRepositoryName,
  endpoint,
  imageTag,
  input,
  kmsKey,
  onlyWith,
  parseInputs,
  pathInside,
  pattern,
  region,
} from '@slipway/kit';
import { ECR } from './codes';
import { PublishRequest, ecrTarget, parseSource } from './publish';
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

const argName = pattern(
  'a build argument name (letters, digits and _)',
  /^[A-Za-z_][A-Za-z0-9_]*$/,
  'is not a name',
);
const secretName = pattern(
  'a secret id (letters, digits and _ . -)',
  /^[A-Za-z0-9_.-]{1,255}$/,
  'is not a secret id',
);
const labelKey = pattern(
  'a label key (no spaces, no "=")',
  /^[A-Za-z0-9][A-Za-z0-9_./-]*$/,
  'is not a label key',
);
const stageName = pattern(
  'a Dockerfile stage name (a letter, then letters, digits and _ . -)',
  /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/,
  'is not a stage name',
);

/** A tag or digest in this repository, or repository:tag / repository@sha256:… in this registry. */
const promoteSource: Grammar = {
  expected: 'a tag, sha256:<64 hex>, repository:tag or repository@sha256:<64 hex>',
  parse: (text) => {
    const { repository, reference } = parseSource(text, 'same-repository');
    if (repository !== 'same-repository') ecrRepositoryName.parse(repository);
    if (reference.startsWith('sha256:')) {
      if (!/^sha256:[a-f0-9]{64}$/.test(reference))
        throw new Error('has a digest that is not sha256:<64 hex>');
    } else imageTag.parse(reference);
    return text;
  },
};

const BUILD_ONLY = ['context', 'dockerfile', 'platform', 'build-args', 'build-secrets', 'target', 'labels'];

/** build-push-ecr's inputs, as action.yml declares them (the CLI runs the bundle, which reads them with this). */
export const publishInputs = {
  repository: input.value(ecrRepositoryName, { required: true }),
  environment: input.choice(['dev', 'staging', 'production']),
  'tag-mutability': input.choice(['MUTABLE', 'IMMUTABLE']),
  tags: input.list({ default: [], unique: true }),
  context: input.string({ default: '.' }),
  dockerfile: input.string(),
  platform: input.list({ default: ['linux/amd64'], unique: true }),
  'build-args': input.pairs({ default: [], what: 'NAME=value', key: argName }),
  // Masked line by line before parsing: a line without "=" is still a secret.
  'build-secrets': input.pairs({ default: [], what: 'id=value', key: secretName, secret: true }),
  target: input.value(stageName),
  labels: input.pairs({ default: [], what: 'key=value', key: labelKey }),
  cache: input.boolean({ default: true }),
  'promote-from': input.value(promoteSource),
  registry: input.value(endpoint),
  'registry-id': input.value(accountId),
  'keep-images': input.integer({ min: 1, max: 10000 }),
  'kms-key': input.value(kmsKey),
  region: input.value(region),
};

/** Parses and checks everything before any registry is touched: bad input changes nothing. */
export function readPublishRequest(
  source: InputSource,
  workspace: string,
  secrets?: Secrets,
): PublishRequest {
  const i = parseInputs(source, publishInputs, { secrets });
  const badPlatform = i.platform.find((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (badPlatform) {
    throw new ConfigurationError(
      ECR.INVALID_PLATFORM,
      `Input "platform": "${clip(badPlatform)}" is not a platform we build for.`,
      {
        remedy: `Valid values are: ${PLATFORMS.join(', ')}.`,
      },
    );
  }
  const registryId = i['registry-id'];
  // A promotion builds nothing: build inputs would be silently ignored.
  onlyWith(
    source,
    publishInputs,
    BUILD_ONLY,
    'promote-from',
    !i['promote-from'],
    'a promotion retags an image and builds nothing',
    'with "promote-from"',
  );
  const requested = explicitTags(i.tags);
  const context = resolve(workspace, i.context);
  const dockerfile = i.dockerfile ? resolve(workspace, i.dockerfile) : join(context, 'Dockerfile');
  if (!i['promote-from']) {
    for (const [name, path] of [
      ['context', context],
      ['dockerfile', dockerfile],
    ] as const) {
      if (!isInside(workspace, path)) {
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
    if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
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
    registry: source('registry')?.trim() || undefined,
    registryId,
    keepImages: i['keep-images'],
    kmsKey: i['kms-key'],
    region: i.region,
  };
  // publish resolves the target again; checking here fails a contradiction before any registry call.
  ecrTarget(request);
  return request;
}

function isInside(workspace: string, path: string): boolean {
  try {
    pathInside(workspace).parse(path);
    return true;
  } catch {
    return false;
  }
}
