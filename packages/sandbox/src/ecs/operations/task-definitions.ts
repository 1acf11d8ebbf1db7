import type {
  DeregisterTaskDefinitionRequest,
  DescribeTaskDefinitionRequest,
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionsRequest,
  RegisterTaskDefinitionRequest,
} from '@aws-sdk/client-ecs';
import { operation, paginate, type OperationTable } from '../../http/operation';
import { ecsErrors } from '../errors';
import { registerTaskDefinition } from '../task-definitions';
import { includesTags, type EcsContext } from './context';

export function taskDefinitionOperations({ state, simulation }: EcsContext): OperationTable {
  const allRevisions = () => [...state.taskDefinitions.values()].flat();

  return {
    RegisterTaskDefinition: operation((input: RegisterTaskDefinitionRequest) => {
      const registered = registerTaskDefinition(state, input, simulation.context.clock.wallNow());
      return { taskDefinition: registered.definition, tags: registered.tags };
    }),

    DescribeTaskDefinition: operation((input: DescribeTaskDefinitionRequest) => {
      const found = input.taskDefinition ? state.findTaskDefinition(input.taskDefinition) : undefined;
      if (!found) throw ecsErrors.unableToDescribeTaskDefinition();
      return { taskDefinition: found.definition, tags: includesTags(input.include) ? found.tags : undefined };
    }),

    DeregisterTaskDefinition: operation((input: DeregisterTaskDefinitionRequest) => {
      const ref = input.taskDefinition ?? '';
      if (!/:\d+$/.test(ref)) throw ecsErrors.client('Revision is missing.');
      const found = state.findTaskDefinition(ref);
      if (!found) throw ecsErrors.client('The specified task definition does not exist.');
      if (found.definition.status === 'ACTIVE') {
        found.definition.status = 'INACTIVE';
        found.definition.deregisteredAt = new Date(simulation.context.clock.wallNow());
      }
      return { taskDefinition: found.definition };
    }),

    ListTaskDefinitions: operation((input: ListTaskDefinitionsRequest) => {
      const status = input.status ?? 'ACTIVE';
      const matching = allRevisions()
        .map((r) => r.definition)
        .filter((d) => d.status === status && (!input.familyPrefix || d.family === input.familyPrefix))
        .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
      if (input.sort === 'DESC') matching.reverse();
      const page = paginate(
        matching.map((d) => d.taskDefinitionArn),
        input,
        { default: 100, max: 100 },
      );
      return { taskDefinitionArns: page.items, nextToken: page.nextToken };
    }),

    ListTaskDefinitionFamilies: operation((input: ListTaskDefinitionFamiliesRequest) => {
      const status = input.status ?? 'ACTIVE';
      const families = [...state.taskDefinitions.entries()]
        .filter(([family]) => !input.familyPrefix || family.startsWith(input.familyPrefix))
        .filter(([, revisions]) => {
          const active = revisions.some((r) => r.definition.status === 'ACTIVE');
          return status === 'ALL' || (status === 'ACTIVE' ? active : !active);
        })
        .map(([family]) => family)
        .sort();
      const page = paginate(families, input, { default: 100, max: 100 });
      return { families: page.items, nextToken: page.nextToken };
    }),
  };
}
