import { BatchGetImageCommand, ECRClient, ImageIdentifier, PutImageCommand } from '@aws-sdk/client-ecr';
import { SlipwayError, awsErrorName } from '@slipway/kit';
import { ECR } from './codes';

export interface Manifest {
  digest: string;
  mediaType: string;
  body: string;
}

/**
 * Where images live, seen through manifests only: reading one by tag or digest and writing one under a
 * new tag is all that skip-if-built and promotion need, so no layer is ever pulled or pushed.
 */
export interface ImageStore {
  /** Registry host, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com or 127.0.0.1:5000. */
  readonly host: string;
  /** Manifests by reference (tag or digest); absent references are missing from the map. */
  manifests(repository: string, references: string[]): Promise<Map<string, Manifest>>;
  tag(repository: string, tag: string, manifest: Manifest): Promise<void>;
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

const isDigest = (reference: string) => reference.startsWith('sha256:');

/** Amazon ECR through its API: BatchGetImage reads manifests, PutImage adds a tag to one. */
export class EcrStore implements ImageStore {
  constructor(
    private readonly ecr: ECRClient,
    readonly host: string,
    private readonly registryId?: string,
  ) {}

  async manifests(repository: string, references: string[]): Promise<Map<string, Manifest>> {
    const found = new Map<string, Manifest>();
    if (!references.length) return found;
    const imageIds: ImageIdentifier[] = references.map((r) =>
      isDigest(r) ? { imageDigest: r } : { imageTag: r },
    );
    const answer = await this.ecr.send(
      new BatchGetImageCommand({
        registryId: this.registryId,
        repositoryName: repository,
        imageIds,
        acceptedMediaTypes: MANIFEST_TYPES,
      }),
    );
    const images = (answer.images ?? []).map((image) => ({
      tag: image.imageId?.imageTag,
      manifest: {
        digest: image.imageId?.imageDigest ?? '',
        mediaType: image.imageManifestMediaType ?? MANIFEST_TYPES[0]!,
        body: image.imageManifest ?? '',
      },
    }));
    const missing = new Set(
      (answer.failures ?? []).map((f) => f.imageId?.imageTag ?? f.imageId?.imageDigest),
    );
    for (const reference of references.filter((r) => !missing.has(r))) {
      // ECR echoes the requested tag; some ECR-compatible servers answer with another tag of the same
      // image, which is still unambiguous when every answer is one image.
      const match =
        images.find((i) => i.tag === reference || i.manifest.digest === reference) ??
        (new Set(images.map((i) => i.manifest.digest)).size === 1 ? images[0] : undefined);
      if (match) found.set(reference, match.manifest);
    }
    return found;
  }

  async tag(repository: string, tag: string, manifest: Manifest): Promise<void> {
    try {
      await this.ecr.send(
        new PutImageCommand({
          registryId: this.registryId,
          repositoryName: repository,
          imageManifest: manifest.body,
          imageManifestMediaType: manifest.mediaType,
          imageDigest: manifest.digest,
          imageTag: tag,
        }),
      );
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'ImageAlreadyExistsException') return;
      if (name === 'ImageTagAlreadyExistsException') {
        throw new SlipwayError(
          ECR.TAG_TAKEN,
          `Tag "${tag}" in ${repository} already names another image, and the repository's tags are IMMUTABLE.`,
          {
            remedy:
              'Tag this build differently (the commit tag is unique), or delete the old image if it was a mistake.',
            cause: error,
          },
        );
      }
      if (name === 'LayersNotFoundException' || name === 'ReferencedImagesNotFoundException') {
        throw new SlipwayError(
          ECR.CROSS_REPOSITORY_LAYERS_MISSING,
          `ECR refused the manifest in ${repository}: its layers are not in that repository.`,
          {
            remedy:
              'ECR only retags within a repository whose blobs it has; promote within one repository, or rebuild for the other one.',
            cause: error,
          },
        );
      }
      throw error;
    }
  }
}

/** Any OCI distribution registry (docker-registry, a local mirror) through its HTTP API v2. */
export class DistributionStore implements ImageStore {
  private readonly base: string;

  constructor(
    readonly host: string,
    private readonly fetcher: typeof fetch = fetch,
  ) {
    const local = /^(localhost|127\.|\[::1\])/.test(host);
    this.base = `${local ? 'http' : 'https'}://${host}/v2`;
  }

  async manifests(repository: string, references: string[]): Promise<Map<string, Manifest>> {
    const found = new Map<string, Manifest>();
    await Promise.all(
      references.map(async (reference) => {
        const answer = await this.request(`${repository}/manifests/${reference}`, {
          headers: { Accept: MANIFEST_TYPES.join(', ') },
        });
        if (answer.status === 404) return;
        found.set(reference, {
          digest: answer.headers.get('docker-content-digest') ?? '',
          mediaType: answer.headers.get('content-type') ?? MANIFEST_TYPES[0]!,
          body: await answer.text(),
        });
      }),
    );
    return found;
  }

  async tag(repository: string, tag: string, manifest: Manifest): Promise<void> {
    await this.request(`${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'Content-Type': manifest.mediaType },
      body: manifest.body,
    });
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const answer = await this.fetcher(`${this.base}/${path}`, init);
    if (answer.ok || answer.status === 404) return answer;
    throw new SlipwayError(
      ECR.REGISTRY_ERROR,
      `Registry ${this.host} answered ${answer.status} to ${init.method ?? 'GET'} /v2/${path}: ${(await answer.text()).slice(0, 300)}`,
      {
        remedy:
          'Check the "registry" input and that the registry accepts anonymous pushes (or log in before this step).',
      },
    );
  }
}

/** Bytes of the config and layers a single-platform manifest names; undefined for an index. */
export function imageSize(manifest: Manifest): number | undefined {
  try {
    const parsed = JSON.parse(manifest.body) as { config?: { size?: number }; layers?: { size?: number }[] };
    if (!parsed.layers) return undefined;
    return (parsed.config?.size ?? 0) + parsed.layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  } catch {
    return undefined;
  }
}
