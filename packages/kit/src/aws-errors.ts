import { basename, dirname } from 'node:path';
import { SlipwayError, UNEXPECTED_ERROR } from './errors';

export const AWS_ACCESS_DENIED = 'SLW-KIT-010';
export const AWS_THROTTLED = 'SLW-KIT-011';
export const AWS_UNKNOWN_REGION = 'SLW-KIT-012';
export const AWS_CREDENTIALS = 'SLW-KIT-013';
export const AWS_NOT_FOUND = 'SLW-KIT-014';

/** What the SDK's errors carry, and what awsClient adds: the IAM action of the call that failed. */
interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  hostname?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
  $action?: string;
}

const CLIENT_PREFIXES: Record<string, string> = {
  ECSClient: 'ecs',
  ECRClient: 'ecr',
  EC2Client: 'ec2',
  EC2InstanceConnectClient: 'ec2-instance-connect',
  SSMClient: 'ssm',
  SecretsManagerClient: 'secretsmanager',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  CloudWatchLogsClient: 'logs',
  CodeDeployClient: 'codedeploy',
  STSClient: 'sts',
};

/** The IAM action of an SDK call, e.g. ECSClient + UpdateServiceCommand → ecs:UpdateService. */
export function iamAction(
  clientName: string | undefined,
  commandName: string | undefined,
): string | undefined {
  const prefix = clientName && CLIENT_PREFIXES[clientName];
  if (!prefix || !commandName) return undefined;
  return `${prefix}:${commandName.replace(/Command$/, '')}`;
}

/** Adds the failed call's IAM action to any error it throws, so a refusal can name what to allow. */
export function tagErrorsWithAction(client: unknown): void {
  const stack = (client as { middlewareStack?: { add: (...args: unknown[]) => void } }).middlewareStack;
  stack?.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: unknown) => {
        try {
          return await next(args);
        } catch (error) {
          if (error && typeof error === 'object' && !('$action' in error)) {
            Object.defineProperty(error, '$action', {
              value: iamAction(context.clientName, context.commandName),
              enumerable: false,
            });
          }
          throw error;
        }
      },
    { step: 'initialize', name: 'slipwayIamAction' },
  );
}

/** The action this bundle is (dist/<action>/index.js), whose IAM policy is docs/iam/<action>.json. */
function policyFile(): string {
  const action = process.argv[1] ? basename(dirname(process.argv[1])) : '';
  return /^[a-z-]+$/.test(action) && action !== 'dist' && action !== 'slipway'
    ? `docs/iam/${action}.json`
    : 'docs/iam/ (the policy of the action run)';
}

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
]);
const CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'CredentialsProviderError',
  'TokenProviderError',
]);
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
]);

/** AWS's own refusals, named with a remedy; undefined for anything that is not one. */
export function awsFailure(thrown: unknown): SlipwayError | undefined {
  if (!thrown || typeof thrown !== 'object') return undefined;
  const e = thrown as AwsErrorShape;
  const name = e.name ?? '';
  const message = oneLine(e.message ?? name);
  const action = e.$action ?? /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
  const status = e.$metadata?.httpStatusCode;
  const options = { cause: thrown, evidence: [`AWS said: ${name}: ${message}`.slice(0, 300)] };
  if (DENIED.has(name) || /not authorized to perform/i.test(message)) {
    return new SlipwayError(
      AWS_ACCESS_DENIED,
      `AWS refused ${action ?? 'a call'}: the role lacks that permission.`,
      {
        ...options,
        remedy: `Allow ${action ?? 'the action named below'} to the role the workflow assumes; ${policyFile()} lists every permission this action needs.`,
      },
    );
  }
  if (
    /valid region|region .*(not|in)valid|unknown region|could not resolve region/i.test(message) ||
    name === 'InvalidRegion'
  ) {
    return new SlipwayError(
      AWS_UNKNOWN_REGION,
      `AWS does not know the region asked for${action ? ` (${action})` : ''}.`,
      {
        ...options,
        remedy: 'Set "region" (or AWS_REGION) to a region your account uses, e.g. us-east-1.',
      },
    );
  }
  if (e.code === 'ENOTFOUND' && /amazonaws\.com/.test(`${e.hostname ?? ''} ${message}`)) {
    return new SlipwayError(
      AWS_UNKNOWN_REGION,
      `There is no AWS endpoint ${e.hostname ?? 'for the region given'}.`,
      {
        ...options,
        remedy:
          'Check "region" (or AWS_REGION): the service may not be offered there, or the region is misspelled.',
      },
    );
  }
  if (
    CREDENTIALS.has(name) ||
    /security token.*(expired|invalid)|could not load credentials/i.test(message)
  ) {
    return new SlipwayError(
      AWS_CREDENTIALS,
      `AWS did not accept the credentials${action ? ` for ${action}` : ''}: ${name}.`,
      {
        ...options,
        remedy:
          'Run aws-actions/configure-aws-credentials (OIDC) earlier in the job, and keep role-duration-seconds longer than the job; expired or missing credentials cannot call AWS.',
      },
    );
  }
  if (THROTTLING.has(name) || e.$retryable?.throttling || status === 429) {
    return new SlipwayError(
      AWS_THROTTLED,
      `AWS kept throttling ${action ?? 'a call'}${e.$metadata?.attempts ? ` after ${e.$metadata.attempts} attempts` : ''}.`,
      {
        ...options,
        remedy: "Other jobs share the account's API rate: retry later, or run fewer deploys at once.",
      },
    );
  }
  if (/NotFound/.test(name) || name === 'ResourceNotFoundException' || name === 'NoSuchEntity') {
    return new SlipwayError(
      AWS_NOT_FOUND,
      `${action ?? 'An AWS call'} found nothing by the name given: ${message}`.slice(0, 300),
      {
        ...options,
        remedy: 'Check the input that names it (and "region": resources live in one region and account).',
      },
    );
  }
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Turns anything thrown into an Error; AWS refusals get their code, anything else is unexpected (a bug). */
export function toSlipwayError(thrown: unknown): SlipwayError {
  if (thrown instanceof SlipwayError) return thrown;
  const aws = awsFailure(thrown);
  if (aws) return aws;
  const error =
    thrown instanceof Error
      ? thrown
      : new Error(
          thrown === undefined || thrown === null
            ? 'something was thrown with no description'
            : typeof thrown === 'object'
              ? JSON.stringify(thrown)
              : String(thrown),
        );
  return new SlipwayError(UNEXPECTED_ERROR, error.message || error.name, { cause: error });
}
