import type {
  BatchGetImageRequest,
  CreateRepositoryRequest,
  DescribeImagesRequest,
  DescribeRepositoriesRequest,
  EncryptionConfiguration,
  GetAuthorizationTokenRequest,
  GetLifecyclePolicyRequest,
  ListImagesRequest,
  ImageFailureCode,
  ImageIdentifier,
  ImageTagMutability,
  PutImageRequest,
  PutLifecyclePolicyRequest,
  Tag,
} from '@aws-sdk/client-ecr';
import { operation, paginate, type OperationTable } from '../http/operation';
import type { SeededRandom } from '../random';
import { ecrErrors } from './errors';
import { lifecyclePolicyProblem } from './lifecycle';
import { DIGEST, imageSize, manifestDigest, parseManifest, recordedMediaType } from './manifest';
import { tagIsImmutable, type EcrRepository, type RegistryStore, type StoredImage } from './store';

export interface EcrContext {
  store: RegistryStore;
  region: string;
  accountId: string;
  random: SeededRandom;
  wallNow: () => number;
}

const REPOSITORY_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REGISTRY_ID = /^\d{12}$/;
const FILTER = /^[0-9a-zA-Z._*-]{1,128}$/;
const MUTABILITIES: ImageTagMutability[] = [
  'MUTABLE',
  'IMMUTABLE',
  'MUTABLE_WITH_EXCLUSION',
  'IMMUTABLE_WITH_EXCLUSION',
];
const ENCRYPTION_TYPES = ['AES256', 'KMS', 'KMS_DSSE'];
const MAX_TAG_LENGTH = 300;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_RESOURCE_TAGS = 50;
const TOKEN_HOURS = 12;
const PAGE = { default: 100, max: 1000 };

type Resolved = { image: StoredImage } | { failureCode: ImageFailureCode; failureReason: string };

const invalid = ecrErrors.invalidParameter;

export function ecrOperations({ store, region, accountId, random, wallNow }: EcrContext): OperationTable {
  const host = (registryId: string) => `${registryId}.dkr.ecr.${region}.amazonaws.com`;

  const registryOf = (registryId: string | undefined): string => {
    if (registryId === undefined) return accountId;
    if (!REGISTRY_ID.test(registryId)) {
      throw invalid(`Invalid parameter at 'registryId' failed to satisfy constraint: 'must be 12 digits'`);
    }
    return registryId;
  };

  const findRepository = (input: { registryId?: string; repositoryName?: string }): EcrRepository => {
    const registryId = registryOf(input.registryId);
    const name = input.repositoryName ?? '';
    const repository = store.find(registryId, name);
    if (!repository) throw ecrErrors.repositoryNotFound({ registryId, name });
    return repository;
  };

  const describeRepository = (r: EcrRepository) => ({
    repositoryArn: `arn:aws:ecr:${region}:${r.registryId}:repository/${r.name}`,
    registryId: r.registryId,
    repositoryName: r.name,
    repositoryUri: `${host(r.registryId)}/${r.name}`,
    createdAt: r.createdAt,
    imageTagMutability: r.mutability,
    imageTagMutabilityExclusionFilters: r.exclusionFilters.length ? r.exclusionFilters : undefined,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: r.encryption,
  });

  const located = (r: EcrRepository) => ({ registryId: r.registryId, name: r.name });

  const describeImage = (r: EcrRepository, image: StoredImage) => {
    const tags = store.tagsOf(r, image.digest);
    const artifactMediaType = parseManifest(image.manifest)?.config?.mediaType;
    return {
      registryId: r.registryId,
      repositoryName: r.name,
      imageDigest: image.digest,
      imageTags: tags.length ? tags : undefined,
      imageSizeInBytes: imageSize(image.manifest),
      imagePushedAt: image.pushedAt,
      imageManifestMediaType: image.mediaType,
      artifactMediaType: typeof artifactMediaType === 'string' ? artifactMediaType : undefined,
      imageStatus: 'ACTIVE',
    };
  };

  return {
    CreateRepository: operation((input: CreateRepositoryRequest) => {
      const registryId = registryOf(input.registryId);
      const name = input.repositoryName ?? '';
      if (!REPOSITORY_NAME.test(name)) {
        throw invalid(
          `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${REPOSITORY_NAME.source}''`,
        );
      }
      const mutability = input.imageTagMutability ?? 'MUTABLE';
      if (!MUTABILITIES.includes(mutability)) {
        throw invalid(
          `Invalid parameter at 'imageTagMutability': valid values are ${MUTABILITIES.join(', ')}`,
        );
      }
      const exclusionFilters = checkExclusionFilters(mutability, input.imageTagMutabilityExclusionFilters);
      const encryption = checkEncryption(input.encryptionConfiguration, region, registryId);
      const resourceTags = checkResourceTags(input.tags);
      if (store.find(registryId, name)) throw ecrErrors.repositoryAlreadyExists({ registryId, name });
      const created = store.create({
        registryId,
        name,
        mutability,
        exclusionFilters,
        scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
        encryption,
        resourceTags,
      });
      return { repository: describeRepository(created) };
    }),

    DescribeRepositories: operation((input: DescribeRepositoriesRequest) => {
      const registryId = registryOf(input.registryId);
      if (input.repositoryNames?.length) {
        if (input.maxResults !== undefined || input.nextToken !== undefined) {
          throw invalid('maxResults and nextToken cannot be used with repositoryNames.');
        }
        const names = [...new Set(input.repositoryNames)];
        return {
          repositories: names.map((name) =>
            describeRepository(findRepository({ registryId, repositoryName: name })),
          ),
        };
      }
      const page = paginate(store.list(registryId), input, PAGE, invalid);
      return { repositories: page.items.map(describeRepository), nextToken: page.nextToken };
    }),

    PutLifecyclePolicy: operation((input: PutLifecyclePolicyRequest) => {
      const repository = findRepository(input);
      const text = input.lifecyclePolicyText ?? '';
      const problem = lifecyclePolicyProblem(text);
      if (problem) {
        throw invalid(
          `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${problem}'`,
        );
      }
      repository.lifecyclePolicy = text;
      return {
        registryId: repository.registryId,
        repositoryName: repository.name,
        lifecyclePolicyText: text,
      };
    }),

    GetLifecyclePolicy: operation((input: GetLifecyclePolicyRequest) => {
      const repository = findRepository(input);
      if (repository.lifecyclePolicy === undefined) {
        throw ecrErrors.lifecyclePolicyNotFound(located(repository));
      }
      return {
        registryId: repository.registryId,
        repositoryName: repository.name,
        lifecyclePolicyText: repository.lifecyclePolicy,
      };
    }),

    PutImage: operation((input: PutImageRequest) => {
      const repository = findRepository(input);
      const manifest = input.imageManifest ?? '';
      if (manifest === '' || Buffer.byteLength(manifest) > MAX_MANIFEST_BYTES) {
        throw invalid(`Invalid parameter at 'imageManifest': it must have 1 to ${MAX_MANIFEST_BYTES} bytes`);
      }
      const parsed = parseManifest(manifest);
      if (!parsed) {
        throw invalid(
          "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
        );
      }
      if (
        input.imageManifestMediaType &&
        typeof parsed.mediaType === 'string' &&
        parsed.mediaType !== input.imageManifestMediaType
      ) {
        throw invalid(
          `Invalid parameter at 'imageManifestMediaType': '${input.imageManifestMediaType}' does not match the manifest's mediaType '${parsed.mediaType}'`,
        );
      }
      const tag = input.imageTag;
      if (tag !== undefined && !validTag(tag)) {
        throw invalid(`Invalid parameter at 'imageTag': it must have 1 to ${MAX_TAG_LENGTH} characters`);
      }
      const digest = manifestDigest(manifest);
      if (input.imageDigest !== undefined) {
        if (!DIGEST.test(input.imageDigest)) {
          throw invalid(`Invalid parameter at 'imageDigest': '${input.imageDigest}' is not a sha256 digest`);
        }
        if (input.imageDigest !== digest) throw ecrErrors.imageDigestDoesNotMatch(input.imageDigest, digest);
      }

      const named = tag === undefined ? undefined : repository.tags.get(tag);
      if (tag === undefined ? repository.images.has(digest) : named === digest) {
        throw ecrErrors.imageAlreadyExists(located(repository), digest, tag);
      }
      if (tag !== undefined && named !== undefined && tagIsImmutable(repository, tag)) {
        throw ecrErrors.imageTagAlreadyExists(located(repository), tag);
      }
      const mediaType = recordedMediaType(parsed, input.imageManifestMediaType);
      const image = store.put(repository, { digest, manifest, mediaType }, tag);
      return {
        image: {
          registryId: repository.registryId,
          repositoryName: repository.name,
          imageId: { imageDigest: image.digest, imageTag: tag },
          imageManifest: image.manifest,
          imageManifestMediaType: image.mediaType,
        },
      };
    }),

    BatchGetImage: operation((input: BatchGetImageRequest) => {
      const repository = findRepository(input);
      const ids = distinctIds(input.imageIds);
      if (ids.length < 1 || ids.length > 100) throw invalid('imageIds must list 1 to 100 images.');
      // acceptedMediaTypes is not applied: manifests come back as they were put, never converted.
      const images: object[] = [];
      const failures: object[] = [];
      for (const imageId of ids) {
        const found = resolve(repository, imageId);
        if ('failureCode' in found) {
          failures.push({ imageId, ...found });
          continue;
        }
        images.push({
          registryId: repository.registryId,
          repositoryName: repository.name,
          imageId: { imageDigest: found.image.digest, imageTag: imageId.imageTag },
          imageManifest: found.image.manifest,
          imageManifestMediaType: found.image.mediaType,
        });
      }
      return { images, failures };
    }),

    DescribeImages: operation((input: DescribeImagesRequest) => {
      const repository = findRepository(input);
      if (input.imageIds?.length) {
        if (input.maxResults !== undefined || input.nextToken !== undefined) {
          throw invalid('maxResults and nextToken cannot be used with imageIds.');
        }
        const images = new Map<string, StoredImage>();
        for (const imageId of distinctIds(input.imageIds)) {
          const found = resolve(repository, imageId);
          if ('failureCode' in found) {
            if (found.failureCode === 'ImageNotFound' || found.failureCode === 'ImageTagDoesNotMatchDigest') {
              throw ecrErrors.imageNotFound(located(repository), imageId);
            }
            throw invalid(found.failureReason);
          }
          images.set(found.image.digest, found.image);
        }
        return { imageDetails: [...images.values()].map((image) => describeImage(repository, image)) };
      }
      const tagStatus = input.filter?.tagStatus ?? 'ANY';
      const images = [...repository.images.values()].filter((image) => {
        const tagged = store.tagsOf(repository, image.digest).length > 0;
        return tagStatus === 'ANY' || (tagStatus === 'TAGGED') === tagged;
      });
      const page = paginate(images, input, PAGE, invalid);
      return {
        imageDetails: page.items.map((image) => describeImage(repository, image)),
        nextToken: page.nextToken,
      };
    }),

    ListImages: operation((input: ListImagesRequest) => {
      const repository = findRepository(input);
      const tagStatus = input.filter?.tagStatus ?? 'ANY';
      // One id per tag, and a digest-only id for an untagged image, as ECR lists them.
      const ids = [...repository.images.values()].flatMap((image) => {
        const tags = store.tagsOf(repository, image.digest);
        if (!tags.length) return tagStatus === 'TAGGED' ? [] : [{ imageDigest: image.digest }];
        return tagStatus === 'UNTAGGED'
          ? []
          : tags.map((imageTag) => ({ imageDigest: image.digest, imageTag }));
      });
      const page = paginate(ids, input, PAGE, invalid);
      return { imageIds: page.items, nextToken: page.nextToken };
    }),

    GetAuthorizationToken: operation((input: GetAuthorizationTokenRequest) => {
      const registryIds = input.registryIds?.length
        ? [...new Set(input.registryIds.map(registryOf))]
        : [accountId];
      if (registryIds.length > 10) throw invalid('registryIds must list 1 to 10 registries.');
      const expiresAt = new Date(wallNow() + TOKEN_HOURS * 3600_000);
      return {
        authorizationData: registryIds.map((registryId) => {
          const password = Buffer.from(random.hex(256), 'hex').toString('base64');
          return {
            authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
            expiresAt,
            proxyEndpoint: `https://${host(registryId)}`,
          };
        }),
      };
    }),
  };

  /** An image by tag, digest or both, or why it cannot be read (BatchGetImage's failure codes). */
  function resolve(repository: EcrRepository, id: ImageIdentifier): Resolved {
    const { imageTag: tag, imageDigest: digest } = id;
    if (tag === undefined && digest === undefined) {
      return {
        failureCode: 'MissingDigestAndTag',
        failureReason: 'Invalid request: missing both image tag and digest',
      };
    }
    if (digest !== undefined && !DIGEST.test(digest)) {
      return { failureCode: 'InvalidImageDigest', failureReason: 'Invalid image digest' };
    }
    if (tag !== undefined && !validTag(tag)) {
      return { failureCode: 'InvalidImageTag', failureReason: 'Invalid image tag' };
    }
    const named = tag === undefined ? digest : repository.tags.get(tag);
    const image = named === undefined ? undefined : repository.images.get(named);
    if (!image) return { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
    if (digest !== undefined && digest !== image.digest) {
      return {
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: `Tag '${tag}' does not name the image with digest '${digest}'`,
      };
    }
    return { image };
  }
}

function validTag(tag: string): boolean {
  return tag.length >= 1 && tag.length <= MAX_TAG_LENGTH;
}

/** The request's image ids without repeats (ECR answers each distinct id once). */
function distinctIds(ids: ImageIdentifier[] | undefined): ImageIdentifier[] {
  const seen = new Set<string>();
  return (ids ?? [])
    .map((id) => ({ imageDigest: id.imageDigest ?? undefined, imageTag: id.imageTag ?? undefined }))
    .filter((id) => {
      const key = `${id.imageDigest ?? ''}|${id.imageTag ?? ''}`;
      return !seen.has(key) && seen.add(key);
    });
}

function checkExclusionFilters(
  mutability: ImageTagMutability,
  filters: CreateRepositoryRequest['imageTagMutabilityExclusionFilters'],
) {
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  const list = filters ?? [];
  if (withExclusion && (list.length < 1 || list.length > 5)) {
    throw ecrErrors.invalidParameter(`${mutability} needs 1 to 5 imageTagMutabilityExclusionFilters.`);
  }
  if (!withExclusion && list.length) {
    throw ecrErrors.invalidParameter(
      'imageTagMutabilityExclusionFilters can only be used with MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION.',
    );
  }
  for (const filter of list) {
    if (filter.filterType !== 'WILDCARD' || !FILTER.test(filter.filter ?? '')) {
      throw ecrErrors.invalidParameter(
        `Invalid image tag mutability exclusion filter ${JSON.stringify(filter)}: filterType must be WILDCARD and filter must match ${FILTER.source}`,
      );
    }
  }
  return list.map((f) => ({ filterType: f.filterType, filter: f.filter }));
}

function checkEncryption(
  requested: EncryptionConfiguration | undefined,
  region: string,
  registryId: string,
): EncryptionConfiguration {
  const encryptionType = requested?.encryptionType ?? 'AES256';
  if (!ENCRYPTION_TYPES.includes(encryptionType)) {
    throw ecrErrors.invalidParameter(
      `Invalid parameter at 'encryptionType': valid values are ${ENCRYPTION_TYPES.join(', ')}`,
    );
  }
  if (encryptionType === 'AES256') {
    if (requested?.kmsKey) throw ecrErrors.invalidParameter('kmsKey can only be used with KMS encryption.');
    return { encryptionType };
  }
  return { encryptionType, kmsKey: requested?.kmsKey || `arn:aws:kms:${region}:${registryId}:alias/aws/ecr` };
}

function checkResourceTags(tags: Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  if (list.length > MAX_RESOURCE_TAGS) throw ecrErrors.tooManyTags();
  for (const tag of list) {
    if (!tag.Key || tag.Key.length > 128 || (tag.Value ?? '').length > 256) {
      throw ecrErrors.invalidTagParameter('Tag keys have 1 to 128 characters and values at most 256.');
    }
  }
  return list.map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
}
