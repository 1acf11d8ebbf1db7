import type { OperationTable } from '../../http/operation';
import { clusterOperations } from './clusters';
import type { EcsContext } from './context';
import { serviceDeploymentOperations } from './service-deployments';
import { serviceOperations } from './services';
import { tagOperations } from './tags';
import { taskDefinitionOperations } from './task-definitions';
import { taskOperations } from './tasks';

export type { EcsContext } from './context';

export function ecsOperations(context: EcsContext): OperationTable {
  return {
    ...clusterOperations(context),
    ...taskDefinitionOperations(context),
    ...serviceOperations(context),
    ...serviceDeploymentOperations(context),
    ...taskOperations(context),
    ...tagOperations(context),
  };
}
