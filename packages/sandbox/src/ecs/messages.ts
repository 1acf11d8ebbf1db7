/** Service event messages, stop reasons and rollout reasons, worded as ECS words them. */

const taskList = (taskIds: string[]) => taskIds.map((id) => `(task ${id})`).join(' ');

export const serviceEvents = {
  startedTasks: (service: string, taskIds: string[]) =>
    `(service ${service}) has started ${taskIds.length} tasks: ${taskList(taskIds)}.`,
  stoppedTasks: (service: string, taskIds: string[]) =>
    `(service ${service}) has stopped ${taskIds.length} running tasks: ${taskList(taskIds)}.`,
  failedHealthChecks: (service: string, taskId: string) =>
    `(service ${service}) (task ${taskId}) failed container health checks.`,
  deploymentCompleted: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment completed.`,
  steadyState: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentFailed: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deploymentId: string) =>
    `(service ${service}) rolling back to deployment ${deploymentId}.`,
  lifecycleStage: (service: string, deploymentId: string, stage: string) =>
    `(service ${service}) (deployment ${deploymentId}) entered lifecycle stage ${stage}.`,
  productionTraffic: (service: string, deploymentId: string, percent: number) =>
    `(service ${service}) (deployment ${deploymentId}) is receiving ${percent}% of production traffic.`,
  hookFailed: (service: string, deploymentId: string, hook: string, stage: string) =>
    `(service ${service}) (deployment ${deploymentId}) lifecycle hook ${hook} failed in stage ${stage}.`,
};

export const rolloutReasons = {
  inProgress: (deploymentId: string) => `ECS deployment ${deploymentId} in progress.`,
  completed: (deploymentId: string) => `ECS deployment ${deploymentId} completed.`,
  circuitBreakerFailed: () => 'ECS deployment circuit breaker: tasks failed to start.',
  rollingBack: (deploymentId: string) =>
    `ECS deployment circuit breaker: rolling back to deploymentId ${deploymentId}.`,
  hookFailed: (hook: string, stage: string) => `Lifecycle hook ${hook} failed in stage ${stage}.`,
  trafficReturned: (deploymentId: string) =>
    `Rolling back: production traffic returned to deployment ${deploymentId}.`,
};

export const stopReasons = {
  essentialContainerExited: 'Essential container in task exited',
  failedHealthChecks: 'Task failed container health checks',
  stoppedByUser: 'Task stopped by user',
  scalingActivity: (deploymentId: string) => `Scaling activity initiated by (deployment ${deploymentId})`,
  cannotPull: (imageRef: string) =>
    `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${imageRef}: ${imageRef}: not found`,
  secretsDenied: (secretArn: string, roleArn: string, requestId: string) =>
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
    'unable to retrieve secret from asm: service call has been retried 1 time(s): ' +
    `failed to fetch secret ${secretArn} from secrets manager: AccessDeniedException: User: ${roleArn} ` +
    `is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretArn} ` +
    'because no identity-based policy allows the secretsmanager:GetSecretValue action ' +
    `status code: 400, request id: ${requestId}`,
};

/** The reference a container runtime resolves: registry and tag made explicit. */
export function fullImageReference(image: string): string {
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tagged = lastPart.includes(':') || lastPart.includes('@') ? image : `${image}:latest`;
  const firstPart = tagged.split('/')[0] ?? '';
  const hasRegistry = tagged.includes('/') && /[.:]|^localhost$/.test(firstPart);
  if (hasRegistry) return tagged;
  return tagged.includes('/') ? `docker.io/${tagged}` : `docker.io/library/${tagged}`;
}
