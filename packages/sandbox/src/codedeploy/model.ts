import type {
  AutoRollbackConfiguration,
  BlueGreenDeploymentConfiguration,
  DeploymentStyle,
  ErrorInformation,
  LoadBalancerInfo,
  RevisionLocation,
  Tag,
} from '@aws-sdk/client-codedeploy';
import type { ServiceDeploymentState, ServiceState } from '../ecs/model';
import { codeDeployErrors } from './errors';

export interface ApplicationState {
  id: string;
  name: string;
  createdAt: number;
  tags: Tag[];
  groups: Map<string, DeploymentGroupState>;
}

export interface DeploymentGroupState {
  id: string;
  applicationName: string;
  name: string;
  configName: string;
  serviceRoleArn: string;
  ecsService: { clusterName: string; serviceName: string };
  autoRollback: AutoRollbackConfiguration;
  blueGreen: BlueGreenDeploymentConfiguration;
  loadBalancerInfo?: LoadBalancerInfo;
  deploymentStyle: DeploymentStyle;
  tags: Tag[];
}

/** Where a deployment runs: the ECS service deployment that carries it out. */
export interface EcsTarget {
  service: ServiceState;
  serviceDeployment: ServiceDeploymentState;
  /** What the service ran before: where a rollback returns traffic. */
  originalTaskDefinitionArn: string;
}

/**
 * One CodeDeploy deployment. Its status is read off the ECS service deployment it started; one that
 * failed before reaching ECS (an invalid AppSpec, say) has `failure` instead.
 */
export interface DeploymentRecord {
  id: string;
  applicationName: string;
  groupName: string;
  configName: string;
  revision: RevisionLocation;
  description?: string;
  autoRollback: AutoRollbackConfiguration;
  createdAt: number;
  target?: EcsTarget;
  failure?: ErrorInformation;
  stopped?: { at: number; rollBack: boolean };
}

export class CodeDeployState {
  readonly applications = new Map<string, ApplicationState>();
  /** In creation order. */
  readonly deployments = new Map<string, DeploymentRecord>();

  application(name: string | undefined): ApplicationState {
    if (!name) throw codeDeployErrors.applicationNameRequired();
    const application = this.applications.get(name);
    if (!application) throw codeDeployErrors.applicationDoesNotExist(name);
    return application;
  }

  group(applicationName: string | undefined, groupName: string | undefined): DeploymentGroupState {
    const application = this.application(applicationName);
    if (!groupName) throw codeDeployErrors.groupNameRequired();
    const group = application.groups.get(groupName);
    if (!group) throw codeDeployErrors.groupDoesNotExist(groupName);
    return group;
  }

  deployment(id: string | undefined): DeploymentRecord {
    if (!id) throw codeDeployErrors.deploymentIdRequired();
    const deployment = this.deployments.get(id);
    if (!deployment) throw codeDeployErrors.deploymentDoesNotExist(id);
    return deployment;
  }

  deploymentsOf(group: DeploymentGroupState): DeploymentRecord[] {
    return [...this.deployments.values()].filter(
      (d) => d.applicationName === group.applicationName && d.groupName === group.name,
    );
  }
}
