import { BatchGetImageCommand, ECRClient, ImageIdentifier } from '@aws-sdk/client-ecr';

// The shapes every registry client here shares, and ECR's manifest read. Kept apart from the stores so
// a read-only caller (ecs-deploy reading an image's labels) reaches no write call.

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
  /** Every tag that names the manifest with this digest, sorted. */
  tagsOf(repository: string, digest: string): Promise<string[]>;
}

/** Reading images down to their config, for the labels: manifests, and a blob by digest. */
export interface ImageReader {
  readonly host: string;
  manifests(repository: string, references: string[]): Promise<Map<string, Manifest>>;
  /** A blob's bytes (an image config), or undefined when the registry does not have it. */
  blob(repository: string, digest: string): Promise<Buffer | undefined>;
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

const isDigest = (reference: string) => reference.startsWith('sha256:');

/** Manifests by reference from ECR's BatchGetImage; absent references are missing from the map. */
export async function ecrManifests(
  ecr: ECRClient,
  registryId: string | undefined,
  repository: string,
  references: string[],
): Promise<Map<string, Manifest>> {
  const found = new Map<string, Manifest>();
  if (!references.length) return found;
  const imageIds: ImageIdentifier[] = references.map((r) =>
    isDigest(r) ? { imageDigest: r } : { imageTag: r },
  );
  const answer = await ecr.send(
    new BatchGetImageCommand({
      registryId: registryId,
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
  const missing = new Set((answer.failures ?? []).map((f) => f.imageId?.imageTag ?? f.imageId?.imageDigest));
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
