import { readFile } from 'node:fs/promises';
// CodeDeploy's module is loaded (with its client, by the deploy context) only for CODE_DEPLOY services.
import type { CodeDeployClient, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { Service } from '@aws-sdk/client-ecs';
import { ConfigurationError, awsErrorName } from '@slipway/kit';
import { ECS } from './codes';
import { Decision, Judgement, PollOptions, Verdict, pollToVerdicts } from './polling';

/** Where a CODE_DEPLOY service's deployments go, and the AppSpec to start them with. */
export interface CodeDeploySettings {
  application?: string;
  deploymentGroup?: string;
  /** An AppSpec file (YAML or JSON) whose TaskDefinition is replaced by the new revision. */
  appSpecPath?: string;
}

export interface CodeDeployTarget {
  application: string;
  deploymentGroup: string;
}

export function isCodeDeployService(service: Service): boolean {
  return service.deploymentController?.type === 'CODE_DEPLOY';
}

/** The names the ECS console gives a service's CodeDeploy application and group, unless told otherwise. */
export function codeDeployTarget(
  cluster: string,
  service: string,
  settings: CodeDeploySettings,
): CodeDeployTarget {
  return {
    application: settings.application ?? `AppECS-${cluster}-${service}`,
    deploymentGroup: settings.deploymentGroup ?? `DgpECS-${cluster}-${service}`,
  };
}

interface AppSpecTarget {
  TargetService?: {
    Type?: string;
    Properties?: {
      TaskDefinition?: string;
      LoadBalancerInfo?: { ContainerName?: string; ContainerPort?: number };
    };
  };
}

const invalidAppSpec = (problem: string) =>
  new ConfigurationError(ECS.INVALID_APPSPEC, `Input "codedeploy-appspec": ${problem}`, {
    remedy:
      'An ECS AppSpec has version 0.0 and Resources: [{TargetService: {Type: AWS::ECS::Service, Properties: {TaskDefinition, LoadBalancerInfo: {ContainerName, ContainerPort}}}}].',
  });

/**
 * The AppSpec for a new revision: the given file with its TaskDefinition pointed at the revision, or
 * one generated from the service's load balancer (the container and port CodeDeploy shifts traffic to).
 */
export async function appSpecFor(
  service: Service,
  taskDefinitionArn: string,
  appSpecPath: string | undefined,
): Promise<string> {
  if (appSpecPath) return renderAppSpec(await readAppSpec(appSpecPath), taskDefinitionArn);
  const balancer = service.loadBalancers?.find((lb) => lb.containerName && lb.containerPort);
  if (!balancer) {
    throw new ConfigurationError(
      ECS.INVALID_APPSPEC,
      `Service "${service.serviceName}" uses CodeDeploy but has no load balancer naming a container and port, so no AppSpec can be generated.`,
      { remedy: 'Give an AppSpec file in "codedeploy-appspec".' },
    );
  }
  return renderAppSpec(
    {
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: taskDefinitionArn,
              LoadBalancerInfo: {
                ContainerName: balancer.containerName,
                ContainerPort: balancer.containerPort,
              },
            },
          },
        },
      ],
    },
    taskDefinitionArn,
  );
}

async function readAppSpec(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalidAppSpec(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return (await import('yaml')).parse(text);
  } catch (error) {
    throw invalidAppSpec(`${path} is neither YAML nor JSON: ${(error as Error).message}`);
  }
}

export function renderAppSpec(appSpec: unknown, taskDefinitionArn: string): string {
  const resources = (appSpec as { Resources?: unknown } | null)?.Resources;
  const targets = Array.isArray(resources)
    ? (resources as AppSpecTarget[]).filter((r) => r?.TargetService?.Type === 'AWS::ECS::Service')
    : [];
  if (targets.length !== 1) throw invalidAppSpec('it must have exactly one AWS::ECS::Service TargetService.');
  const properties = targets[0]!.TargetService!.Properties;
  const lb = properties?.LoadBalancerInfo;
  if (!lb?.ContainerName || typeof lb.ContainerPort !== 'number') {
    throw invalidAppSpec('LoadBalancerInfo needs ContainerName and a numeric ContainerPort.');
  }
  properties!.TaskDefinition = taskDefinitionArn;
  return JSON.stringify(appSpec);
}

/** Fails with a clear error, before anything changes, when the application or group is missing. */
export async function checkCodeDeployTarget(
  codedeploy: CodeDeployClient,
  target: CodeDeployTarget,
): Promise<void> {
  const { GetDeploymentGroupCommand } = await import('@aws-sdk/client-codedeploy');
  try {
    await codedeploy.send(
      new GetDeploymentGroupCommand({
        applicationName: target.application,
        deploymentGroupName: target.deploymentGroup,
      }),
    );
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ApplicationDoesNotExistException' || name === 'DeploymentGroupDoesNotExistException') {
      throw new ConfigurationError(
        ECS.CODEDEPLOY_GROUP_NOT_FOUND,
        `CodeDeploy ${name === 'ApplicationDoesNotExistException' ? `application "${target.application}"` : `deployment group "${target.deploymentGroup}" of application "${target.application}"`} was not found.`,
        {
          remedy:
            'Set "codedeploy-application" and "codedeploy-deployment-group" to the ones the service deploys with (the console names them AppECS-<cluster>-<service> and DgpECS-<cluster>-<service>).',
          cause: error,
        },
      );
    }
    throw error;
  }
}

export async function startCodeDeployment(
  codedeploy: CodeDeployClient,
  target: CodeDeployTarget,
  appSpec: string,
  rollbackOnFailure: boolean,
): Promise<string> {
  const { CreateDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
  const answer = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: target.application,
      deploymentGroupName: target.deploymentGroup,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } },
      autoRollbackConfiguration: rollbackOnFailure
        ? { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] }
        : { enabled: false },
      description: 'Slipway ecs-deploy',
    }),
  );
  return answer.deploymentId!;
}

/** CodeDeploy's own words about a finished deployment. */
export function judgeCodeDeployment(info: DeploymentInfo): Judgement {
  const error = info.errorInformation;
  const said = error?.code ? `CodeDeploy ${error.code}: ${error.message ?? ''}`.trim() : '';
  switch (info.status) {
    case 'Succeeded':
      return { verdict: 'SUCCEEDED', reason: 'CodeDeploy deployment Succeeded' };
    case 'Failed':
    case 'Stopped': {
      const rolledBack = !!info.rollbackInfo?.rollbackDeploymentId || !!info.rollbackInfo?.rollbackMessage;
      const verdict: Verdict = rolledBack ? 'ROLLED_BACK' : 'FAILED';
      const rollback = info.rollbackInfo?.rollbackMessage ? ` ${info.rollbackInfo.rollbackMessage}` : '';
      return {
        verdict,
        reason: `${said || `CodeDeploy deployment ${info.status}`}.${rollback}`.replace('..', '.'),
      };
    }
    default: {
      const overview = info.deploymentOverview;
      const counts = overview
        ? `; targets: ${overview.InProgress ?? 0} in progress, ${overview.Succeeded ?? 0} succeeded, ${overview.Failed ?? 0} failed`
        : '';
      const waiting = info.instanceTerminationWaitTimeStarted
        ? ', traffic shifted, waiting to end the original tasks'
        : '';
      return { reason: `CodeDeploy ${info.status ?? 'unknown'}${waiting}${counts}` };
    }
  }
}

export interface CodeDeployOutcome extends Decision {
  info?: DeploymentInfo;
}

/**
 * Follows CodeDeploy deployments (keyed by service) to verdicts. One that runs past the deadline is
 * stopped, rolling back when asked to.
 */
export async function trackCodeDeployments(
  codedeploy: CodeDeployClient,
  deployments: Map<string, string>,
  options: PollOptions & { rollbackOnFailure: boolean },
): Promise<Map<string, CodeDeployOutcome>> {
  const { GetDeploymentCommand, StopDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
  const last = new Map<string, DeploymentInfo>();
  const verdicts = await pollToVerdicts(
    [...deployments.keys()],
    async (pending) => {
      const answers = await Promise.all(
        pending.map(async (service) => {
          const answer = await codedeploy.send(
            new GetDeploymentCommand({ deploymentId: deployments.get(service) }),
          );
          return [service, answer.deploymentInfo ?? {}] as const;
        }),
      );
      for (const [service, info] of answers) last.set(service, info);
      return new Map(answers.map(([service, info]) => [service, judgeCodeDeployment(info)]));
    },
    options,
  );
  for (const [service, verdict] of verdicts) {
    if (verdict.verdict !== 'TIMED_OUT') continue;
    await codedeploy
      .send(
        new StopDeploymentCommand({
          deploymentId: deployments.get(service),
          autoRollbackEnabled: options.rollbackOnFailure,
        }),
      )
      .then(
        () => options.logger.warning(`${service}: stopped CodeDeploy deployment ${deployments.get(service)}`),
        (error) =>
          options.logger.warning(
            `${service}: could not stop the CodeDeploy deployment: ${(error as Error).message}`,
          ),
      );
  }
  return new Map(
    [...verdicts].map(([service, verdict]) => [service, { ...verdict, info: last.get(service) }]),
  );
}
