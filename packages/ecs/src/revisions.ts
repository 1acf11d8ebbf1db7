import { DeregisterTaskDefinitionCommand, ECSClient, paginateListTaskDefinitions } from '@aws-sdk/client-ecs';
import { Logger } from '@slipway/kit';
import { familyOf } from './taskdef';

/**
 * Deregisters ACTIVE revisions beyond the newest `keep` of each family, never one a service just ran
 * (so a rollback target always survives).
 */
export async function pruneRevisions(
  ecs: ECSClient,
  deployed: { taskDefinitionArn: string; previousTaskDefinitionArn: string }[],
  keep: number,
  logger: Logger,
): Promise<string[]> {
  const inUse = new Set(deployed.flatMap((d) => [d.taskDefinitionArn, d.previousTaskDefinitionArn]));
  const families = new Set(deployed.map((d) => familyOf(d.taskDefinitionArn)));
  const deregistered: string[] = [];
  for (const family of families) {
    const arns: string[] = [];
    for await (const page of paginateListTaskDefinitions(
      { client: ecs },
      { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' },
    )) {
      arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family));
    }
    for (const arn of arns.slice(keep).filter((a) => !inUse.has(a))) {
      await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
      deregistered.push(arn);
    }
  }
  if (deregistered.length)
    logger.info(`Deregistered ${deregistered.length} old revision(s): ${deregistered.join(', ')}`);
  return deregistered;
}
