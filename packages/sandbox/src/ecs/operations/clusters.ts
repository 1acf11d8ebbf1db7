import type {
  CreateClusterRequest,
  DeleteClusterRequest,
  DescribeClustersRequest,
  Failure,
  ListClustersRequest,
} from '@aws-sdk/client-ecs';
import { operation, paginate, type OperationTable } from '../../http/operation';
import { lastSegment } from '../arns';
import { ecsErrors } from '../errors';
import { clusterView } from '../views';
import { includesTags, type EcsContext } from './context';

export function clusterOperations({ state }: EcsContext): OperationTable {
  return {
    CreateCluster: operation((input: CreateClusterRequest) => {
      const cluster = state.createCluster(input.clusterName || 'default', input.tags ?? []);
      return { cluster: clusterView(cluster) };
    }),

    DescribeClusters: operation((input: DescribeClustersRequest) => {
      const refs = input.clusters?.length ? input.clusters : ['default'];
      const failures: Failure[] = [];
      const clusters = refs.flatMap((ref) => {
        const cluster = state.clusters.get(lastSegment(ref));
        if (cluster) return [clusterView(cluster, includesTags(input.include))];
        failures.push({ arn: ref.startsWith('arn:') ? ref : state.arns.cluster(ref), reason: 'MISSING' });
        return [];
      });
      return { clusters, failures };
    }),

    ListClusters: operation((input: ListClustersRequest) => {
      const arns = [...state.clusters.values()].map((c) => c.arn);
      const page = paginate(arns, input, { default: 100, max: 100 });
      return { clusterArns: page.items, nextToken: page.nextToken };
    }),

    DeleteCluster: operation((input: DeleteClusterRequest) => {
      const cluster = state.cluster(input.cluster);
      const busy = [...cluster.services.values()].some((s) => s.status !== 'INACTIVE');
      if (busy) throw ecsErrors.clusterContainsServices();
      state.clusters.delete(cluster.name);
      return { cluster: { ...clusterView(cluster), status: 'INACTIVE' } };
    }),
  };
}
