import { tagErrorsWithAction } from './aws-errors';
import { ConfigurationError } from './errors';
import { region as regionGrammar } from './grammars';

export const REGION_MISSING = 'SLW-KIT-003';
export const INVALID_REGION = 'SLW-KIT-005';

/** What every AWS SDK v3 client constructor accepts and we set. */
interface ClientSettings {
  region: string;
  retryMode: string;
  maxAttempts: number;
  customUserAgent: string;
}

export interface AwsClientOptions {
  region?: string;
  /** Total attempts per call, throttling included; adaptive mode also rate-limits the client. */
  maxAttempts?: number;
}

export const USER_AGENT = 'slipway/0.1.0';

export function resolveRegion(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = explicit || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError(REGION_MISSING, 'No AWS region is set.', {
      remedy:
        'Set the "region" input, or AWS_REGION (aws-actions/configure-aws-credentials sets it for later steps).',
    });
  }
  // AWS_REGION is checked like the input: a region AWS lacks would only fail at the first call.
  try {
    regionGrammar.parse(region);
  } catch (error) {
    throw new ConfigurationError(
      INVALID_REGION,
      `${explicit ? 'Input "region"' : 'AWS_REGION'} ${(error as Error).message}: got "${region.slice(0, 40)}".`,
      { remedy: `Expected ${regionGrammar.expected}.` },
    );
  }
  return region;
}

/**
 * Builds an SDK client with our region rule and adaptive retry. Endpoints are left to the SDK, which
 * honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (how tests reach moto and the sandbox).
 */
export function awsClient<C>(Client: new (settings: ClientSettings) => C, options: AwsClientOptions = {}): C {
  const client = new Client({
    region: resolveRegion(options.region),
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 8,
    customUserAgent: USER_AGENT,
  });
  tagErrorsWithAction(client);
  return client;
}

/** Makes a client on first use; it may load its SDK module then (see `onDemand`). */
export type ClientFactory<C> = () => C | Promise<C>;

/**
 * A client made on first use, from an SDK module loaded only then: a step never parses a client that
 * its mode does not call. `load` is a dynamic import, so the bundler ships the module as its own chunk.
 */
export function onDemand<C>(
  load: () => Promise<new (settings: ClientSettings) => C>,
  options: AwsClientOptions = {},
): () => Promise<C> {
  let client: Promise<C> | undefined;
  return () => (client ??= load().then((Client) => awsClient(Client, options)));
}

interface AwsErrorShape {
  name?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
]);

export function isThrottling(error: unknown): boolean {
  const e = error as AwsErrorShape;
  return Boolean(
    e?.$retryable?.throttling ||
    (e?.name && THROTTLING_NAMES.has(e.name)) ||
    e?.$metadata?.httpStatusCode === 429,
  );
}

/** Throttling, 5xx and network failures: worth another try once the SDK's own retries are spent. */
export function isTransient(error: unknown): boolean {
  const e = error as AwsErrorShape;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return (
    isThrottling(error) ||
    status >= 500 ||
    ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '') ||
    e?.name === 'TimeoutError'
  );
}

export function awsErrorName(error: unknown): string | undefined {
  return (error as AwsErrorShape)?.name;
}
