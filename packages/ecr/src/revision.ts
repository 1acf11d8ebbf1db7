import { DescribeImagesCommand, ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { Secrets, awsErrorName, ecrRegistryHost, parseImageRef } from '@slipway/kit';
import { registryCredentials } from './credentials';
import { DistributionStore } from './distribution';
import { ImageReader, Manifest, ecrManifests } from './manifests';
import { commitOfTag } from './tags';

/** The OCI label build-push-ecr sets to the commit an image was built from. */
export const REVISION_LABEL = 'org.opencontainers.image.revision';

export interface ImageLocation {
  host: string;
  repository: string;
  /** The digest when the reference has one, else its tag (default latest). */
  reference: string;
  tag?: string;
}

/** Where an image reference points, as a registry's API names it (Docker Hub's library/ included). */
export function locateImage(image: string): ImageLocation {
  const { name, tag, digest } = parseImageRef(image);
  const first = name.split('/')[0]!;
  const hosted = name.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  const host = hosted ? first : 'docker.io';
  let repository = hosted ? name.slice(first.length + 1) : name;
  if (host === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { host, repository, reference: digest ?? tag ?? 'latest', tag };
}

export interface StoreOptions {
  /** An ECR client for a region, made only for an ECR host. */
  ecr: (region: string) => ECRClient | Promise<ECRClient>;
  secrets: Secrets;
  env?: NodeJS.ProcessEnv;
  fetcher?: typeof fetch;
}

/** ECR read through its API: BatchGetImage for manifests, a download URL for a blob. */
export class EcrReader implements ImageReader {
  constructor(
    private readonly ecr: ECRClient,
    readonly host: string,
    private readonly registryId?: string,
  ) {}

  manifests(repository: string, references: string[]): Promise<Map<string, Manifest>> {
    return ecrManifests(this.ecr, this.registryId, repository, references);
  }

  /** Every tag of the image a tag or digest names: one DescribeImages call. */
  async tagsOf(repository: string, reference: string): Promise<string[]> {
    try {
      const answer = await this.ecr.send(
        new DescribeImagesCommand({
          registryId: this.registryId,
          repositoryName: repository,
          imageIds: [reference.startsWith('sha256:') ? { imageDigest: reference } : { imageTag: reference }],
        }),
      );
      return (answer.imageDetails ?? []).flatMap((d) => d.imageTags ?? []);
    } catch (error) {
      if (/ImageNotFound|RepositoryNotFound/.test(awsErrorName(error) ?? '')) return [];
      throw error;
    }
  }

  async blob(repository: string, digest: string): Promise<Buffer | undefined> {
    let url: string | undefined;
    try {
      const answer = await this.ecr.send(
        new GetDownloadUrlForLayerCommand({
          registryId: this.registryId,
          repositoryName: repository,
          layerDigest: digest,
        }),
      );
      url = answer.downloadUrl;
    } catch (error) {
      if (/LayersNotFound|LayerInaccessible|RepositoryNotFound/.test(awsErrorName(error) ?? ''))
        return undefined;
      throw error;
    }
    if (!url) return undefined;
    const answer = await fetch(url);
    return answer.ok ? Buffer.from(await answer.arrayBuffer()) : undefined;
  }
}

/** A reader for a registry host: ECR's API for an ECR host, the distribution API with the stored login otherwise. */
export async function readerFor(host: string, options: StoreOptions): Promise<ImageReader> {
  const ecr = ecrRegistryHost(host);
  if (ecr) return new EcrReader(await options.ecr(ecr.region), host, ecr.registryId);
  return new DistributionStore(host, {
    fetcher: options.fetcher,
    credentials: () => registryCredentials(host, options.secrets, options.env),
    onSecret: (token: string) => options.secrets.register(token),
  });
}

/**
 * An image's labels, from the config blob its manifest names (for a multi-platform index, the first
 * linux/amd64 image's, else the first's: the builds of one commit share their labels). Undefined when
 * the image or its config is not in the registry.
 */
export async function imageLabels(
  store: ImageReader,
  repository: string,
  reference: string,
): Promise<Record<string, string> | undefined> {
  let manifest = (await store.manifests(repository, [reference])).get(reference);
  if (manifest && isIndex(manifest)) {
    const { manifests = [] } = JSON.parse(manifest.body) as {
      manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
    };
    const images = manifests.filter((m) => m.platform?.os !== 'unknown');
    const chosen =
      images.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? images[0];
    manifest = chosen && (await store.manifests(repository, [chosen.digest])).get(chosen.digest);
  }
  if (!manifest) return undefined;
  const config = (JSON.parse(manifest.body) as { config?: { digest?: string } }).config?.digest;
  if (!config) return undefined;
  const blob = await store.blob(repository, config);
  if (!blob) return undefined;
  const parsed = JSON.parse(blob.toString('utf8')) as { config?: { Labels?: Record<string, string> | null } };
  return parsed.config?.Labels ?? {};
}

function isIndex(manifest: Manifest): boolean {
  return /manifest\.list|image\.index/.test(manifest.mediaType) || /"manifests"\s*:/.test(manifest.body);
}

const COMMIT = /^[0-9a-f]{7,64}$/;

/**
 * The commit an image was built from, or undefined when nothing says: its `sha-<hex>` tag; on ECR, the
 * one commit its sha- tags name (DescribeImages, for an image pinned by digest as build-push-ecr
 * outputs it); else its revision label, read from the config blob.
 */
export async function imageRevision(image: string, options: StoreOptions): Promise<string | undefined> {
  const where = locateImage(image);
  const tagged = commitOfTag(where.tag);
  if (tagged) return tagged;
  const reader = await readerFor(where.host, options);
  if (reader instanceof EcrReader) {
    // The short and the full form of one commit (sha-1a2b3c4, sha-1a2b3c4…) name it once, fully.
    const commits = (await reader.tagsOf(where.repository, where.reference))
      .map(commitOfTag)
      .filter((commit) => commit !== undefined)
      .sort((a, b) => b.length - a.length);
    if (commits.length && commits.every((commit) => commits[0]!.startsWith(commit))) return commits[0];
  }
  const label = (await imageLabels(reader, where.repository, where.reference))?.[REVISION_LABEL];
  return label && COMMIT.test(label) ? label : undefined;
}
