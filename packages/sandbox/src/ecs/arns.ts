/** Builds and reads ECS ARNs for one region and account. */
export class EcsArns {
  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  private prefix(): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}`;
  }

  cluster(name: string): string {
    return `${this.prefix()}:cluster/${name}`;
  }

  service(cluster: string, name: string): string {
    return `${this.prefix()}:service/${cluster}/${name}`;
  }

  serviceDeployment(cluster: string, service: string, id: string): string {
    return `${this.prefix()}:service-deployment/${cluster}/${service}/${id}`;
  }

  /** A deployment's revision: ECS numbers it as the deployment (ecs-svc/<n>). */
  serviceRevision(cluster: string, service: string, deploymentId: string): string {
    return `${this.prefix()}:service-revision/${cluster}/${service}/${lastSegment(deploymentId)}`;
  }

  task(cluster: string, taskId: string): string {
    return `${this.prefix()}:task/${cluster}/${taskId}`;
  }

  container(cluster: string, taskId: string, containerId: string): string {
    return `${this.prefix()}:container/${cluster}/${taskId}/${containerId}`;
  }

  taskDefinition(family: string, revision: number): string {
    return `${this.prefix()}:task-definition/${family}:${revision}`;
  }
}

/** A name or an ARN ending in "/name" gives the name. */
export function lastSegment(nameOrArn: string): string {
  return nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1);
}

export type ResourceKind = 'cluster' | 'service' | 'task' | 'task-definition';

export interface ParsedResourceArn {
  kind: ResourceKind;
  /** The part after "<kind>/", e.g. "cluster/name" for a service or "family:3" for a task definition. */
  path: string;
}

export function parseResourceArn(arn: string): ParsedResourceArn | undefined {
  const match = /^arn:aws[\w-]*:ecs:[^:]*:\d*:(cluster|service|task-definition|task)\/(.+)$/.exec(arn);
  if (!match) return undefined;
  return { kind: match[1] as ResourceKind, path: match[2] as string };
}
