import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ContainerDefinition, Service } from '@aws-sdk/client-ecs';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName, ecrRegistryHost, onDemand, resolveRegion } from '@slipway/kit';
import { ECS } from './codes';
import { fargateSizeProblem } from './fargate';
import { TaskDefinitionInput } from './taskdef';

export type CheckKind =
  'image' | 'secret' | 'secret-access' | 'log-group' | 'fargate-size' | 'load-balancer' | 'network';

/** passed; failed (the deploy would fail on it); unchecked (the check could not be made, e.g. no permission). */
export type CheckStatus = 'passed' | 'failed' | 'unchecked';

export interface PreflightCheck {
  kind: CheckKind;
  status: CheckStatus;
  service: string;
  container?: string;
  /** What was checked: an image, a secret ARN, a log group, a target group, a subnet… */
  resource: string;
  /** What was found, or why it could not be checked. */
  detail: string;
  /** Set when failed. */
  code?: string;
  remedy?: string;
  /** An image's digest, when its registry told it. */
  digest?: string;
}

/**
 * The causes the seed's ECS Fargate guide lists under Troubleshooting, which each failed check would have
 * become after a full failed rollout.
 */
export const PREVENTED_CAUSE: Record<CheckKind, string> = {
  image: 'Task fails to start — "ECR image not found"',
  secret: 'Secrets access denied — "Ensure secrets exist in correct region"',
  'secret-access': 'Secrets access denied — "Verify execution role has secretsmanager:GetSecretValue"',
  'log-group': 'Task fails to start — stuck in PENDING or STOPPED (the awslogs driver cannot write)',
  'fargate-size': 'Task fails to start — "Resource limits exceeded"',
  'load-balancer': 'Health check failures — service deployment fails, tasks unhealthy',
  network: 'Task fails to start — stuck in PENDING (no subnet or security group to place the task in)',
};

export const PREFLIGHT_CODES: Record<CheckKind, string> = {
  image: ECS.PREFLIGHT_IMAGE_NOT_FOUND,
  secret: ECS.PREFLIGHT_SECRET_NOT_FOUND,
  'secret-access': ECS.PREFLIGHT_SECRET_NOT_READABLE,
  'log-group': ECS.PREFLIGHT_LOG_GROUP_MISSING,
  'fargate-size': ECS.PREFLIGHT_INVALID_FARGATE_SIZE,
  'load-balancer': ECS.PREFLIGHT_LOAD_BALANCER_TARGET,
  network: ECS.PREFLIGHT_NETWORK_NOT_FOUND,
};

/** Clients by region, each made (and its SDK module loaded) on first use. */
export interface PreflightClients {
  region: string;
  ecr(region: string): Promise<ECRClient>;
  secretsManager(region: string): Promise<SecretsManagerClient>;
  ssm(region: string): Promise<SSMClient>;
  logs(region: string): Promise<CloudWatchLogsClient>;
  ec2(): Promise<EC2Client>;
  iam(): Promise<IAMClient>;
  /** Registry manifests outside ECR are looked up over HTTP (default: global fetch). */
  fetch?: typeof fetch;
}

/** Clients made on first use, one per region: a deploy whose definitions name no secret loads no SSM. */
export function preflightClients(region: string | undefined): PreflightClients {
  const home = resolveRegion(region);
  const perRegion = <C>(make: (region: string) => () => Promise<C>) => {
    const made = new Map<string, () => Promise<C>>();
    return (where: string) => {
      if (!made.has(where)) made.set(where, make(where));
      return made.get(where)!();
    };
  };
  return {
    region: home,
    ecr: perRegion((r) =>
      onDemand(async () => (await import('@aws-sdk/client-ecr')).ECRClient, { region: r }),
    ),
    secretsManager: perRegion((r) =>
      onDemand(async () => (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient, {
        region: r,
      }),
    ),
    ssm: perRegion((r) =>
      onDemand(async () => (await import('@aws-sdk/client-ssm')).SSMClient, { region: r }),
    ),
    logs: perRegion((r) =>
      onDemand(async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient, {
        region: r,
      }),
    ),
    ec2: onDemand(async () => (await import('@aws-sdk/client-ec2')).EC2Client, { region: home }),
    // The simulation only advises: an IAM that does not answer at once is not waited for.
    iam: onDemand(async () => (await import('@aws-sdk/client-iam')).IAMClient, {
      region: home,
      maxAttempts: 1,
    }),
  };
}

/** One service's deploy as pre-flight sees it: the service and the definition it would run. */
export interface PreflightTarget {
  service: Service;
  definition: TaskDefinitionInput;
}

/** Answers that mean the deployer may not make this check, not that the resource is missing. */
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'NotAuthorized',
]);

type Found = Pick<PreflightCheck, 'status' | 'detail' | 'digest'>;

/** A check that could not be made: why, in words. */
function unchecked(error: unknown, call: string): Found {
  const name = awsErrorName(error) ?? 'Error';
  if (DENIED.has(name)) return { status: 'unchecked', detail: `the deployer may not call ${call}` };
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  // The first line only: an unparseable answer's message runs on about the SDK's internals.
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 160) : '';
  return {
    status: 'unchecked',
    detail: `${call} failed${status ? ` (HTTP ${status})` : ''}: ${name}${message ? ` — ${message}` : ''}`,
  };
}

/**
 * Checks, before anything is registered, what the new definitions and the services will need: images,
 * secrets and parameters (and the execution role's right to read them), log groups, the Fargate size,
 * load balancer containers and ports, subnets and security groups. Calls are batched per registry
 * repository, region and kind, and all run at once; a check that cannot be made is reported unchecked.
 */
export async function preflight(
  targets: PreflightTarget[],
  clients: PreflightClients,
): Promise<PreflightCheck[]> {
  const perTarget = targets.map((t) => ({ ...t, name: t.service.serviceName! }));
  const results = await Promise.all([
    checkImages(perTarget, clients),
    checkSecrets(perTarget, clients),
    checkLogGroups(perTarget, clients),
    checkNetwork(perTarget, clients),
  ]);
  const local = perTarget.flatMap((t) => [...checkFargateSize(t), ...checkLoadBalancers(t)]);
  return [...local, ...results.flat()].map((check) =>
    check.status === 'failed' ? { ...check, code: PREFLIGHT_CODES[check.kind] } : check,
  );
}

/** A target with its service's name. */
export type Named = PreflightTarget & { name: string };

const containersOf = (t: Named): ContainerDefinition[] => t.definition.containerDefinitions ?? [];

/** Reads the same resource once however many containers or services name it. */
function byResource<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const item of items) grouped.set(key(item), [...(grouped.get(key(item)) ?? []), item]);
  return grouped;
}

function runsOnFargate(t: Named): boolean {
  const launch = t.service.launchType;
  const providers = t.service.capacityProviderStrategy?.map((p) => p.capacityProvider ?? '') ?? [];
  return (
    launch === 'FARGATE' ||
    providers.some((p) => p.startsWith('FARGATE')) ||
    (t.definition.requiresCompatibilities ?? []).includes('FARGATE')
  );
}

export function checkFargateSize(t: Named): PreflightCheck[] {
  if (!runsOnFargate(t)) return [];
  const { cpu, memory } = t.definition;
  const problem = fargateSizeProblem(cpu, memory);
  return [
    {
      kind: 'fargate-size',
      service: t.name,
      resource: `cpu ${cpu ?? '—'} / memory ${memory ?? '—'}`,
      status: problem ? 'failed' : 'passed',
      detail: problem ?? 'a valid Fargate size',
      remedy: problem
        ? 'Pick a valid pair (e.g. 256/512, 512/1024, 1024/2048, 2048/4096, 4096/8192); see "Task size" in the Fargate documentation.'
        : undefined,
    },
  ];
}

export function checkLoadBalancers(t: Named): PreflightCheck[] {
  return (t.service.loadBalancers ?? []).map((lb) => {
    const target = lb.targetGroupArn?.split('/').slice(-2, -1)[0] ?? lb.loadBalancerName ?? 'load balancer';
    const resource = `${target} → ${lb.containerName}:${lb.containerPort}`;
    const container = containersOf(t).find((c) => c.name === lb.containerName);
    const ports = (container?.portMappings ?? []).map((p) => p.containerPort);
    const problem = !container
      ? `the new definition has no container "${lb.containerName}" (it has ${containersOf(t)
          .map((c) => c.name)
          .join(', ')})`
      : !ports.includes(lb.containerPort)
        ? `container "${lb.containerName}" maps no port ${lb.containerPort} (it maps ${ports.join(', ') || 'none'})`
        : undefined;
    return {
      kind: 'load-balancer' as const,
      service: t.name,
      container: lb.containerName,
      resource,
      status: problem ? ('failed' as const) : ('passed' as const),
      detail: problem ?? 'the container and port exist',
      remedy: problem
        ? `Keep container "${lb.containerName}" with portMappings containerPort ${lb.containerPort} in the task definition, or change the service's load balancer first.`
        : undefined,
    };
  });
}

// ---- images -------------------------------------------------------------------------------------------

export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  ecr?: { registryId: string; region: string };
}

/** Splits an image reference as Docker does: a first part with "." or ":" (or "localhost") is a registry. */
export function parseImageRef(image: string): ImageRef {
  const [withoutDigest, digest] = image.split('@') as [string, string | undefined];
  const slash = withoutDigest.indexOf('/');
  const first = slash === -1 ? '' : withoutDigest.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let path = hasRegistry ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = path.lastIndexOf(':');
  const tag = colon > path.lastIndexOf('/') ? path.slice(colon + 1) : undefined;
  if (tag !== undefined) path = path.slice(0, colon);
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;

  return {
    registry,
    repository: path,
    digest,
    tag: tag ?? (digest ? undefined : 'latest'),
    ecr: ecrRegistryHost(registry),
  };
}

interface ImageUse {
  service: string;
  container: string;
  image: string;
  ref: ImageRef;
}

async function checkImages(targets: Named[], clients: PreflightClients): Promise<PreflightCheck[]> {
  const uses: ImageUse[] = targets.flatMap((t) =>
    containersOf(t).map((c) => ({
      service: t.name,
      container: c.name!,
      image: c.image ?? '',
      ref: parseImageRef(c.image ?? ''),
    })),
  );
  const groups = byResource(uses, (u) => `${u.ref.registry}/${u.ref.repository}`);
  const found = await Promise.all(
    [...groups.values()].map(async (group) => {
      const ref = group[0]!.ref;
      const answers = ref.ecr
        ? await lookUpEcr(ref.ecr, ref.repository, group, clients)
        : await Promise.all(group.map((u) => lookUpManifest(u.ref, clients.fetch ?? fetch)));
      return group.map((use, i) => ({ use, found: answers[i]! }));
    }),
  );
  return found.flat().map(({ use, found }) => ({
    kind: 'image' as const,
    service: use.service,
    container: use.container,
    resource: use.image,
    ...found,
    remedy:
      found.status === 'failed'
        ? `Push ${use.image} (or fix the tag or digest in "images"/the task definition) before deploying; check the repository's region and account.`
        : undefined,
  }));
}

/** One BatchGetImage per repository: its failures name each missing tag or digest. */
async function lookUpEcr(
  where: { registryId: string; region: string },
  repositoryName: string,
  uses: ImageUse[],
  clients: PreflightClients,
): Promise<Found[]> {
  const { BatchGetImageCommand } = await import('@aws-sdk/client-ecr');
  const imageIds = uses.map((u) =>
    u.ref.digest ? { imageDigest: u.ref.digest, imageTag: u.ref.tag } : { imageTag: u.ref.tag },
  );
  let answer;
  try {
    const ecr = await clients.ecr(where.region);
    answer = await ecr.send(
      new BatchGetImageCommand({
        registryId: where.registryId,
        repositoryName,
        imageIds,
        acceptedMediaTypes: [
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.docker.distribution.manifest.v2+json',
        ],
      }),
    );
  } catch (error) {
    if (awsErrorName(error) === 'RepositoryNotFoundException') {
      return uses.map(() => ({
        status: 'failed',
        detail: `repository "${repositoryName}" does not exist in registry ${where.registryId} (${where.region})`,
      }));
    }
    return uses.map(() => unchecked(error, 'ecr:BatchGetImage'));
  }
  return uses.map((u) => {
    const matches = (id: { imageTag?: string; imageDigest?: string } | undefined) =>
      u.ref.digest ? id?.imageDigest === u.ref.digest : id?.imageTag === u.ref.tag;
    const image = answer.images?.find((i) => matches(i.imageId));
    if (image) return { status: 'passed', detail: 'found in ECR', digest: image.imageId?.imageDigest };
    const failure = answer.failures?.find((f) => matches(f.imageId));
    const what = u.ref.digest ? `digest ${u.ref.digest}` : `tag "${u.ref.tag}"`;
    return {
      status: 'failed',
      detail: `${what} not found in ${repositoryName}${failure ? ` (${failure.failureCode}: ${failure.failureReason})` : ''}`,
    };
  });
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * A registry outside ECR, by the distribution API: HEAD the manifest, with an anonymous bearer token when
 * the registry asks for one (public images). Loopback registries speak plain HTTP, as Docker allows.
 */
async function lookUpManifest(ref: ImageRef, fetchImpl: typeof fetch): Promise<Found> {
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(ref.registry);
  const url = `${loopback ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}/manifests/${ref.digest ?? ref.tag}`;
  const head = (authorization?: string) =>
    fetchImpl(url, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES, ...(authorization ? { authorization } : {}) },
      signal: AbortSignal.timeout(5000),
    });
  try {
    let response = await head();
    const challenge = response.headers.get('www-authenticate') ?? '';
    if (response.status === 401 && /^bearer /i.test(challenge)) {
      const token = await anonymousToken(challenge, fetchImpl);
      if (token) response = await head(`Bearer ${token}`);
    }
    if (response.ok) {
      return {
        status: 'passed',
        detail: `manifest found at ${ref.registry}`,
        digest: response.headers.get('docker-content-digest') ?? undefined,
      };
    }
    if (response.status === 404) {
      return {
        status: 'failed',
        detail: `no manifest ${ref.digest ?? ref.tag} in ${ref.registry}/${ref.repository}`,
      };
    }
    return {
      status: 'unchecked',
      detail: `${ref.registry} answered ${response.status} (a private registry needs credentials this check does not have)`,
    };
  } catch (error) {
    return {
      status: 'unchecked',
      detail: `${ref.registry} could not be reached: ${(error as Error).message}`,
    };
  }
}

async function anonymousToken(challenge: string, fetchImpl: typeof fetch): Promise<string | undefined> {
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
  );
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

// ---- secrets and parameters ---------------------------------------------------------------------------

interface SecretUse {
  service: string;
  container: string;
  /** As the definition names it (valueFrom or credentialsParameter). */
  valueFrom: string;
  store: 'secretsmanager' | 'ssm';
  region: string;
  /** The secret's ARN without a JSON key or version, or the parameter's name or ARN. */
  id: string;
  /** The ARN IAM evaluates access against. */
  arn?: string;
  executionRoleArn?: string;
}

/** Where a valueFrom points: a Secrets Manager ARN (maybe with :json-key:stage:version), or a parameter. */
export function secretSource(
  valueFrom: string,
  defaultRegion: string,
): Omit<SecretUse, 'service' | 'container' | 'valueFrom'> {
  const parts = valueFrom.split(':');
  if (parts[0] === 'arn' && parts[2] === 'secretsmanager') {
    const arn = parts.slice(0, 7).join(':');
    return { store: 'secretsmanager', region: parts[3]!, id: arn, arn };
  }
  if (parts[0] === 'arn' && parts[2] === 'ssm') {
    return { store: 'ssm', region: parts[3]!, id: valueFrom, arn: valueFrom };
  }
  return { store: 'ssm', region: defaultRegion, id: valueFrom };
}

/**
 * A parameter named without its ARN is in the task's account, which is the execution role's: IAM
 * evaluates access against that ARN (a policy granting one parameter does not grant "*").
 */
function withParameterArn<S extends { store: string; region: string; id: string; arn?: string }>(
  source: S,
  roleArn: string | undefined,
): S {
  const [, partition, , , account] = (roleArn ?? '').split(':');
  if (source.arn || source.store !== 'ssm' || !account) return source;
  const path = source.id.startsWith('/') ? source.id : `/${source.id}`;
  return { ...source, arn: `arn:${partition}:ssm:${source.region}:${account}:parameter${path}` };
}

async function checkSecrets(targets: Named[], clients: PreflightClients): Promise<PreflightCheck[]> {
  const uses: SecretUse[] = targets.flatMap((t) =>
    containersOf(t).flatMap((c) => {
      const named = [
        ...(c.secrets ?? []).map((s) => s.valueFrom ?? ''),
        ...(c.repositoryCredentials?.credentialsParameter
          ? [c.repositoryCredentials.credentialsParameter]
          : []),
      ];
      return named.map((valueFrom) => ({
        service: t.name,
        container: c.name!,
        valueFrom,
        executionRoleArn: t.definition.executionRoleArn,
        ...withParameterArn(secretSource(valueFrom, clients.region), t.definition.executionRoleArn),
      }));
    }),
  );
  if (!uses.length) return [];
  const [existence, access] = await Promise.all([
    secretsExist(uses, clients),
    secretsReadable(uses, clients),
  ]);
  return [
    ...uses.map((u, i) => ({
      kind: 'secret' as const,
      service: u.service,
      container: u.container,
      resource: u.valueFrom,
      ...existence[i]!,
      remedy:
        existence[i]!.status === 'failed'
          ? `Create it in ${u.region}, or fix the ARN or name (a secret's ARN ends in its 6-character suffix; the region is the 4th field).`
          : undefined,
    })),
    ...access,
  ];
}

async function secretsExist(uses: SecretUse[], clients: PreflightClients): Promise<Found[]> {
  const answers = new Map<string, Promise<Found>>();
  const secretIds = byResource(
    uses.filter((u) => u.store === 'secretsmanager'),
    (u) => u.id,
  );
  if (secretIds.size) {
    const { DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    for (const [id, [use]] of secretIds) {
      answers.set(
        `secretsmanager ${id}`,
        clients
          .secretsManager(use!.region)
          .then((client) => client.send(new DescribeSecretCommand({ SecretId: id })))
          .then(
            (secret): Found =>
              secret.DeletedDate
                ? {
                    status: 'failed',
                    detail: `secret scheduled for deletion on ${secret.DeletedDate.toISOString()}`,
                  }
                : { status: 'passed', detail: `secret exists in ${use!.region}` },
            (error): Found =>
              awsErrorName(error) === 'ResourceNotFoundException'
                ? { status: 'failed', detail: `no such secret in ${use!.region}` }
                : unchecked(error, 'secretsmanager:DescribeSecret'),
          ),
      );
    }
  }
  const byRegion = byResource(
    uses.filter((u) => u.store === 'ssm'),
    (u) => u.region,
  );
  if (byRegion.size) {
    const { GetParametersCommand } = await import('@aws-sdk/client-ssm');
    for (const [region, inRegion] of byRegion) {
      const names = [...new Set(inRegion.map((u) => u.id))];
      // GetParameters takes ten names a call; without decryption it reads no SecureString's value.
      for (let i = 0; i < names.length; i += 10) {
        const batch = names.slice(i, i + 10);
        const answer = clients
          .ssm(region)
          .then((ssm) => ssm.send(new GetParametersCommand({ Names: batch })));
        for (const name of batch) {
          answers.set(
            `ssm ${name}`,
            answer.then(
              (got): Found =>
                got.InvalidParameters?.includes(name)
                  ? { status: 'failed', detail: `no such parameter in ${region}` }
                  : { status: 'passed', detail: `parameter exists in ${region}` },
              (error) => unchecked(error, 'ssm:GetParameters'),
            ),
          );
        }
      }
    }
  }
  return Promise.all(uses.map((u) => answers.get(`${u.store} ${u.id}`)!));
}

/**
 * The execution role's right to read each secret and parameter, by IAM's policy simulator (identity
 * policies only: a resource policy or KMS key policy can still deny). One call per role and action.
 */
async function secretsReadable(uses: SecretUse[], clients: PreflightClients): Promise<PreflightCheck[]> {
  const withoutRole = uses.filter((u) => !u.executionRoleArn);
  const checks: PreflightCheck[] = withoutRole.map((u) => ({
    kind: 'secret-access',
    service: u.service,
    container: u.container,
    resource: u.valueFrom,
    status: 'failed',
    detail: 'the task definition has no executionRoleArn, so ECS cannot fetch secrets for the task',
    remedy: 'Set executionRoleArn to a role with secretsmanager:GetSecretValue / ssm:GetParameters on these.',
  }));
  const roles = byResource(
    uses.filter((u) => u.executionRoleArn),
    (u) => `${u.executionRoleArn} ${u.store}`,
  );
  if (!roles.size) return checks;
  const { SimulatePrincipalPolicyCommand } = await import('@aws-sdk/client-iam');
  const simulated = await Promise.all(
    [...roles.values()].map(async (group) => {
      const role = group[0]!.executionRoleArn!;
      const action =
        group[0]!.store === 'secretsmanager' ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameters';
      const resources = [...new Set(group.map((u) => u.arn ?? '*'))];
      try {
        const iam = await clients.iam();
        const answer = await iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: role,
            ActionNames: [action],
            ResourceArns: resources,
          }),
        );
        const decision = (u: SecretUse) =>
          answer.EvaluationResults?.find((r) => (r.EvalResourceName ?? '*') === (u.arn ?? '*'))?.EvalDecision;
        return group.map((u): PreflightCheck => {
          const verdict = decision(u);
          const allowed = verdict === 'allowed';
          return {
            kind: 'secret-access',
            service: u.service,
            container: u.container,
            resource: u.valueFrom,
            status: verdict === undefined ? 'unchecked' : allowed ? 'passed' : 'failed',
            detail:
              verdict === undefined
                ? 'IAM returned no decision for it'
                : allowed
                  ? `${role.split('/').pop()} may ${action}`
                  : `${role.split('/').pop()} may not ${action} (${verdict})`,
            remedy: allowed
              ? undefined
              : `Allow ${action} on ${u.arn ?? u.id} in the execution role's policy.`,
          };
        });
      } catch (error) {
        const why = unchecked(error, 'iam:SimulatePrincipalPolicy');
        return group.map((u): PreflightCheck => ({
          kind: 'secret-access',
          service: u.service,
          container: u.container,
          resource: u.valueFrom,
          ...why,
        }));
      }
    }),
  );
  return [...checks, ...simulated.flat()];
}

// ---- log groups ---------------------------------------------------------------------------------------

async function checkLogGroups(targets: Named[], clients: PreflightClients): Promise<PreflightCheck[]> {
  const uses = targets.flatMap((t) =>
    containersOf(t)
      .filter((c) => c.logConfiguration?.logDriver === 'awslogs')
      .map((c) => {
        const options = c.logConfiguration!.options ?? {};
        return {
          service: t.name,
          container: c.name!,
          group: options['awslogs-group'] ?? '',
          region: options['awslogs-region'] ?? clients.region,
          creates: options['awslogs-create-group'] === 'true',
        };
      }),
  );
  const toLookUp = byResource(
    uses.filter((u) => !u.creates && u.group),
    (u) => `${u.region} ${u.group}`,
  );
  const found = new Map<string, Found>();
  if (toLookUp.size) {
    const { DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    await Promise.all(
      [...toLookUp].map(async ([key, [use]]) => {
        try {
          const logs = await clients.logs(use!.region);
          const answer = await logs.send(
            new DescribeLogGroupsCommand({ logGroupNamePrefix: use!.group, limit: 50 }),
          );
          const exists = answer.logGroups?.some((g) => g.logGroupName === use!.group);
          found.set(
            key,
            exists
              ? { status: 'passed', detail: `log group exists in ${use!.region}` }
              : { status: 'failed', detail: `no log group "${use!.group}" in ${use!.region}` },
          );
        } catch (error) {
          found.set(key, unchecked(error, 'logs:DescribeLogGroups'));
        }
      }),
    );
  }
  return uses.map((u) => {
    const answer: Found = !u.group
      ? { status: 'failed', detail: 'the awslogs driver has no awslogs-group option' }
      : u.creates
        ? { status: 'passed', detail: 'awslogs-create-group is set: ECS creates it' }
        : found.get(`${u.region} ${u.group}`)!;
    return {
      kind: 'log-group' as const,
      service: u.service,
      container: u.container,
      resource: u.group || '(none)',
      ...answer,
      remedy:
        answer.status === 'failed'
          ? `Create log group "${u.group}" in ${u.region}, or set awslogs-create-group: "true" (the execution role then needs logs:CreateLogGroup).`
          : undefined,
    };
  });
}

// ---- subnets and security groups ----------------------------------------------------------------------

/**
 * A deploy never changes a service's network configuration, and AWS keeps a subnet or security group while a
 * task's network interface uses it: so only the configuration of a service with no running task is looked up,
 * which spares a Fargate deploy the load of EC2's client (about 300 ms).
 */
export async function checkNetwork(targets: Named[], clients: PreflightClients): Promise<PreflightCheck[]> {
  const uses = targets.flatMap((t) => {
    const vpc = t.service.networkConfiguration?.awsvpcConfiguration;
    const running = t.service.runningCount ?? 0;
    return [
      ...(vpc?.subnets ?? []).map((id) => ({ service: t.name, id, what: 'subnet' as const, running })),
      ...(vpc?.securityGroups ?? []).map((id) => ({
        service: t.name,
        id,
        what: 'security group' as const,
        running,
      })),
    ];
  });
  const inUse = uses
    .filter((u) => u.running > 0)
    .map((u): PreflightCheck => ({
      kind: 'network',
      service: u.service,
      resource: u.id,
      status: 'passed',
      detail: `in use by the service's ${u.running} running task${u.running === 1 ? '' : 's'}`,
    }));
  return [
    ...inUse,
    ...(await lookUpNetwork(
      uses.filter((u) => u.running === 0),
      clients,
    )),
  ];
}

async function lookUpNetwork(
  uses: { service: string; id: string; what: 'subnet' | 'security group' }[],
  clients: PreflightClients,
): Promise<PreflightCheck[]> {
  if (!uses.length) return [];
  const subnets = [...new Set(uses.filter((u) => u.what === 'subnet').map((u) => u.id))];
  const groups = [...new Set(uses.filter((u) => u.what === 'security group').map((u) => u.id))];
  const { DescribeSubnetsCommand, DescribeSecurityGroupsCommand } = await import('@aws-sdk/client-ec2');
  // Filters rather than ids: a missing id is then left out of the answer instead of failing the call.
  const lookUp = async (ids: string[], what: 'subnet' | 'security group'): Promise<Set<string> | Found> => {
    if (!ids.length) return new Set();
    try {
      const ec2 = await clients.ec2();
      if (what === 'subnet') {
        const answer = await ec2.send(
          new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: ids }] }),
        );
        return new Set((answer.Subnets ?? []).map((s) => s.SubnetId!));
      }
      const answer = await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: ids }] }),
      );
      return new Set((answer.SecurityGroups ?? []).map((g) => g.GroupId!));
    } catch (error) {
      return unchecked(error, what === 'subnet' ? 'ec2:DescribeSubnets' : 'ec2:DescribeSecurityGroups');
    }
  };
  const [foundSubnets, foundGroups] = await Promise.all([
    lookUp(subnets, 'subnet'),
    lookUp(groups, 'security group'),
  ]);
  return uses.map((u) => {
    const found = u.what === 'subnet' ? foundSubnets : foundGroups;
    const answer: Found =
      found instanceof Set
        ? found.has(u.id)
          ? { status: 'passed', detail: `${u.what} exists` }
          : { status: 'failed', detail: `no ${u.what} ${u.id} in ${clients.region}` }
        : found;
    return {
      kind: 'network' as const,
      service: u.service,
      resource: u.id,
      ...answer,
      remedy:
        answer.status === 'failed'
          ? `Update the service's network configuration (awsvpcConfiguration) to an existing ${u.what}, in the service's VPC and region.`
          : undefined,
    };
  });
}
