import {
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ServiceDeployment,
  ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import type { Judgement } from './polling';

/** What ECS's service-deployment API says about our deployment (absent where the API is not available). */
export interface ServiceDeploymentFacts {
  arn: string;
  status: string;
  statusReason?: string;
  lifecycleStage?: string;
  /** Lifecycle hooks of the current stage that failed or timed out. */
  failedHooks?: string[];
  circuitBreaker?: { status?: string; failureCount?: number; threshold?: number };
  alarmsTriggered: string[];
  rollback?: { reason?: string; serviceRevisionArn?: string };
}

/** Margin for the runner's clock running ahead of ECS's when filtering by creation time. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_DESCRIBED = 20;

/**
 * Our service deployment is the one whose target revision is our deployment: ECS numbers a service
 * revision as the deployment that runs it (ecs-svc/<n> → service-revision/<cluster>/<service>/<n>).
 */
export function isOurs(brief: ServiceDeploymentBrief, deploymentId: string): boolean {
  const number = deploymentId.split('/').pop();
  return !!number && brief.targetServiceRevisionArn?.split('/').pop() === number;
}

/** The ARN of the service deployment our deployment started, looking at those created since `since`. */
export async function findServiceDeployment(
  ecs: ECSClient,
  where: { cluster: string; service: string; deploymentId: string; since?: Date },
): Promise<string | undefined> {
  const after = where.since ? new Date(where.since.getTime() - CLOCK_SKEW_MS) : undefined;
  let nextToken: string | undefined;
  for (let page = 0; page < 5; page++) {
    const listed = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: where.cluster,
        service: where.service,
        createdAt: after ? { after } : undefined,
        nextToken,
      }),
    );
    const ours = listed.serviceDeployments?.find((b) => isOurs(b, where.deploymentId));
    if (ours?.serviceDeploymentArn) return ours.serviceDeploymentArn;
    nextToken = listed.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}

/** Describes any number of service deployments, twenty per call. */
export async function describeServiceDeployments(
  ecs: ECSClient,
  arns: string[],
): Promise<ServiceDeployment[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < arns.length; i += MAX_DESCRIBED) chunks.push(arns.slice(i, i + MAX_DESCRIBED));
  const answers = await Promise.all(
    chunks.map((serviceDeploymentArns) =>
      ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns })),
    ),
  );
  return answers.flatMap((answer) => answer.serviceDeployments ?? []);
}

/** Maps DescribeServiceDeployments' answer to the facts the summary shows. */
export function serviceDeploymentFacts(deployment: ServiceDeployment): ServiceDeploymentFacts {
  const breaker = deployment.deploymentCircuitBreaker;
  const failedHooks = (deployment.lifecycleHookDetails ?? [])
    .filter((hook) => hook.status === 'FAILED' || hook.status === 'TIMED_OUT')
    .map((hook) => hook.targetArn?.split(':').pop() ?? hook.targetType ?? 'hook');
  return {
    arn: deployment.serviceDeploymentArn ?? '',
    status: deployment.status ?? 'UNKNOWN',
    statusReason: deployment.statusReason,
    ...(deployment.lifecycleStage ? { lifecycleStage: deployment.lifecycleStage } : {}),
    ...(failedHooks.length ? { failedHooks } : {}),
    circuitBreaker: breaker
      ? { status: breaker.status, failureCount: breaker.failureCount, threshold: breaker.threshold }
      : undefined,
    alarmsTriggered: deployment.alarms?.triggeredAlarmNames ?? [],
    rollback: deployment.rollback
      ? { reason: deployment.rollback.reason, serviceRevisionArn: deployment.rollback.serviceRevisionArn }
      : undefined,
  };
}

/** One observed moment of a staged (BLUE_GREEN, LINEAR, CANARY) rollout. */
export interface StageSnapshot {
  stage: string;
  productionTraffic?: number;
  testTraffic?: number;
  hooks: { target: string; status: string }[];
}

export function stageSnapshot(deployment: ServiceDeployment): StageSnapshot | undefined {
  if (!deployment.lifecycleStage) return undefined;
  const target = deployment.targetServiceRevision;
  return {
    stage: deployment.lifecycleStage,
    productionTraffic: target?.requestedProductionTrafficWeight,
    testTraffic: target?.requestedTestTrafficWeight,
    hooks: (deployment.lifecycleHookDetails ?? []).map((hook) => ({
      target: hook.targetArn?.split(':').pop() ?? hook.targetType ?? 'hook',
      status: hook.status ?? 'UNKNOWN',
    })),
  };
}

export function describeStage(snapshot: StageSnapshot): string {
  const parts = [`stage ${snapshot.stage}`];
  if (snapshot.productionTraffic !== undefined) {
    parts.push(`${snapshot.productionTraffic}% of production traffic on the new revision`);
  }
  for (const hook of snapshot.hooks) parts.push(`hook ${hook.target} ${hook.status}`);
  return parts.join(', ');
}

/**
 * Reads our service deployment's status: the whole story of a staged rollout (its stages, hooks and
 * bake time end in SUCCESSFUL, or in a rollback) where DescribeServices only shows two deployments. A
 * rollback is announced as it starts and, unless told not to wait, followed to ROLLBACK_SUCCESSFUL
 * (ROLLED_BACK) or ROLLBACK_FAILED.
 */
export function judgeServiceDeployment(
  deployment: ServiceDeployment,
  options: { waitForRollback?: boolean } = {},
): Judgement {
  const reason = deployment.statusReason?.replace(/\.?$/, '.') ?? '';
  const rollback = deployment.rollback?.reason ? ` ${deployment.rollback.reason}` : '';
  const failed = `${reason || 'the service deployment failed.'}${rollback}`;
  switch (deployment.status) {
    case 'SUCCESSFUL':
      return { verdict: 'SUCCEEDED', reason: 'service deployment SUCCESSFUL' };
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
      if (options.waitForRollback === false) {
        return {
          verdict: 'ROLLED_BACK',
          reason: `${failed} (service deployment ${deployment.status}; not waited for)`,
        };
      }
      return {
        reason: `ECS rolling back (service deployment ${deployment.status})`,
        alert: `${failed} ECS is rolling back (service deployment ${deployment.status}); following the rollback.`,
      };
    case 'ROLLBACK_SUCCESSFUL':
      return { verdict: 'ROLLED_BACK', reason: `${failed} (service deployment ${deployment.status})` };
    case 'ROLLBACK_FAILED':
      return {
        verdict: 'ROLLBACK_FAILED',
        reason: `${failed} ECS's rollback failed (service deployment ROLLBACK_FAILED).`,
      };
    case 'STOPPED':
    case 'STOP_REQUESTED':
      return { verdict: 'FAILED', reason: `service deployment ${deployment.status}: ${reason}`.trim() };
    default: {
      const snapshot = stageSnapshot(deployment);
      return { reason: snapshot ? describeStage(snapshot) : `service deployment ${deployment.status}` };
    }
  }
}
