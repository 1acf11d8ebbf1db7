import type {
  EncryptionConfiguration,
  ImageTagMutability,
  ImageTagMutabilityExclusionFilter,
  Tag,
} from '@aws-sdk/client-ecr';

export interface StoredImage {
  digest: string;
  manifest: string;
  mediaType: string;
  pushedAt: Date;
}

export interface EcrRepository {
  registryId: string;
  name: string;
  createdAt: Date;
  mutability: ImageTagMutability;
  exclusionFilters: ImageTagMutabilityExclusionFilter[];
  scanOnPush: boolean;
  encryption: EncryptionConfiguration;
  resourceTags: Tag[];
  lifecyclePolicy?: string;
  /** Images by digest, in the order they were first pushed. */
  images: Map<string, StoredImage>;
  /** The digest each tag names; a tag names one image at a time. */
  tags: Map<string, string>;
}

export type RepositorySettings = Omit<EcrRepository, 'createdAt' | 'images' | 'tags'>;

/** Repositories per registry (account id), with their manifests and tags; no layers are ever stored. */
export class RegistryStore {
  private readonly registries = new Map<string, Map<string, EcrRepository>>();

  constructor(private readonly wallNow: () => number = Date.now) {}

  find(registryId: string, name: string): EcrRepository | undefined {
    return this.registries.get(registryId)?.get(name);
  }

  /** The registry's repositories in creation order. */
  list(registryId: string): EcrRepository[] {
    return [...(this.registries.get(registryId)?.values() ?? [])];
  }

  create(settings: RepositorySettings): EcrRepository {
    const repository: EcrRepository = {
      ...settings,
      createdAt: new Date(this.wallNow()),
      images: new Map(),
      tags: new Map(),
    };
    const registry = this.registries.get(settings.registryId) ?? new Map<string, EcrRepository>();
    registry.set(settings.name, repository);
    this.registries.set(settings.registryId, registry);
    return repository;
  }

  /** Keeps the image (once per digest) and points `tag` at it, taking the tag from any other image. */
  put(repository: EcrRepository, image: Omit<StoredImage, 'pushedAt'>, tag: string | undefined): StoredImage {
    let stored = repository.images.get(image.digest);
    if (!stored) {
      stored = { ...image, pushedAt: new Date(this.wallNow()) };
      repository.images.set(image.digest, stored);
    }
    if (tag !== undefined) {
      repository.tags.delete(tag);
      repository.tags.set(tag, image.digest);
    }
    return stored;
  }

  tagsOf(repository: EcrRepository, digest: string): string[] {
    return [...repository.tags].filter(([, named]) => named === digest).map(([tag]) => tag);
  }
}

/** Whether a tag that names one image may be moved to another, by the repository's mutability setting. */
export function tagIsImmutable(repository: EcrRepository, tag: string): boolean {
  const excluded = repository.exclusionFilters.some((f) => wildcard(f.filter ?? '').test(tag));
  switch (repository.mutability) {
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded;
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded;
    default:
      return false;
  }
}

function wildcard(filter: string): RegExp {
  const escaped = filter.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
