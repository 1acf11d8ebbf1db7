import type {
  ListTagsForResourceRequest,
  Tag,
  TagResourceRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-ecs';
import { operation, type OperationTable } from '../../http/operation';
import { parseResourceArn } from '../arns';
import { ecsErrors } from '../errors';
import type { EcsState } from '../model';
import type { EcsContext } from './context';

interface Tagged {
  tags: Tag[];
}

export function tagOperations({ state }: EcsContext): OperationTable {
  return {
    TagResource: operation((input: TagResourceRequest) => {
      const resource = taggedResource(state, input.resourceArn);
      const added = input.tags ?? [];
      const addedKeys = new Set(added.map((t) => t.key));
      resource.tags = [...resource.tags.filter((t) => !addedKeys.has(t.key)), ...added];
      return {};
    }),

    UntagResource: operation((input: UntagResourceRequest) => {
      const resource = taggedResource(state, input.resourceArn);
      const removed = new Set(input.tagKeys ?? []);
      resource.tags = resource.tags.filter((t) => !removed.has(t.key ?? ''));
      return {};
    }),

    ListTagsForResource: operation((input: ListTagsForResourceRequest) => {
      return { tags: taggedResource(state, input.resourceArn).tags };
    }),
  };
}

function taggedResource(state: EcsState, arn: string | undefined): Tagged {
  const parsed = arn ? parseResourceArn(arn) : undefined;
  if (!arn || !parsed) throw ecsErrors.invalidParameter('The ARN provided is invalid.');
  const [clusterName = '', child = ''] = parsed.path.split('/');
  const found = (() => {
    switch (parsed.kind) {
      case 'cluster':
        return state.clusters.get(clusterName);
      case 'service':
        return state.clusters.get(clusterName)?.services.get(child);
      case 'task':
        return state.clusters.get(clusterName)?.tasks.get(child);
      case 'task-definition':
        return state.findTaskDefinition(arn);
    }
  })();
  if (!found) throw ecsErrors.resourceNotFound();
  return found;
}
