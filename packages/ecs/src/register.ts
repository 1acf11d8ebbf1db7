import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { Logger } from '@slipway/kit';
import { TaskDefinitionInput, diffTaskDefinitions, toRegisterInput } from './taskdef';

/** ECS's clock and ours may disagree; a twin registered this long before we began still counts. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Registers a revision and returns its ARN. RegisterTaskDefinition has no idempotency token: when the
 * SDK had to retry, an earlier attempt may have registered the same definition before its response was
 * lost. Such twins (the revisions just before ours, registered since we began, identical to ours) are
 * deregistered, so a family never gains two revisions from one deploy.
 */
export async function registerTaskDefinition(
  ecs: ECSClient,
  definition: TaskDefinitionInput,
  options: { logger: Logger; since: Date },
): Promise<string> {
  const answer = await ecs.send(new RegisterTaskDefinitionCommand(definition));
  const registered = answer.taskDefinition!;
  options.logger.info(`Registered ${registered.taskDefinitionArn}`);
  const earlierAttempts = (answer.$metadata?.attempts ?? 1) - 1;
  if (earlierAttempts > 0) {
    // Compared as ECS wrote both, so the defaults it fills in (port protocols, …) match.
    const ours = toRegisterInput(registered, answer.tags).input;
    await deregisterTwins(ecs, registered, ours, earlierAttempts, options);
  }
  return registered.taskDefinitionArn!;
}

async function deregisterTwins(
  ecs: ECSClient,
  registered: TaskDefinition,
  ours: TaskDefinitionInput,
  earlierAttempts: number,
  options: { logger: Logger; since: Date },
): Promise<void> {
  const oldest = Math.max(1, registered.revision! - earlierAttempts);
  for (let revision = registered.revision! - 1; revision >= oldest; revision--) {
    const { taskDefinition: earlier, tags } = await ecs.send(
      new DescribeTaskDefinitionCommand({
        taskDefinition: `${registered.family}:${revision}`,
        include: ['TAGS'],
      }),
    );
    if (!earlier || earlier.status !== 'ACTIVE') continue;
    const registeredAt = earlier.registeredAt?.getTime() ?? 0;
    if (registeredAt < options.since.getTime() - CLOCK_SKEW_MS) return;
    if (diffTaskDefinitions(toRegisterInput(earlier, tags).input, ours).length) continue;
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: earlier.taskDefinitionArn }));
    options.logger.info(
      `Deregistered ${earlier.taskDefinitionArn}: a twin of revision ${registered.revision} left by a retried registration.`,
    );
  }
}
