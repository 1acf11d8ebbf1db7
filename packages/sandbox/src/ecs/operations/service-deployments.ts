import type {
  DescribeServiceDeploymentsRequest,
  Failure,
  ListServiceDeploymentsRequest,
} from '@aws-sdk/client-ecs';
import { operation, paginate, type OperationTable } from '../../http/operation';
import { ecsErrors } from '../errors';
import type { ClusterState, ServiceDeploymentState, ServiceState } from '../model';
import { serviceDeploymentBriefView, serviceDeploymentView } from '../views';
import type { EcsContext } from './context';

const MAX_DESCRIBED_SERVICE_DEPLOYMENTS = 20;

/** A timestamp as the JSON protocol sends it (epoch seconds), or as a Date in-process. */
function millis(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value * 1000;
  const parsed = Date.parse(String(value));
  if (Number.isNaN(parsed)) throw ecsErrors.invalidParameter('createdAt must be a timestamp.');
  return parsed;
}

export function serviceDeploymentOperations({ state }: EcsContext): OperationTable {
  /** The cluster, service and service deployment an ARN names, if it still exists. */
  function find(
    arn: string,
  ): { cluster: ClusterState; service: ServiceState; sd: ServiceDeploymentState } | undefined {
    const match = /^arn:aws[\w-]*:ecs:[^:]*:\d*:service-deployment\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(arn);
    if (!match) return undefined;
    const cluster = state.clusters.get(match[1] as string);
    const service = cluster?.services.get(match[2] as string);
    const sd = service?.serviceDeployments.find((s) => s.arn === arn);
    return cluster && service && sd ? { cluster, service, sd } : undefined;
  }

  return {
    ListServiceDeployments: operation((input: ListServiceDeploymentsRequest) => {
      const cluster = state.cluster(input.cluster);
      if (!input.service) throw ecsErrors.invalidParameter('service must be specified.');
      const service = state.service(cluster, input.service);
      if (!service) throw ecsErrors.serviceNotFound();
      const after = millis(input.createdAt?.after);
      const before = millis(input.createdAt?.before);
      const statuses = input.status ?? [];
      const matching = service.serviceDeployments.filter(
        (sd) =>
          (statuses.length === 0 || statuses.includes(sd.status)) &&
          (after === undefined || sd.createdAt >= after) &&
          (before === undefined || sd.createdAt <= before),
      );
      const page = paginate(matching, input, { default: 20, max: 100 });
      return {
        serviceDeployments: page.items.map((sd) =>
          serviceDeploymentBriefView(cluster, service, sd, state.arns),
        ),
        nextToken: page.nextToken,
      };
    }),

    DescribeServiceDeployments: operation((input: DescribeServiceDeploymentsRequest) => {
      const arns = input.serviceDeploymentArns ?? [];
      if (arns.length === 0) throw ecsErrors.invalidParameter('serviceDeploymentArns cannot be empty.');
      if (arns.length > MAX_DESCRIBED_SERVICE_DEPLOYMENTS) {
        throw ecsErrors.invalidParameter(
          `serviceDeploymentArns can have at most ${MAX_DESCRIBED_SERVICE_DEPLOYMENTS} items.`,
        );
      }
      const failures: Failure[] = [];
      const serviceDeployments = arns.flatMap((arn) => {
        const found = find(arn);
        if (found) return [serviceDeploymentView(found.cluster, found.service, found.sd, state.arns)];
        failures.push({ arn, reason: 'MISSING' });
        return [];
      });
      return { serviceDeployments, failures };
    }),
  };
}
