import type { ErrorCode } from '@aws-sdk/client-codedeploy';
import { AwsError } from '../http/aws-error';

/** Why a deployment CodeDeploy accepted failed before it reached ECS: its errorInformation. */
export class DeploymentFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** CodeDeploy error types, with messages worded after the service's own where they are known. */
export const codeDeployErrors = {
  applicationNameRequired: () =>
    new AwsError(
      'ApplicationNameRequiredException',
      'The minimum number of required application names was not specified.',
    ),
  applicationAlreadyExists: (name: string) =>
    new AwsError(
      'ApplicationAlreadyExistsException',
      `The application ${name} already exists with the user or AWS account.`,
    ),
  applicationDoesNotExist: (name: string) =>
    new AwsError(
      'ApplicationDoesNotExistException',
      `The application ${name} does not exist with the user or AWS account.`,
    ),
  invalidComputePlatform: (platform: string) =>
    new AwsError(
      'InvalidComputePlatformException',
      `The sandbox simulates the ECS compute platform only, not ${platform}.`,
    ),
  groupNameRequired: () =>
    new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.'),
  groupAlreadyExists: (name: string) =>
    new AwsError(
      'DeploymentGroupAlreadyExistsException',
      `The deployment group ${name} already exists with the user or AWS account.`,
    ),
  groupDoesNotExist: (name: string) =>
    new AwsError(
      'DeploymentGroupDoesNotExistException',
      `The deployment group ${name} does not exist with the user or AWS account.`,
    ),
  roleRequired: () => new AwsError('RoleRequiredException', 'The role ID was not specified.'),
  invalidEcsService: (message: string) => new AwsError('InvalidECSServiceException', message),
  invalidDeploymentStyle: () =>
    new AwsError(
      'InvalidDeploymentStyleException',
      'An ECS deployment group must use deploymentType BLUE_GREEN with deploymentOption WITH_TRAFFIC_CONTROL.',
    ),
  invalidBlueGreenConfiguration: (message: string) =>
    new AwsError('InvalidBlueGreenDeploymentConfigurationException', message),
  configDoesNotExist: (name: string) =>
    new AwsError(
      'DeploymentConfigDoesNotExistException',
      `The deployment configuration ${name} does not exist with the user or AWS account.`,
    ),
  invalidConfigName: (name: string) =>
    new AwsError(
      'InvalidDeploymentConfigNameException',
      `The deployment configuration ${name} cannot be used with the ECS compute platform.`,
    ),
  revisionRequired: () => new AwsError('RevisionRequiredException', 'RevisionLocation must be specified'),
  invalidRevision: (message: string) => new AwsError('InvalidRevisionException', message),
  deploymentLimitExceeded: (group: string, activeId: string) =>
    new AwsError(
      'DeploymentLimitExceededException',
      `The Deployment Group '${group}' already has an active Deployment '${activeId}'`,
    ),
  deploymentIdRequired: () =>
    new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.'),
  deploymentDoesNotExist: (id: string) =>
    new AwsError(
      'DeploymentDoesNotExistException',
      `The deployment ${id} does not exist with the user or AWS account.`,
    ),
  deploymentAlreadyCompleted: (id: string) =>
    new AwsError('DeploymentAlreadyCompletedException', `The deployment ${id} has already completed.`),
};
