import { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Backoff, ClientFactory, Clock, Logger, Secrets, systemClock } from '@slipway/kit';
import { Check, failed, VERDICT_MARK } from './check';
import { CREDENTIAL_NAME, urlCredentials } from './credentials';
import { EcsProbe, expectServices, probeServices } from './ecs';
import { HttpProbe, probeUrl } from './http';
import { defaultBackoff, Patience } from './until-deadline';

export interface ValidateRequest {
  ecs?: EcsProbe;
  /** Checked besides those of the services' load balancers. */
  targetGroupArns: string[];
  http?: HttpProbe;
  /** One deadline for every check, counted from the start. */
  timeoutSeconds: number;
  region?: string;
}

export interface ValidateContext {
  /** Made on first use: validating URLs alone needs no AWS region. */
  ecs: () => ECSClient;
  /** Made, and its SDK module loaded, only when there are target groups to check. */
  elb: ClientFactory<ElasticLoadBalancingV2Client>;
  logger: Logger;
  secrets: Secrets;
  clock?: Clock;
  backoff?: Backoff;
}

export interface ValidationReport {
  passed: boolean;
  checks: Check[];
  durationMs: number;
}

/**
 * Runs every check (ECS services, target groups, URLs) in parallel under one deadline and reports them
 * all. Unknown clusters, services and revisions are configuration errors raised before anything is probed.
 */
export async function validate(
  request: ValidateRequest,
  context: ValidateContext,
): Promise<ValidationReport> {
  registerSecrets(request, context.secrets);
  const logger = redacting(context.logger, context.secrets);
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const patience: Patience = {
    deadline: started + request.timeoutSeconds * 1000,
    clock,
    backoff: context.backoff ?? defaultBackoff,
    logger,
  };

  const ecs = request.ecs ? context.ecs() : undefined;
  const services = request.ecs ? await expectServices(ecs!, request.ecs) : [];
  const targetGroups = [
    ...new Set([...services.flatMap((s) => s.targetGroupArns), ...request.targetGroupArns]),
  ];
  const targetHealth = targetGroups.length
    ? { elb: await context.elb(), ...(await import('./target-health')) }
    : undefined;
  if (request.http?.verifyTls === false) {
    logger.warning(
      'TLS certificates are not verified (insecure-skip-tls-verify): any server can pose as these URLs.',
    );
  }

  const groups = await Promise.all([
    request.ecs ? probeServices(ecs!, request.ecs.cluster, services, patience) : [],
    ...targetGroups.map((arn) => targetHealth!.probeTargetGroup(targetHealth!.elb, arn, patience)),
    ...(request.http?.urls ?? []).map((url) => probeUrl(url, request.http!, patience)),
  ]);
  const checks = groups.flat().map((c) => redacted(c, context.secrets));
  for (const c of checks) {
    logger.info(`${VERDICT_MARK[c.verdict]} ${c.name} — ${c.target}: ${c.observation}`);
  }
  return { passed: !checks.some(failed), checks, durationMs: clock.now() - started };
}

function registerSecrets(request: ValidateRequest, secrets: Secrets): void {
  for (const [name, value] of Object.entries(request.http?.headers ?? {})) {
    if (CREDENTIAL_NAME.test(name)) secrets.register(value);
  }
  // Every check's target is its URL, so its password and credential-like query values are masked first.
  for (const url of request.http?.urls ?? []) urlCredentials(url).forEach((value) => secrets.register(value));
}

function redacting(logger: Logger, secrets: Secrets): Logger {
  return {
    ...logger,
    debug: (message) => logger.debug(secrets.redact(message)),
    info: (message) => logger.info(secrets.redact(message)),
    warning: (message) => logger.warning(secrets.redact(message)),
    error: (message) => logger.error(secrets.redact(message)),
  };
}

function redacted(c: Check, secrets: Secrets): Check {
  return {
    ...c,
    target: secrets.redact(c.target),
    observation: secrets.redact(c.observation),
    ...(c.detail ? { detail: secrets.redact(c.detail) } : {}),
  };
}
