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

/**
 * Where the new definition comes from: the live one or a file, rendered with the overrides, or a
 * revision deployed as it is (nothing overrides it).
 */
export type DefinitionSource =
  | { kind: 'live'; overrides: Overrides }
  | { kind: 'file'; path: string; overrides: Overrides }
  | { kind: 'revision'; ref: string };

export interface DeployRequest {
  cluster: string;
  services: string[];
  source: DefinitionSource;
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

/** One service as planned: what it runs now, what it would run, and where a CodeDeploy deployment goes. */
interface Plan {
  service: Service;
  name: string;
  /** Set for a CODE_DEPLOY service: where its deployment goes. */
  codeDeploy?: CodeDeployTarget;
  previousTaskDefinitionArn: string;
  /** The live definition, and the one the service would run. */
  live: TaskDefinitionInput;
  definition: TaskDefinitionInput;
  /** A revision that exists (unchanged, or named), run as it is; without it, `definition` is registered. */
  targetArn?: string;
  changes: string[];
  images: string[];
}

/** A plan whose revision exists now: registered by this deploy, or already there. */
interface Registered {
  plan: Plan;
  taskDefinitionArn: string;
}

/** When a deploy began (on its clock, and on the wall clock ECS's events are compared with) and must end. */
interface Run {
  clock: Clock;
  started: number;
  startedAt: Date;
  deadline: number;
}

/**
 * Deploys one or many services of a cluster, phase by phase: plan every change first (so bad input
 * changes nothing), register what changed once, start the services' deployments in parallel, follow
 * each to a verdict, then diagnose each failure and roll back the ones ECS does not.
 */
export async function deploy(request: DeployRequest, context: DeployContext): Promise<DeployResult> {
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const run: Run = {
    clock,
    started,
    startedAt: new Date(),
    deadline: started + request.timeoutSeconds * 1000,
  };

  const { plans, deployPlan } = await planPhase(request, context);
  const stopped = stopBeforeRegistering(request, deployPlan);
  if (stopped) {
    return {
      status: stopped,
      plan: deployPlan,
      services: plans.map((p) => notStarted(p, stopped, run)),
    };
  }

  const registered = await registerPhase(plans, context, run);
  const oneOff = (task: OneOffTask) => runOneOff(task, registered, request, context, run);
  let oneOffTask: OneOffResult | undefined;
  if (request.oneOffTask?.when === 'before') {
    oneOffTask = await oneOff(request.oneOffTask);
    if (oneOffTask.status !== 'SUCCEEDED') throw oneOffFailure(oneOffTask, 'before');
  }

  const starts = await Promise.all(
    registered.map(async (r) => ({ plan: r.plan, result: await startPhase(r, request, context, run) })),
  );
  let results = starts.map((s) => s.result);
  if (request.wait) {
    const outcomes = await followPhase(results, request, context, run);
    results = await Promise.all(
      starts.map(({ plan, result }) => {
        const outcome = outcomes.get(result.service);
        if (result.status !== 'STARTED' || !outcome) return result;
        return diagnoseOrRollBack(result, outcome, plan, request, context, run);
      }),
    );
    if (request.keepRevisions) {
      const succeeded = results.filter((r) => r.status === 'SUCCEEDED');
      await pruneRevisions(context.ecs, succeeded, request.keepRevisions, context.logger);
    }
  }

  const status = severity.find((s) => results.some((r) => r.status === s)) ?? 'UNCHANGED';
  if (request.oneOffTask?.when === 'after' && !failedStatuses.has(status)) {
    oneOffTask = await oneOff(request.oneOffTask);
  }
  return { status, services: results, oneOffTask, plan: deployPlan };
}

/**
 * Plan: finds the services, works out each one's new definition (and CodeDeploy target), checks the deploy
 * order and runs the pre-flight checks. Nothing changes in this phase.
 */
async function planPhase(
  request: DeployRequest,
  context: DeployContext,
): Promise<{ plans: Plan[]; deployPlan: DeployPlan }> {
  const services = await findServices(context.ecs, request.cluster, request.services);
  checkOneDeploymentGroup(services, request);
  const plans = await Promise.all(services.map((service) => planService(service, request, context)));
  await checkOrdering(
    plans.map((p) => ({ service: p.name, live: p.live, target: p.definition })),
    request.allowOlder ?? false,
    { ...context.ordering, logger: context.logger },
  );
  return { plans, deployPlan: await planDeploy(plans, request, context) };
}

/** Named CodeDeploy inputs name one deployment group, so they fit one CODE_DEPLOY service only. */
function checkOneDeploymentGroup(services: Service[], request: DeployRequest): void {
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
}

/** A plan-only deploy stops after planning, and so does one whose enforced pre-flight failed. */
function stopBeforeRegistering(
  request: DeployRequest,
  deployPlan: DeployPlan,
): 'PLANNED' | 'BLOCKED' | undefined {
  if (request.plan) return 'PLANNED';
  const failed = deployPlan.checks.some((c) => c.status === 'failed');
  return failed && deployPlan.preflight === 'enforce' ? 'BLOCKED' : undefined;
}

function notStarted(p: Plan, status: 'PLANNED' | 'BLOCKED', run: Run): ServiceResult {
  const why = status === 'PLANNED' ? 'plan only' : 'pre-flight failed';
  return {
    service: p.name,
    status,
    reason: `${why}: nothing registered or updated`,
    previousTaskDefinitionArn: p.previousTaskDefinitionArn,
    taskDefinitionArn: p.previousTaskDefinitionArn,
    registered: false,
    controller: p.codeDeploy ? 'CODE_DEPLOY' : 'ECS',
    changes: p.changes,
    images: p.images,
    durationMs: run.clock.now() - run.started,
  };
}

/** Register: each new definition once, however many services share it; the others run what exists. */
async function registerPhase(plans: Plan[], context: DeployContext, run: Run): Promise<Registered[]> {
  const registering = new Map<string, Promise<string>>();
  const register = (definition: TaskDefinitionInput) => {
    const key = JSON.stringify(definition);
    let arn = registering.get(key);
    if (!arn) {
      arn = registerTaskDefinition(context.ecs, definition, {
        logger: context.logger,
        since: run.startedAt,
      });
      registering.set(key, arn);
    }
    return arn;
  };
  return Promise.all(
    plans.map(async (plan) => ({
      plan,
      taskDefinitionArn: plan.targetArn ?? (await register(plan.definition)),
    })),
  );
}

/** The one-off task runs from the first service's revision, in its network. */
function runOneOff(
  task: OneOffTask,
  registered: Registered[],
  request: DeployRequest,
  context: DeployContext,
  run: Run,
): Promise<OneOffResult> {
  const [first] = registered;
  if (!first) throw new Error('A one-off task needs a service to run from.');
  return runOneOffTask(request.cluster, first.plan.service, first.taskDefinitionArn, task, {
    ...context,
    clock: run.clock,
  });
}

/**
 * Start: one service's update (UpdateService, or a CodeDeploy deployment for a CODE_DEPLOY service);
 * UNCHANGED when there is nothing to deploy, else STARTED with the deployment's id.
 */
async function startPhase(
  { plan: p, taskDefinitionArn }: Registered,
  request: DeployRequest,
  context: DeployContext,
  run: Run,
): Promise<ServiceResult> {
  const { ecs, logger } = context;
  const name = p.name;
  const finished = (status: 'UNCHANGED' | 'STARTED', reason: string): ServiceResult => ({
    service: name,
    previousTaskDefinitionArn: p.previousTaskDefinitionArn,
    taskDefinitionArn,
    registered: !p.targetArn,
    controller: p.codeDeploy ? 'CODE_DEPLOY' : 'ECS',
    changes: p.changes,
    images: p.images,
    status,
    reason,
    durationMs: run.clock.now() - run.started,
  });
  const startedAs = (deploymentId: string, kind: string): ServiceResult => {
    logger.info(`${name}: ${kind} ${deploymentId} started with ${taskDefinitionArn}`);
    return { ...finished('STARTED', 'deployment started'), deploymentId };
  };
  const countOnly = `desired count set to ${request.desiredCount}`;
  const unchanged = taskDefinitionArn === p.previousTaskDefinitionArn && !request.forceNewDeployment;
  if (unchanged && (request.desiredCount === undefined || request.desiredCount === p.service.desiredCount)) {
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
    const appSpec = await appSpecFor(p.service, taskDefinitionArn, request.codeDeploy?.appSpecPath);
    const deploymentId = await startCodeDeployment(
      await codeDeployClient(context),
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
      taskDefinition: taskDefinitionArn,
      desiredCount: request.desiredCount,
      forceNewDeployment: request.forceNewDeployment || undefined,
    }),
  );
  if (unchanged) return finished('UNCHANGED', countOnly);
  return startedAs(primaryDeploymentId(answer.service), 'deployment');
}

const primaryDeploymentId = (service: Service | undefined) =>
  service?.deployments?.find((d) => d.status === 'PRIMARY')?.id ?? '';

/** Follow: every started deployment, ECS's and CodeDeploy's at once, to a verdict within the deadline. */
async function followPhase(
  results: ServiceResult[],
  request: DeployRequest,
  context: DeployContext,
  run: Run,
): Promise<Map<string, Outcome>> {
  const started = results.filter((r) => r.status === 'STARTED');
  const byCodeDeploy = started.filter((r) => r.controller === 'CODE_DEPLOY');
  const tracked: TrackedDeployment[] = started
    .filter((r) => r.controller === 'ECS')
    .map((r) => ({
      service: r.service,
      deploymentId: r.deploymentId ?? '',
      taskDefinitionArn: r.taskDefinitionArn,
      previousTaskDefinitionArn: r.previousTaskDefinitionArn,
      maxFailedTasks: request.maxFailedTasks,
      startedAt: run.startedAt,
      waitForRollback: request.waitForRollback ?? true,
    }));
  const { deadline, clock } = run;
  return context.logger.group(`Following ${started.length} deployment(s)`, async () => {
    const [byEcs, codeDeployed] = await Promise.all([
      trackRollouts(tracked, { ...context, cluster: request.cluster, deadline, clock }),
      byCodeDeploy.length
        ? trackCodeDeployments(
            await codeDeployClient(context),
            new Map(byCodeDeploy.map((r) => [r.service, r.deploymentId ?? ''])),
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
}

/**
 * Then one service's verdict: a success stands; a failure is diagnosed, and rolled back by us when
 * rollback-on-failure asks for it and neither ECS nor CodeDeploy is rolling it back already.
 */
async function diagnoseOrRollBack(
  started: ServiceResult,
  outcome: Outcome,
  p: Plan,
  request: DeployRequest,
  context: DeployContext,
  run: Run,
): Promise<ServiceResult> {
  const result: ServiceResult = {
    ...started,
    status: outcome.verdict,
    reason: outcome.reason,
    durationMs: run.clock.now() - run.started,
    strategy: outcome.strategy,
    ...(outcome.stages ? { stages: outcome.stages } : {}),
    ...(outcome.servingTaskDefinitionArn
      ? { servingTaskDefinitionArn: outcome.servingTaskDefinitionArn }
      : {}),
  };
  if (outcome.verdict === 'SUCCEEDED') return result;
  const service =
    outcome.service ?? (await describeServices(context.ecs, request.cluster, [result.service]))[0];
  result.diagnosis = await diagnose({
    ...context,
    cluster: request.cluster,
    service,
    serviceName: result.service,
    deploymentId: result.deploymentId ?? '',
    taskDefinitionArn: result.taskDefinitionArn,
    lastEventBefore: p.service.events?.[0]?.id,
    reason: outcome.verdict === 'TIMED_OUT' ? `timeout: ${outcome.reason}` : outcome.reason,
    codeDeployError: outcome.codeDeployError,
    startedAt: run.startedAt,
  });
  // CodeDeploy rolls its own deployments back (auto-rollback was set from rollback-on-failure), and
  // so does ECS once it has started to: a second rollback would only fight it.
  const ours =
    result.controller === 'ECS' &&
    !outcome.rollingBack &&
    (outcome.verdict === 'FAILED' || outcome.verdict === 'TIMED_OUT');
  if (request.rollbackOnFailure && ours) result.rollback = await rollBack(request, context, result, outcome);
  return result;
}

/** The CodeDeploy client, which a caller deploying a CODE_DEPLOY service must give. */
function codeDeployClient(context: DeployContext): Promise<CodeDeployClient> {
  if (!context.codedeploy) throw new Error('A CODE_DEPLOY service needs a CodeDeploy client in the context.');
  return Promise.resolve(context.codedeploy());
}

/** The checks need their clients: a caller that gives none (a library user, a unit test) gets none. */
function preflightMode(request: DeployRequest, context: DeployContext): PreflightMode {
  if (!context.preflight) return 'off';
  return request.plan && request.preflight === 'off' ? 'warn' : (request.preflight ?? 'enforce');
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
  const clients = context.preflight;
  const checks =
    mode === 'off' || !clients
      ? []
      : await context.logger.group('Pre-flight checks', async () => {
          const started = Date.now();
          const found = await preflight(
            plans.map((p) => ({ service: p.service, definition: p.definition })),
            clients,
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

/** One service's plan; a CODE_DEPLOY service's deployment group and AppSpec are checked here too. */
async function planService(service: Service, request: DeployRequest, context: DeployContext): Promise<Plan> {
  const planned = await planDefinition(service, request, context);
  if (!isCodeDeployService(service)) return planned;
  const target = codeDeployTarget(request.cluster, planned.name, request.codeDeploy ?? {});
  await checkCodeDeployTarget(await codeDeployClient(context), target);
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
      name,
      previousTaskDefinitionArn,
      live: liveInput,
      definition: targetInput,
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
  const target = render(base, request.source.overrides, where);
  const changes = diffTaskDefinitions(liveInput, target);
  return {
    service,
    name,
    previousTaskDefinitionArn,
    live: liveInput,
    definition: target,
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
