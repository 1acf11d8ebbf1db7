import { createHash } from 'node:crypto';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  Service,
  paginateListServices,
  paginateListTaskDefinitions,
} from '@aws-sdk/client-ecs';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  Rule,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ClientFactory, ConfigurationError, Logger, SlipwayError, awsErrorName, retry } from '@slipway/kit';
import { ECS } from './codes';
import { DeployContext, DeployRequest, DeployResult, deploy } from './deploy';
import { describeServices, findServices } from './describe';
import { registerTaskDefinition } from './register';
import { familyOf, toRegisterInput } from './taskdef';

/** Where a template's previews live, whatever is done to them. */
interface PreviewScope {
  cluster: string;
  /** The service a preview is cloned from. */
  template: string;
  /** With it, a preview gets host pr-<N>.<domain> on the listener, and its own target group. */
  route?: PreviewRoute;
}

export interface PreviewRoute {
  domain: string;
  listenerArn: string;
}

/** Creates the pull request's preview on first use and deploys its images to it. */
export interface PreviewDeploy extends PreviewScope {
  action: 'deploy';
  pullRequest: number;
  /** The count a new preview service starts with (an existing one keeps the deploy's own). */
  desiredCount: number;
  /** How the preview's revision is rendered and followed (images, env, timeout…). */
  deploy: DeployRequest;
}

/** Removes the pull request's preview. */
export interface PreviewDelete extends PreviewScope {
  action: 'delete';
  pullRequest: number;
}

/** Removes the previews of closed pull requests, and those past their time to live. */
export interface PreviewSweep extends PreviewScope {
  action: 'sweep';
  /** The pull requests still open; previews of others are deleted. */
  openPullRequests: number[];
  /** Previews older than this are deleted, open or not. */
  ttlHours: number;
}

export type PreviewRequest = PreviewDeploy | PreviewDelete | PreviewSweep;
export type PreviewAction = PreviewRequest['action'];

export interface PreviewContext extends DeployContext {
  elb: ClientFactory<ElasticLoadBalancingV2Client>;
}

/** What each action did: a deploy's rollout and URL, the preview services a delete or sweep removed. */
export type PreviewResult =
  | { action: 'deploy'; service: string; url?: string; deployment: DeployResult }
  | { action: 'delete'; service: string; deleted: string[] }
  | { action: 'sweep'; deleted: string[] };

export const previewServiceName = (template: string, pullRequest: number) => `${template}-pr-${pullRequest}`;
const previewHost = (domain: string, pullRequest: number) => `pr-${pullRequest}.${domain}`;
const PREVIEW_TAG = 'slipway:preview-of';

/** Target group names are at most 32 letters, digits and hyphens; a cut name gets a hash to stay unique. */
export function previewTargetGroupName(template: string, pullRequest: number): string {
  const suffix = `-pr-${pullRequest}`;
  const clean = template.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  if (clean.length + suffix.length <= 32) return clean + suffix;
  const hash = createHash('sha256').update(template).digest('hex').slice(0, 6);
  return `${clean.slice(0, 32 - suffix.length - hash.length - 1).replace(/-+$/, '')}-${hash}${suffix}`;
}

export function runPreview(request: PreviewRequest, context: PreviewContext): Promise<PreviewResult> {
  switch (request.action) {
    case 'deploy':
      return deployPreview(request, context);
    case 'delete':
      return deletePreview(request, request.pullRequest, context).then((deleted) => ({
        action: 'delete',
        service: previewServiceName(request.template, request.pullRequest),
        deleted,
      }));
    case 'sweep':
      return sweepPreviews(request, context);
  }
}

/**
 * Creates the preview service on first use — the template's network, launch and deployment settings,
 * never its load balancer — then deploys the images to it like any service and follows the rollout.
 */
async function deployPreview(request: PreviewDeploy, context: PreviewContext): Promise<PreviewResult> {
  const { ecs, logger } = context;
  const { pullRequest } = request;
  const name = previewServiceName(request.template, pullRequest);
  const [template] = await findServices(ecs, request.cluster, [request.template]);
  if (!template) throw new Error(`findServices returned no service "${request.template}".`);
  const route = request.route ? await ensureRoute(template, request.route, request, context) : undefined;
  const [existing] = (await describeServices(ecs, request.cluster, [name])).filter(
    (s) => s.status === 'ACTIVE',
  );
  if (!existing) {
    const taskDefinition = await registerPreviewFamily(ecs, template.taskDefinition!, pullRequest, logger);
    await ecs.send(
      new CreateServiceCommand({
        cluster: request.cluster,
        serviceName: name,
        taskDefinition,
        // Zero until the deploy below: one rollout, of the preview's own images, to follow.
        desiredCount: 0,
        ...(template.capacityProviderStrategy?.length
          ? { capacityProviderStrategy: template.capacityProviderStrategy }
          : { launchType: template.launchType }),
        platformVersion: template.platformVersion,
        networkConfiguration: template.networkConfiguration,
        deploymentConfiguration: template.deploymentConfiguration,
        enableExecuteCommand: template.enableExecuteCommand,
        loadBalancers: route ? [route.loadBalancer] : undefined,
        healthCheckGracePeriodSeconds: route ? template.healthCheckGracePeriodSeconds : undefined,
        propagateTags: 'SERVICE',
        tags: [
          { key: PREVIEW_TAG, value: request.template },
          { key: 'slipway:pull-request', value: String(pullRequest) },
        ],
      }),
    );
    logger.info(`Created preview service ${name} from ${request.template}.`);
  }
  const deployment = await deploy(
    {
      ...request.deploy,
      cluster: request.cluster,
      services: [name],
      desiredCount: existing ? request.deploy.desiredCount : request.desiredCount,
    },
    context,
  );
  return { action: 'deploy', service: name, url: route?.url, deployment };
}

/** The template's task definition, registered as the family <family>-pr-<N>, so previews never add revisions to the template's. */
async function registerPreviewFamily(
  ecs: ECSClient,
  templateArn: string,
  pullRequest: number,
  logger: Logger,
) {
  const since = new Date();
  const live = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: templateArn, include: ['TAGS'] }),
  );
  const { input } = toRegisterInput(live.taskDefinition!, live.tags);
  const family = `${input.family}-pr-${pullRequest}`;
  return registerTaskDefinition(ecs, { ...input, family }, { logger, since });
}

interface Route {
  url: string;
  loadBalancer: { targetGroupArn: string; containerName: string; containerPort: number };
}

/** The preview's own target group (the template's settings) and a host-header rule forwarding to it. */
async function ensureRoute(
  template: Service,
  { domain, listenerArn }: PreviewRoute,
  { template: templateName, pullRequest }: PreviewDeploy,
  context: PreviewContext,
): Promise<Route> {
  const templateTarget = template.loadBalancers?.find((lb) => lb.targetGroupArn && lb.containerName);
  if (!templateTarget) {
    throw new ConfigurationError(
      ECS.PREVIEW_MISCONFIGURED,
      `Inputs "preview-domain" and "listener-arn" route previews through a load balancer, but service "${template.serviceName}" has no target group to copy.`,
      {
        remedy:
          'Drop "preview-domain" and "listener-arn", or use a template service behind the load balancer.',
      },
    );
  }
  const elb = await context.elb();
  const host = previewHost(domain, pullRequest);
  const targetGroup = await elbCall(`target group for ${host}`, async () => {
    const name = previewTargetGroupName(templateName, pullRequest);
    const found = await findTargetGroup(elb, name);
    if (found) return found;
    const [model] =
      (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [templateTarget.targetGroupArn!] })))
        .TargetGroups ?? [];
    if (!model) throw new Error(`target group ${templateTarget.targetGroupArn} was not found`);
    const created = await elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: model.Protocol,
        Port: model.Port,
        VpcId: model.VpcId,
        TargetType: model.TargetType,
        HealthCheckProtocol: model.HealthCheckProtocol,
        HealthCheckPath: model.HealthCheckPath,
        Matcher: model.Matcher,
        Tags: [{ Key: PREVIEW_TAG, Value: templateName }],
      }),
    );
    return created.TargetGroups![0]!;
  });
  await elbCall(`listener rule for ${host}`, async () => {
    const forward = [{ Type: 'forward' as const, TargetGroupArn: targetGroup.TargetGroupArn! }];
    const rules = await listenerRules(elb, listenerArn);
    const existing = rules.find((rule) => hostsOf(rule).includes(host));
    if (existing) {
      const current = existing.Actions?.find((action) => action.Type === 'forward')?.TargetGroupArn;
      if (current !== targetGroup.TargetGroupArn) {
        await elb.send(new ModifyRuleCommand({ RuleArn: existing.RuleArn!, Actions: forward }));
      }
      return;
    }
    // Two previews may pick one free priority at once: the loser takes the next.
    await retry(
      async () => {
        const taken = new Set((await listenerRules(elb, listenerArn)).map((rule) => rule.Priority));
        let priority = 1;
        while (taken.has(String(priority))) priority++;
        await elb.send(
          new CreateRuleCommand({
            ListenerArn: listenerArn,
            Priority: priority,
            Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
            Actions: forward,
            Tags: [{ Key: PREVIEW_TAG, Value: templateName }],
          }),
        );
      },
      {
        attempts: 5,
        baseMs: 100,
        capMs: 1000,
        retryable: (error) => awsErrorName(error) === 'PriorityInUseException',
      },
    );
  });
  context.logger.info(`Preview host ${host} → target group ${targetGroup.TargetGroupName}.`);
  return {
    url: `https://${host}`,
    loadBalancer: {
      targetGroupArn: targetGroup.TargetGroupArn!,
      containerName: templateTarget.containerName!,
      containerPort: templateTarget.containerPort!,
    },
  };
}

/** Removes a preview: its service, its host rule and target group, its task definition family. Idempotent. */
async function deletePreview(
  request: PreviewScope,
  pullRequest: number,
  context: PreviewContext,
): Promise<string[]> {
  const { ecs, logger } = context;
  const name = previewServiceName(request.template, pullRequest);
  const [service] = (await describeServices(ecs, request.cluster, [name])).filter(
    (s) => s.status === 'ACTIVE',
  );
  if (service) {
    await ecs.send(new DeleteServiceCommand({ cluster: request.cluster, service: name, force: true }));
    logger.info(`Deleted preview service ${name}.`);
  }
  const { route } = request;
  if (route) {
    const elb = await context.elb();
    const host = previewHost(route.domain, pullRequest);
    await elbCall(`cleanup of ${host}`, async () => {
      const rules = await listenerRules(elb, route.listenerArn);
      for (const rule of rules.filter((r) => hostsOf(r).includes(host))) {
        await elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn! }));
      }
      const group = await findTargetGroup(elb, previewTargetGroupName(request.template, pullRequest));
      if (group) {
        await retry(() => elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: group.TargetGroupArn! })), {
          attempts: 5,
          baseMs: 500,
          capMs: 4000,
          retryable: (error) => awsErrorName(error) === 'ResourceInUseException',
        });
      }
    });
  }
  const family = service?.taskDefinition ? familyOf(service.taskDefinition) : undefined;
  if (family) {
    for await (const page of paginateListTaskDefinitions(
      { client: ecs },
      { familyPrefix: family, status: 'ACTIVE' },
    )) {
      for (const arn of page.taskDefinitionArns ?? []) {
        // The prefix also matches <family>0…: only this family's revisions go.
        if (familyOf(arn) === family) {
          await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
        }
      }
    }
  }
  return service ? [name] : [];
}

/** Deletes the template's previews whose pull request closed, or that outlived the TTL. */
async function sweepPreviews(request: PreviewSweep, context: PreviewContext): Promise<PreviewResult> {
  const { ecs, logger } = context;
  const pattern = new RegExp(`^${request.template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-pr-(\\d+)$`);
  const names: string[] = [];
  for await (const page of paginateListServices({ client: ecs }, { cluster: request.cluster })) {
    for (const arn of page.serviceArns ?? []) {
      const name = arn.split('/').pop()!;
      if (pattern.test(name)) names.push(name);
    }
  }
  const open = new Set(request.openPullRequests);
  const oldest = (context.clock?.now() ?? Date.now()) - request.ttlHours * 3_600_000;
  const deleted: string[] = [];
  for (const service of await describeServices(ecs, request.cluster, names)) {
    if (service.status !== 'ACTIVE') continue;
    const pullRequest = Number(pattern.exec(service.serviceName!)![1]);
    const expired = (service.createdAt?.getTime() ?? 0) < oldest;
    if (open.has(pullRequest) && !expired) continue;
    logger.info(
      `${service.serviceName}: ${open.has(pullRequest) ? 'older than the TTL' : 'pull request closed'}.`,
    );
    deleted.push(...(await deletePreview(request, pullRequest, context)));
  }
  return { action: 'sweep', deleted };
}

async function findTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  name: string,
): Promise<TargetGroup | undefined> {
  try {
    return (await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'TargetGroupNotFoundException') return undefined;
    throw error;
  }
}

async function listenerRules(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let Marker: string | undefined;
  do {
    const page = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker }));
    rules.push(...(page.Rules ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return rules;
}

function hostsOf(rule: Rule): string[] {
  return (rule.Conditions ?? []).flatMap((condition) =>
    condition.Field === 'host-header' ? (condition.HostHeaderConfig?.Values ?? condition.Values ?? []) : [],
  );
}

async function elbCall<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof SlipwayError) throw error;
    throw new SlipwayError(
      ECS.PREVIEW_ROUTE_FAILED,
      `The ${what} could not be set up: ${awsErrorName(error)}.`,
      {
        remedy:
          'Check "listener-arn" and the role (elasticloadbalancing:DescribeRules, CreateRule, CreateTargetGroup, DeleteRule, DeleteTargetGroup).',
        cause: error,
      },
    );
  }
}
