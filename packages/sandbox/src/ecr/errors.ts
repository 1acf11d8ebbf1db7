import type { ImageIdentifier } from '@aws-sdk/client-ecr';
import { AwsError } from '../http/aws-error';

interface Located {
  registryId: string;
  name: string;
}

const quoted = (value: string | undefined) => (value === undefined ? 'null' : `'${value}'`);

/** ECR error types with the messages ECR answers. */
export const ecrErrors = {
  invalidParameter: (message: string) => new AwsError('InvalidParameterException', message),
  invalidTagParameter: (message: string) => new AwsError('InvalidTagParameterException', message),
  tooManyTags: () =>
    new AwsError('TooManyTagsException', 'The list of tags on the repository is over the limit of 50.'),
  repositoryNotFound: ({ registryId, name }: Located) =>
    new AwsError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
    ),
  repositoryAlreadyExists: ({ registryId, name }: Located) =>
    new AwsError(
      'RepositoryAlreadyExistsException',
      `The repository with name '${name}' already exists in the registry with id '${registryId}'`,
    ),
  lifecyclePolicyNotFound: ({ registryId, name }: Located) =>
    new AwsError(
      'LifecyclePolicyNotFoundException',
      `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${registryId}'`,
    ),
  imageNotFound: ({ registryId, name }: Located, id: ImageIdentifier) =>
    new AwsError(
      'ImageNotFoundException',
      `The image with imageId {imageDigest:${quoted(id.imageDigest)}, imageTag:${quoted(id.imageTag)}} does not exist within the repository with name '${name}' in the registry with id '${registryId}'`,
    ),
  imageAlreadyExists: ({ registryId, name }: Located, digest: string, tag: string | undefined) =>
    new AwsError(
      'ImageAlreadyExistsException',
      `Image with digest '${digest}'${tag === undefined ? '' : ` and tag '${tag}'`} already exists in the repository with name '${name}' in registry with id '${registryId}'`,
    ),
  imageTagAlreadyExists: ({ name }: Located, tag: string) =>
    new AwsError(
      'ImageTagAlreadyExistsException',
      `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`,
    ),
  imageDigestDoesNotMatch: (given: string, computed: string) =>
    new AwsError(
      'ImageDigestDoesNotMatchException',
      `The specified image digest '${given}' does not match the digest '${computed}' calculated for the image manifest.`,
    ),
};
