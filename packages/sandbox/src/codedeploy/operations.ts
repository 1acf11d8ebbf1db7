import type {
  CreateApplicationInput,
  CreateDeploymentGroupInput,
  CreateDeploymentInput,
  DeploymentStyle,
  GetApplicationInput,
  GetDeploymentGroupInput,
  GetDeploymentInput,
  ListDeploymentsInput,
  RevisionLocation,
  StopDeploymentInput,
} from '@aws-sdk/client-codedeploy';
import type { EcsState } from '../ecs/model';
import type { Simulation } from '../ecs/simulation';
import { AwsError } from '../http/aws-error';
import { operation, paginate, type OperationTable } from '../http/operation';
import type { SeededRandom } from '../random';
import { parseAppSpec } from './appspec';
import { codeDeployErrors, DeploymentFailure } from './errors';
import type { CodeDeployState, DeploymentGroupState, DeploymentRecord } from './model';
import { checkedConfigName, checkedEcsService, DEFAULT_CONFIG_NAME, startOnEcs } from './rollout';
import { applicationView, deploymentGroupView, deploymentView, isActive, statusOf } from './views';

export interface CodeDeployContext {
  store: CodeDeployState;
  ecs: EcsState;
  simulation: Simulation;
  random: SeededRandom;
}

const ECS_DEPLOYMENT_STYLE: DeploymentStyle = {
  deploymentType: 'BLUE_GREEN',
  deploymentOption: 'WITH_TRAFFIC_CONTROL',
};
const MAX_TERMINATION_WAIT_MINUTES = 2880;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** CodeDeploy for the ECS compute platform: applications, deployment groups and deployments. */
export function codeDeployOperations(context: CodeDeployContext): OperationTable {
  const { store, ecs, simulation, random } = context;
  const wallNow = () => simulation.context.clock.wallNow();

  return {
    CreateApplication: operation((input: CreateApplicationInput) => {
      const name = input.applicationName;
      if (!name) throw codeDeployErrors.applicationNameRequired();
      if (store.applications.has(name)) throw codeDeployErrors.applicationAlreadyExists(name);
      const platform = input.computePlatform ?? 'Server';
      if (platform !== 'ECS') throw codeDeployErrors.invalidComputePlatform(platform);
      const id = random.uuid();
      store.applications.set(name, {
        id,
        name,
        createdAt: wallNow(),
        tags: input.tags ?? [],
        groups: new Map(),
      });
      return { applicationId: id };
    }),

    GetApplication: operation((input: GetApplicationInput) => ({
      application: applicationView(store.application(input.applicationName)),
    })),

    CreateDeploymentGroup: operation((input: CreateDeploymentGroupInput) => {
      const application = store.application(input.applicationName);
      const name = input.deploymentGroupName;
      if (!name) throw codeDeployErrors.groupNameRequired();
      if (application.groups.has(name)) throw codeDeployErrors.groupAlreadyExists(name);
      if (!input.serviceRoleArn) throw codeDeployErrors.roleRequired();
      const group: DeploymentGroupState = {
        id: random.uuid(),
        applicationName: application.name,
        name,
        configName: checkedConfigName(input.deploymentConfigName ?? DEFAULT_CONFIG_NAME),
        serviceRoleArn: input.serviceRoleArn,
        ecsService: checkedEcsService(ecs, input.ecsServices),
        autoRollback: input.autoRollbackConfiguration ?? { enabled: false, events: [] },
        blueGreen: checkedBlueGreen(input.blueGreenDeploymentConfiguration ?? {}),
        loadBalancerInfo: input.loadBalancerInfo,
        deploymentStyle: checkedStyle(input.deploymentStyle),
        tags: input.tags ?? [],
      };
      application.groups.set(name, group);
      return { deploymentGroupId: group.id };
    }),

    GetDeploymentGroup: operation((input: GetDeploymentGroupInput) => {
      const group = store.group(input.applicationName, input.deploymentGroupName);
      return { deploymentGroupInfo: deploymentGroupView(group, store.deploymentsOf(group)) };
    }),

    CreateDeployment: operation((input: CreateDeploymentInput) => {
      const group = store.group(input.applicationName, input.deploymentGroupName);
      const content = appSpecContent(input.revision);
      const configName = checkedConfigName(input.deploymentConfigName ?? group.configName);
      const active = store.deploymentsOf(group).find(isActive);
      if (active) throw codeDeployErrors.deploymentLimitExceeded(group.name, active.id);
      const deployment: DeploymentRecord = {
        id: deploymentId(random),
        applicationName: group.applicationName,
        groupName: group.name,
        configName,
        revision: input.revision!,
        description: input.description,
        autoRollback: input.autoRollbackConfiguration ?? group.autoRollback,
        createdAt: wallNow(),
      };
      try {
        deployment.target = startOnEcs(ecs, simulation.scheduler, group, configName, parseAppSpec(content));
      } catch (error) {
        if (!(error instanceof DeploymentFailure)) throw error;
        deployment.failure = { code: error.code, message: error.message };
      }
      store.deployments.set(deployment.id, deployment);
      return { deploymentId: deployment.id };
    }),

    GetDeployment: operation((input: GetDeploymentInput) => {
      const deployment = store.deployment(input.deploymentId);
      const group = store.group(deployment.applicationName, deployment.groupName);
      return { deploymentInfo: deploymentView(deployment, group) };
    }),

    StopDeployment: operation((input: StopDeploymentInput) => {
      const deployment = store.deployment(input.deploymentId);
      if (!isActive(deployment)) throw codeDeployErrors.deploymentAlreadyCompleted(deployment.id);
      const { service, serviceDeployment } = deployment.target!;
      simulation.scheduler.stopStagedDeployment(
        service,
        serviceDeployment,
        `CodeDeploy deployment ${deployment.id} was stopped.`,
      );
      deployment.stopped = { at: wallNow(), rollBack: !!input.autoRollbackEnabled };
      return { status: 'Pending', statusMessage: 'Stopping Active deployment' };
    }),

    ListDeployments: operation((input: ListDeploymentsInput) => {
      const statuses = input.includeOnlyStatuses ?? [];
      const listed = deploymentsToList(store, input)
        .filter((d) => statuses.length === 0 || statuses.includes(statusOf(d)))
        .reverse()
        .map((d) => d.id);
      const page = paginate(listed, input, { default: 100, max: 100 }, invalidNextToken);
      return { deployments: page.items, nextToken: page.nextToken };
    }),
  };
}

/** The AppSpec of an AppSpecContent or String revision; the sandbox cannot fetch S3 or GitHub ones. */
function appSpecContent(revision: RevisionLocation | undefined): string {
  if (!revision) throw codeDeployErrors.revisionRequired();
  const { revisionType } = revision;
  if (revisionType !== 'AppSpecContent' && revisionType !== 'String') {
    throw codeDeployErrors.invalidRevision(
      `The sandbox simulates AppSpecContent and String revisions only, not ${String(revisionType)}.`,
    );
  }
  const content =
    revisionType === 'AppSpecContent' ? revision.appSpecContent?.content : revision.string?.content;
  if (!content) throw codeDeployErrors.invalidRevision('The revision has no AppSpec content.');
  return content;
}

/** Both names narrow the list to one group; neither lists every deployment. */
function deploymentsToList(store: CodeDeployState, input: ListDeploymentsInput): DeploymentRecord[] {
  if (input.applicationName && !input.deploymentGroupName) throw codeDeployErrors.groupNameRequired();
  if (input.deploymentGroupName && !input.applicationName) throw codeDeployErrors.applicationNameRequired();
  if (!input.applicationName) return [...store.deployments.values()];
  return store.deploymentsOf(store.group(input.applicationName, input.deploymentGroupName));
}

function checkedStyle(style: DeploymentStyle | undefined): DeploymentStyle {
  if (!style) return ECS_DEPLOYMENT_STYLE;
  const ecsStyle =
    style.deploymentType === ECS_DEPLOYMENT_STYLE.deploymentType &&
    style.deploymentOption === ECS_DEPLOYMENT_STYLE.deploymentOption;
  if (!ecsStyle) throw codeDeployErrors.invalidDeploymentStyle();
  return style;
}

function checkedBlueGreen(
  configuration: DeploymentGroupState['blueGreen'],
): DeploymentGroupState['blueGreen'] {
  const wait = configuration.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes;
  if (wait !== undefined && (!Number.isInteger(wait) || wait < 0 || wait > MAX_TERMINATION_WAIT_MINUTES)) {
    throw codeDeployErrors.invalidBlueGreenConfiguration(
      `terminationWaitTimeInMinutes must be between 0 and ${MAX_TERMINATION_WAIT_MINUTES}.`,
    );
  }
  return configuration;
}

/** "d-" and nine upper-case letters and digits, as CodeDeploy's ids look. */
function deploymentId(random: SeededRandom): string {
  let id = 'd-';
  for (let i = 0; i < 9; i++) id += ID_ALPHABET.charAt(random.int(ID_ALPHABET.length));
  return id;
}

function invalidNextToken(message: string): AwsError {
  return new AwsError('InvalidNextTokenException', message);
}
