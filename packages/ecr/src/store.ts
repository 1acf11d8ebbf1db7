import { DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { SlipwayError, awsErrorName } from '@slipway/kit';
import { ECR } from './codes';
import { ImageStore, Manifest, ecrManifests } from './manifests';

/** Amazon ECR through its API: BatchGetImage reads manifests, PutImage adds a tag to one. */
export class EcrStore implements ImageStore {
  constructor(
    private readonly ecr: ECRClient,
    readonly host: string,
    private readonly registryId?: string,
  ) {}

  manifests(repository: string, references: string[]): Promise<Map<string, Manifest>> {
    return ecrManifests(this.ecr, this.registryId, repository, references);
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

  async tagsOf(repository: string, digest: string): Promise<string[]> {
    const answer = await this.ecr.send(
      new DescribeImagesCommand({
        registryId: this.registryId,
        repositoryName: repository,
        imageIds: [{ imageDigest: digest }],
      }),
    );
    return [...new Set((answer.imageDetails ?? []).flatMap((d) => d.imageTags ?? []))].sort();
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
