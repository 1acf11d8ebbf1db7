import { parse } from 'yaml';
import { DeploymentFailure } from './errors';

/** The lifecycle events an ECS AppSpec can hook a Lambda function to, in the order they happen. */
export const HOOK_EVENTS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;

export type HookEvent = (typeof HOOK_EVENTS)[number];

/** What an ECS AppSpec asks for: the task definition to deploy, where traffic goes, and the hooks. */
export interface EcsAppSpec {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  hooks: { event: HookEvent; functionArn: string }[];
}

const INVALID =
  'The deployment failed because the AppSpec file that specifies the deployment configuration is missing or has an invalid configuration.';
const NOT_WELL_FORMED = 'The input AppSpec file is a not well-formed yaml. The template cannot be parsed.';

/**
 * Parses an ECS AppSpec written in YAML or JSON; keys match case-insensitively. One that cannot be used
 * fails the deployment with INVALID_REVISION.
 */
export function parseAppSpec(content: string): EcsAppSpec {
  let document: unknown;
  try {
    document = parse(content);
  } catch {
    throw invalid(NOT_WELL_FORMED);
  }
  if (!isRecord(document)) throw invalid(NOT_WELL_FORMED);
  const version = field(document, 'version');
  if (version !== 0 && version !== '0.0') throw invalid('The AppSpec version must be 0.0.');
  return { ...targetService(field(document, 'Resources')), hooks: hooks(field(document, 'Hooks')) };
}

function targetService(resources: unknown): Omit<EcsAppSpec, 'hooks'> {
  if (!Array.isArray(resources) || resources.length !== 1 || !isRecord(resources[0])) {
    throw invalid('Resources must list exactly one AWS::ECS::Service.');
  }
  const [resource] = Object.values(resources[0]);
  if (field(resource, 'Type') !== 'AWS::ECS::Service') {
    throw invalid('The resource in Resources must have Type AWS::ECS::Service.');
  }
  const properties = field(resource, 'Properties');
  const taskDefinition = field(properties, 'TaskDefinition');
  const loadBalancerInfo = field(properties, 'LoadBalancerInfo');
  const containerName = field(loadBalancerInfo, 'ContainerName');
  const containerPort = Number(field(loadBalancerInfo, 'ContainerPort'));
  if (typeof taskDefinition !== 'string' || taskDefinition === '') {
    throw invalid('Properties.TaskDefinition must name a task definition.');
  }
  if (typeof containerName !== 'string' || containerName === '') {
    throw invalid('Properties.LoadBalancerInfo.ContainerName must name a container.');
  }
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    throw invalid('Properties.LoadBalancerInfo.ContainerPort must be a port number.');
  }
  return { taskDefinition, containerName, containerPort };
}

function hooks(section: unknown): EcsAppSpec['hooks'] {
  if (section === undefined || section === null) return [];
  if (!Array.isArray(section)) throw invalid('Hooks must be a list of lifecycle events.');
  return section.flatMap((entry: unknown) => {
    if (!isRecord(entry)) throw invalid('Each entry in Hooks maps a lifecycle event to a Lambda function.');
    return Object.entries(entry).map(([name, functionArn]) => {
      const event = HOOK_EVENTS.find((e) => e.toLowerCase() === name.toLowerCase());
      if (!event) {
        throw invalid(
          `Hooks has an unknown lifecycle event ${name}. Valid values are: ${HOOK_EVENTS.join(', ')}.`,
        );
      }
      if (typeof functionArn !== 'string' || functionArn === '') {
        throw invalid(`The ${event} hook must name a Lambda function.`);
      }
      return { event, functionArn };
    });
  });
}

function invalid(detail: string): DeploymentFailure {
  return new DeploymentFailure('INVALID_REVISION', `${INVALID} ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(node: unknown, name: string): unknown {
  if (!isRecord(node)) return undefined;
  const key = Object.keys(node).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : node[key];
}
