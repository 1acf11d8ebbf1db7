import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  paginateListTaskDefinitions,
  ECSClient,
  Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { registerTaskDefinition } from './register';
import {
  ClientFactory,
  Clock,
  ConfigurationError,
  INVALID_INPUT,
  Logger,
  awsErrorName,
  systemClock,
} from '@slipway/kit';
import {
  CodeDeploySettings,
  CodeDeployTarget,
  appSpecFor,
  checkCodeDeployTarget,
  codeDeployTarget,
  isCodeDeployService,
  startCodeDeployment,
  trackCodeDeployments,
} from './codedeploy';
import { ECS } from './codes';
import { Diagnosis, diagnose } from './diagnose';
import { OneOffResult, OneOffTask, oneOffFailure, runOneOffTask } from './one-off';
import { DeployPlan, PreflightMode, preflightNotes, servicePlan } from './plan';
import { PreflightClients, preflight } from './preflight';
import { OrderingContext, checkOrdering } from './ordering';
import { pruneRevisions } from './revisions';
import { PollSchedule } from './polling';
import { describeServices, findServices } from './describe';
import { Outcome, TrackedDeployment, trackRollouts } from './rollout';
import {
  Overrides,
  TaskDefinitionInput,
  diffTaskDefinitions,
  imagesOf,
  loadTaskDefinitionFile,
  PREVIOUS,
  familyOf,
  parseTaskDefinitionRef,
  revisionOf,
  render,
  toRegisterInput,
} from './taskdef';

export type DefinitionSource =
  { kind: 'live' } | { kind: 'file'; path: string } | { kind: 'revision'; ref: string };

export interface DeployRequest {
  cluster: string;
  services: string[];
  source: DefinitionSource;
  overrides: Overrides;
  desiredCount?: number;
  forceNewDeployment: boolean;
  wait: boolean;
  timeoutSeconds: number;
  rollbackOnFailure: boolean;
  keepRevisions?: number;
  maxFailedTasks?: number;
  /** Runs from the first service's new revision, before the update (it must succeed) or after it. */
  oneOffTask?: OneOffTask;
  /** For services with the CODE_DEPLOY deployment controller. */
  codeDeploy?: CodeDeploySettings;
  /**
   * After ECS fails a deployment and rolls back (circuit breaker, failed hook), follow the rollback to
   * its end, within the timeout (default true); false reports ROLLED_BACK at once.
   */
  waitForRollback?: boolean;
  /** Deploy an image built from an older commit than the one running (a rollback); default refuse. */
  allowOlder?: boolean;
  /** Pre-flight checks before anything is registered (default warn). */
  preflight?: PreflightMode;
  /** Show what would be done, with the pre-flight results, and change nothing. */
  plan?: boolean;
}

export interface DeployContext {
  ecs: ECSClient;
  /** Made on first use: CloudWatch Logs is read only to explain a failure or follow a one-off task. */
  logs: ClientFactory<CloudWatchLogsClient>;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  schedule?: PollSchedule;
  /** Aborted when the job is cancelled (a running one-off task is stopped). */
  signal?: AbortSignal;
  /** Made only when a service deploys through CodeDeploy. */
  codedeploy?: ClientFactory<CodeDeployClient>;
  /** Where deploy order is checked: the git checkout, how an image's commit is read. */
  ordering?: Omit<OrderingContext, 'logger'>;
  /** Clients the pre-flight checks call (preflightClients); without them there are no checks. */
  preflight?: PreflightClients;
}

export type ServiceStatus =
  | 'SUCCEEDED'
  | 'FAILED'
  | 'ROLLED_BACK'
  | 'ROLLBACK_FAILED'
  | 'REPLACED'
  | 'TIMED_OUT'
  | 'UNCHANGED'
  | 'STARTED'
  | 'PLANNED'
  | 'BLOCKED';

export interface ServiceResult {
  service: string;
  status: ServiceStatus;
  reason: string;
  previousTaskDefinitionArn: string;
  taskDefinitionArn: string;
  registered: boolean;
  /** ECS's deployment id (ecs-svc/…), or CodeDeploy's (d-…) for a CODE_DEPLOY service. */
  deploymentId?: string;
  /** ECS, or CODE_DEPLOY when CodeDeploy carried the deployment out. */
  controller: 'ECS' | 'CODE_DEPLOY';
  changes: string[];
  images: string[];
  durationMs: number;
  diagnosis?: Diagnosis;
  /** ROLLING, BLUE_GREEN, LINEAR or CANARY, as the service deployed. */
  strategy?: string;
  /** A staged rollout's lifecycle stages as followed. */
  stages?: Outcome['stages'];
  rollback?: { status: ServiceStatus; taskDefinitionArn: string; deploymentId?: string; reason: string };
  /** After ECS rolled the deployment back (and that was waited for): the revision serving again. */
  servingTaskDefinitionArn?: string;
}

export interface DeployResult {
  status: ServiceStatus;
  services: ServiceResult[];
  oneOffTask?: OneOffResult;
  /** What the deploy would do and what pre-flight found (absent when nothing was planned). */
  plan?: DeployPlan;
}

/** Statuses that fail the step, worst first: the overall status is the worst service's. */
const severity: ServiceStatus[] = [
  'ROLLBACK_FAILED',
  'FAILED',
  'ROLLED_BACK',
  'TIMED_OUT',
  'REPLACED',
  'STARTED',
  'SUCCEEDED',
  'UNCHANGED',
];
export const failedStatuses = new Set<ServiceStatus>([
  'FAILED',
  'ROLLED_BACK',
  'ROLLBACK_FAILED',
  'TIMED_OUT',
  'REPLACED',
]);

export const errorCodeFor: Partial<Record<ServiceStatus, string>> = {
  FAILED: ECS.DEPLOYMENT_FAILED,
  ROLLED_BACK: ECS.ROLLED_BACK_BY_ECS,
  ROLLBACK_FAILED: ECS.ECS_ROLLBACK_FAILED,
  REPLACED: ECS.DEPLOYMENT_REPLACED,
  TIMED_OUT: ECS.DEPLOYMENT_TIMED_OUT,
};

interface Plan {
  service: Service;
  /** Set for a CODE_DEPLOY service: where its deployment goes. */
  codeDeploy?: CodeDeployTarget;
  previousTaskDefinitionArn: string;
  /** The live definition, and the one the service would run (registered or not). */
  live: TaskDefinitionInput;
  definition: TaskDefinitionInput;
  target: TaskDefinitionInput | undefined;
  targetArn: string | undefined;
  changes: string[];
  images: string[];
}

/**
 * Deploys one or many services of a cluster: plans every change first (so bad input changes nothing),
 * registers what changed once, updates the services in parallel and follows each rollout to a verdict.
 */
export async function deploy(request: DeployRequest, context: DeployContext): Promise<DeployResult> {
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const startedAt = new Date();
  const deadline = started + request.timeoutSeconds * 1000;
  const { ecs, logger } = context;

  const services = await findServices(ecs, request.cluster, request.services);
  // The checks' SDK modules load while the task definitions are read.
  if (preflightMode(request, context) !== 'off') context.preflight!.prefetch?.();
  const codeDeployed = services.filter(isCodeDeployService);
  const named = request.codeDeploy?.application || request.codeDeploy?.deploymentGroup;
  if (named && codeDeployed.length > 1) {
    throw new ConfigurationError(
      INVALID_INPUT,
      `Inputs "codedeploy-application" and "codedeploy-deployment-group" name one deployment group, but ${codeDeployed.length} services deploy through CodeDeploy.`,
      {
        remedy:
          'Deploy those services in separate steps, or leave the inputs empty to use the console names AppECS-<cluster>-<service> and DgpECS-<cluster>-<service>.',
      },
    );
  }
  const plans = await Promise.all(services.map((service) => plan(service, request, context)));
  await checkOrdering(
    plans.map((p) => ({ service: p.service.serviceName!, live: p.live, target: p.definition })),
    request.allowOlder ?? false,
    { ...context.ordering, logger },
  );

  const deployPlan = await planDeploy(plans, request, context);
  const stopped = request.plan
    ? 'PLANNED'
    : deployPlan.checks.some((c) => c.status === 'failed') && deployPlan.preflight === 'enforce'
      ? 'BLOCKED'
      : undefined;
  if (stopped) {
    const reason =
      stopped === 'PLANNED'
        ? 'plan only: nothing registered or updated'
        : 'pre-flight failed: nothing registered or updated';
    return {
      status: stopped,
      plan: deployPlan,
      services: plans.map((p) => ({
        service: p.service.serviceName!,
        status: stopped,
        reason,
        previousTaskDefinitionArn: p.previousTaskDefinitionArn,
        taskDefinitionArn: p.previousTaskDefinitionArn,
        registered: false,
        controller: p.codeDeploy ? 'CODE_DEPLOY' : 'ECS',
        changes: p.changes,
        images: p.images,
        durationMs: clock.now() - started,
      })),
    };
  }

  const registered = new Map<string, Promise<string>>();
  const registerOnce = (definition: TaskDefinitionInput) => {
    const key = JSON.stringify(definition);
    if (!registered.has(key)) {
      registered.set(key, registerTaskDefinition(ecs, definition, { logger, since: startedAt }));
    }
    return registered.get(key)!;
  };

  const targets = await Promise.all(plans.map((p) => p.targetArn ?? registerOnce(p.target!)));
  const runOneOff = () =>
    runOneOffTask(request.cluster, plans[0]!.service, targets[0]!, request.oneOffTask!, {
      ...context,
      clock,
    });
  let oneOffTask: OneOffResult | undefined;
  if (request.oneOffTask?.when === 'before') {
    oneOffTask = await runOneOff();
    if (oneOffTask.status !== 'SUCCEEDED') throw oneOffFailure(oneOffTask, 'before');
  }

  const results = await Promise.all(
    plans.map(async (p, i): Promise<ServiceResult> => {
      const name = p.service.serviceName!;
      const targetArn = targets[i]!;
      const base = {
        service: name,
        previousTaskDefinitionArn: p.previousTaskDefinitionArn,
        taskDefinitionArn: targetArn,
        registered: !p.targetArn,
        controller: p.codeDeploy ? ('CODE_DEPLOY' as const) : ('ECS' as const),
        changes: p.changes,
        images: p.images,
      };
      const finished = (status: 'UNCHANGED' | 'STARTED', reason: string) => ({
        ...base,
        status,
        reason,
        durationMs: clock.now() - started,
      });
      const startedAs = (deploymentId: string, kind: string) => {
        logger.info(`${name}: ${kind} ${deploymentId} started with ${targetArn}`);
        return { ...finished('STARTED', 'deployment started'), deploymentId };
      };
      const countOnly = `desired count set to ${request.desiredCount}`;
      const unchanged = targetArn === p.previousTaskDefinitionArn && !request.forceNewDeployment;
      if (
        unchanged &&
        (request.desiredCount === undefined || request.desiredCount === p.service.desiredCount)
      ) {
        logger.info(`${name}: nothing changed; no new revision and no deployment.`);
        return finished('UNCHANGED', 'nothing changed');
      }
      if (p.codeDeploy) {
        // ECS refuses new revisions for these services; only the count goes through UpdateService.
        if (request.desiredCount !== undefined) {
          await ecs.send(
            new UpdateServiceCommand({
              cluster: request.cluster,
              service: name,
              desiredCount: request.desiredCount,
            }),
          );
        }
        if (unchanged) return finished('UNCHANGED', countOnly);
        const appSpec = await appSpecFor(p.service, targetArn, request.codeDeploy?.appSpecPath);
        const deploymentId = await startCodeDeployment(
          await context.codedeploy!(),
          p.codeDeploy,
          appSpec,
          request.rollbackOnFailure,
        );
        return startedAs(deploymentId, 'CodeDeploy deployment');
      }
      const answer = await ecs.send(
        new UpdateServiceCommand({
          cluster: request.cluster,
          service: name,
          taskDefinition: targetArn,
          desiredCount: request.desiredCount,
          forceNewDeployment: request.forceNewDeployment || undefined,
        }),
      );
      if (unchanged) return finished('UNCHANGED', countOnly);
      const deploymentId = answer.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id ?? '';
      return startedAs(deploymentId, 'deployment');
    }),
  );

  if (request.wait) {
    const started_ = results.filter((r) => r.status === 'STARTED');
    const byCodeDeploy = started_.filter((r) => r.controller === 'CODE_DEPLOY');
    const tracked: TrackedDeployment[] = started_
      .filter((r) => r.controller === 'ECS')
      .map((r) => ({
        service: r.service,
        deploymentId: r.deploymentId!,
        taskDefinitionArn: r.taskDefinitionArn,
        previousTaskDefinitionArn: r.previousTaskDefinitionArn,
        maxFailedTasks: request.maxFailedTasks,
        startedAt,
        waitForRollback: request.waitForRollback ?? true,
      }));
    const outcomes = await logger.group(`Following ${started_.length} deployment(s)`, async () => {
      const [byEcs, codeDeployed] = await Promise.all([
        trackRollouts(tracked, { ...context, cluster: request.cluster, deadline, clock }),
        byCodeDeploy.length
          ? trackCodeDeployments(
              await context.codedeploy!(),
              new Map(byCodeDeploy.map((r) => [r.service, r.deploymentId!])),
              { ...context, deadline, clock, rollbackOnFailure: request.rollbackOnFailure },
            )
          : new Map<string, never>(),
      ]);
      const merged = new Map<string, Outcome>(byEcs);
      for (const [service, outcome] of codeDeployed) {
        const config = outcome.info?.deploymentConfigName;
        merged.set(service, {
          verdict: outcome.verdict,
          reason: outcome.reason,
          strategy: config ? `CODE_DEPLOY (${config})` : 'CODE_DEPLOY',
          codeDeployError: outcome.info?.errorInformation,
        });
      }
      return merged;
    });
    await Promise.all(
      started_.map(async (result) => {
        const outcome = outcomes.get(result.service)!;
        Object.assign(result, {
          status: outcome.verdict,
          reason: outcome.reason,
          durationMs: clock.now() - started,
          strategy: outcome.strategy,
          ...(outcome.stages ? { stages: outcome.stages } : {}),
          ...(outcome.servingTaskDefinitionArn
            ? { servingTaskDefinitionArn: outcome.servingTaskDefinitionArn }
            : {}),
        });
        if (outcome.verdict === 'SUCCEEDED') return;
        const service =
          outcome.service ?? (await describeServices(ecs, request.cluster, [result.service]))[0];
        result.diagnosis = await diagnose({
          ...context,
          cluster: request.cluster,
          service,
          serviceName: result.service,
          deploymentId: result.deploymentId!,
          taskDefinitionArn: result.taskDefinitionArn,
          lastEventBefore: plans.find((p) => p.service.serviceName === result.service)?.service.events?.[0]
            ?.id,
          reason: outcome.verdict === 'TIMED_OUT' ? `timeout: ${outcome.reason}` : outcome.reason,
          codeDeployError: outcome.codeDeployError,
          startedAt,
        });
        // CodeDeploy rolls its own deployments back (auto-rollback was set from rollback-on-failure), and
        // so does ECS once it has started to: a second rollback would only fight it.
        const ours =
          result.controller === 'ECS' &&
          !outcome.rollingBack &&
          (outcome.verdict === 'FAILED' || outcome.verdict === 'TIMED_OUT');
        if (request.rollbackOnFailure && ours) {
          result.rollback = await rollBack(request, context, result, outcome);
        }
      }),
    );
    if (request.keepRevisions) {
      const succeeded = results.filter((r) => r.status === 'SUCCEEDED');
      await pruneRevisions(ecs, succeeded, request.keepRevisions, logger);
    }
  }

  const status = severity.find((s) => results.some((r) => r.status === s)) ?? 'UNCHANGED';
  if (request.oneOffTask?.when === 'after' && !failedStatuses.has(status)) oneOffTask = await runOneOff();
  return { status, services: results, oneOffTask, plan: deployPlan };
}

/** The checks need their clients: a caller that gives none (a library user, a unit test) gets none. */
function preflightMode(request: DeployRequest, context: DeployContext): PreflightMode {
  if (!context.preflight) return 'off';
  return request.plan && request.preflight === 'off' ? 'warn' : (request.preflight ?? 'warn');
}

/**
 * The plan of every deploy: each service's changes and images, and the pre-flight checks of what the
 * new definitions need (run for a plan even when pre-flight is off, since a plan shows them).
 */
async function planDeploy(
  plans: Plan[],
  request: DeployRequest,
  context: DeployContext,
): Promise<DeployPlan> {
  const mode = preflightMode(request, context);
  const checks =
    mode === 'off'
      ? []
      : await context.logger.group('Pre-flight checks', async () => {
          const started = Date.now();
          const found = await preflight(
            plans.map((p) => ({ service: p.service, definition: p.definition })),
            context.preflight!,
          );
          const passed = found.filter((c) => c.status === 'passed').length;
          context.logger.info(`${passed} of ${found.length} check(s) passed in ${Date.now() - started} ms`);
          return found;
        });
  const deployPlan: DeployPlan = {
    preflight: mode,
    checks,
    services: plans.map((p) =>
      servicePlan(
        {
          service: p.service,
          live: p.live,
          target: p.definition,
          targetArn: p.targetArn,
          changes: p.changes,
          desiredCount: request.desiredCount,
          forceNewDeployment: request.forceNewDeployment,
        },
        checks,
      ),
    ),
  };
  const notes = preflightNotes(deployPlan);
  for (const line of notes.unchecked) context.logger.warning(line);
  if (mode === 'warn' && !request.plan) for (const line of notes.failed) context.logger.warning(line);
  return deployPlan;
}

/** A rollback is followed as long as the deploy was, and never for less than two minutes. */
const rollbackBudgetMs = (request: DeployRequest) => Math.max(request.timeoutSeconds, 120) * 1000;

async function rollBack(
  request: DeployRequest,
  context: DeployContext,
  result: ServiceResult,
  outcome: Outcome,
): Promise<ServiceResult['rollback']> {
  const clock = context.clock ?? systemClock;
  const to = result.previousTaskDefinitionArn;
  const startedAt = new Date();
  context.logger.warning(`${result.service}: ${outcome.verdict}; rolling back to ${to}`);
  try {
    const answer = await context.ecs.send(
      new UpdateServiceCommand({ cluster: request.cluster, service: result.service, taskDefinition: to }),
    );
    const deploymentId = answer.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id ?? '';
    const outcomes = await trackRollouts(
      [
        {
          service: result.service,
          deploymentId,
          taskDefinitionArn: to,
          previousTaskDefinitionArn: result.taskDefinitionArn,
          startedAt,
        },
      ],
      { ...context, cluster: request.cluster, deadline: clock.now() + rollbackBudgetMs(request), clock },
    );
    const rolled = outcomes.get(result.service)!;
    return { status: rolled.verdict, taskDefinitionArn: to, deploymentId, reason: rolled.reason };
  } catch (error) {
    return {
      status: 'FAILED',
      taskDefinitionArn: to,
      reason: `rollback could not start: ${(error as Error).message}`,
    };
  }
}

async function plan(service: Service, request: DeployRequest, context: DeployContext): Promise<Plan> {
  const planned = await planDefinition(service, request, context);
  if (!isCodeDeployService(service)) return planned;
  const target = codeDeployTarget(request.cluster, service.serviceName!, request.codeDeploy ?? {});
  await checkCodeDeployTarget(await context.codedeploy!(), target);
  await appSpecFor(service, planned.previousTaskDefinitionArn, request.codeDeploy?.appSpecPath);
  return { ...planned, codeDeploy: target };
}

async function planDefinition(
  service: Service,
  request: DeployRequest,
  context: DeployContext,
): Promise<Plan> {
  const name = service.serviceName!;
  const previousTaskDefinitionArn = service.taskDefinition!;
  const live = await describeDefinition(context.ecs, previousTaskDefinitionArn, 'the live task definition');
  const liveInput = toRegisterInput(live.taskDefinition, live.tags).input;
  const where = `service "${name}" (task definition ${live.taskDefinition.family}:${live.taskDefinition.revision})`;

  if (request.source.kind === 'revision') {
    const ref =
      request.source.ref === PREVIOUS
        ? await previousRevision(
            context.ecs,
            live.taskDefinition.family!,
            live.taskDefinition.revision!,
            where,
          )
        : parseTaskDefinitionRef(request.source.ref);
    const target = await describeDefinition(context.ecs, ref, `input "task-definition-arn"`);
    const targetInput = toRegisterInput(target.taskDefinition, target.tags).input;
    return {
      service,
      previousTaskDefinitionArn,
      live: liveInput,
      definition: targetInput,
      target: undefined,
      targetArn: target.taskDefinition.taskDefinitionArn,
      changes: diffTaskDefinitions(liveInput, targetInput),
      images: imagesOf(target.taskDefinition),
    };
  }

  let base = liveInput;
  if (request.source.kind === 'file') {
    const file = await loadTaskDefinitionFile(request.source.path);
    if (file.dropped.length)
      context.logger.warning(
        `Ignored fields RegisterTaskDefinition does not take: ${file.dropped.join(', ')}`,
      );
    base = file.input;
  }
  const target = render(base, request.overrides, where);
  const changes = diffTaskDefinitions(liveInput, target);
  return {
    service,
    previousTaskDefinitionArn,
    live: liveInput,
    definition: target,
    target: changes.length ? target : undefined,
    targetArn: changes.length ? undefined : previousTaskDefinitionArn,
    changes,
    images: imagesOf(target),
  };
}

/** The newest ACTIVE revision of the family older than the one running: what a rollback goes back to. */
async function previousRevision(
  ecs: ECSClient,
  family: string,
  current: number,
  where: string,
): Promise<string> {
  for await (const page of paginateListTaskDefinitions(
    { client: ecs },
    { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' },
  )) {
    const older = (page.taskDefinitionArns ?? []).find(
      (arn) => familyOf(arn) === family && Number(revisionOf(arn)) < current,
    );
    if (older) return older;
  }
  throw new ConfigurationError(
    ECS.TASK_DEFINITION_NOT_FOUND,
    `Input "task-definition-arn" is "previous", but ${where} has no earlier ACTIVE revision.`,
    {
      remedy:
        'Name the revision to deploy (family:revision or its ARN); deregistered revisions cannot be deployed.',
    },
  );
}

async function describeDefinition(ecs: ECSClient, ref: string, what: string) {
  try {
    const answer = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }),
    );
    return { taskDefinition: answer.taskDefinition!, tags: answer.tags };
  } catch (error) {
    if (awsErrorName(error) === 'ClientException' || awsErrorName(error) === 'InvalidParameterException') {
      throw new ConfigurationError(
        ECS.TASK_DEFINITION_NOT_FOUND,
        `Task definition "${ref}" (${what}) was not found.`,
        {
          remedy: 'Check the family and revision exist in this account and region.',
          cause: error,
        },
      );
    }
    throw error;
  }
}
