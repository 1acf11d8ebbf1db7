import { DescribeServicesCommand, ECSClient, Service } from '@aws-sdk/client-ecs';
import { ConfigurationError, awsErrorName } from '@slipway/kit';
import { ECS } from './codes';

/** Describes any number of services, ten per DescribeServices call (ECS's limit). */
export async function describeServices(ecs: ECSClient, cluster: string, names: string[]): Promise<Service[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += 10) chunks.push(names.slice(i, i + 10));
  const answers = await Promise.all(
    chunks.map((services) => ecs.send(new DescribeServicesCommand({ cluster, services }))),
  );
  return answers.flatMap((answer) => answer.services ?? []);
}

export interface ServiceLookup {
  /** The codes the calling action documents for a missing cluster and a missing service. */
  codes: { clusterNotFound: string; serviceNotFound: string };
  /**
   * Whether a service that is not ACTIVE (draining after a delete) counts as missing: a deploy cannot
   * update it, while validation reports its status as a failed check.
   */
  activeOnly: boolean;
}

/** ecs-deploy's: only an ACTIVE service can be updated. */
const DEPLOY_LOOKUP: ServiceLookup = {
  codes: { clusterNotFound: ECS.CLUSTER_NOT_FOUND, serviceNotFound: ECS.SERVICE_NOT_FOUND },
  activeOnly: true,
};

/**
 * The named services, in their order, before anything acts on them: a missing cluster or service is a
 * ConfigurationError naming its input, with every missing service listed at once.
 */
export async function findServices(
  ecs: ECSClient,
  cluster: string,
  names: string[],
  { codes, activeOnly }: ServiceLookup = DEPLOY_LOOKUP,
): Promise<Service[]> {
  let services: Service[];
  try {
    services = await describeServices(ecs, cluster, names);
  } catch (error) {
    if (awsErrorName(error) !== 'ClusterNotFoundException') throw error;
    throw new ConfigurationError(
      codes.clusterNotFound,
      `Input "cluster": cluster "${cluster}" was not found.`,
      {
        remedy: 'Check the cluster name and the region (the "region" input or AWS_REGION).',
      },
    );
  }
  const found = new Map(
    services.filter((s) => !activeOnly || s.status === 'ACTIVE').map((s) => [s.serviceName!, s]),
  );
  const missing = names.filter((name) => !found.has(name));
  if (missing.length) {
    throw new ConfigurationError(
      codes.serviceNotFound,
      `Input "services": ${missing.map((m) => `"${m}"`).join(', ')} not found${activeOnly ? ' (or not ACTIVE)' : ''} in cluster "${cluster}".`,
      {
        remedy: activeOnly
          ? 'Check the service names; create a service before deploying to it.'
          : 'Check the service names and the cluster.',
      },
    );
  }
  return names.map((name) => found.get(name)!);
}
