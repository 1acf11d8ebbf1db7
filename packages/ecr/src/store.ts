import {
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { SlipwayError, awsErrorName } from '@slipway/kit';
import { ECR } from './codes';
import { ImageReader, ImageStore, Manifest, ecrManifests } from './manifests';

/** ECR read through its API: BatchGetImage for manifests, a download URL for a blob. */
export class EcrReader implements ImageReader {
  constructor(
    protected readonly ecr: ECRClient,
    readonly host: string,
    protected readonly registryId?: string,
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
      return [...new Set((answer.imageDetails ?? []).flatMap((d) => d.imageTags ?? []))].sort();
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

/** Amazon ECR through its API, as publish uses it: PutImage adds a tag to a manifest it read. */
export class EcrStore extends EcrReader implements ImageStore {
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
