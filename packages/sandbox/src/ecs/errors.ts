import { AwsError } from '../http/aws-error';

/** ECS error types with the messages ECS answers. */
export const ecsErrors = {
  clusterNotFound: () => new AwsError('ClusterNotFoundException', 'Cluster not found.'),
  clusterContainsServices: () =>
    new AwsError(
      'ClusterContainsServicesException',
      'The Cluster cannot be deleted while Services are active.',
    ),
  serviceNotFound: () => new AwsError('ServiceNotFoundException', 'Service not found.'),
  serviceNotActive: () => new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.'),
  taskDefinitionNotFound: () => new AwsError('ClientException', 'TaskDefinition not found.'),
  taskDefinitionInactive: () => new AwsError('ClientException', 'TaskDefinition is inactive'),
  unableToDescribeTaskDefinition: () =>
    new AwsError('ClientException', 'Unable to describe task definition.'),
  client: (message: string) => new AwsError('ClientException', message),
  invalidParameter: (message: string) => new AwsError('InvalidParameterException', message),
  deployedByCodeDeploy: () =>
    new AwsError(
      'InvalidParameterException',
      'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    ),
  resourceNotFound: () => new AwsError('ResourceNotFoundException', 'The specified resource is not found.'),
};
