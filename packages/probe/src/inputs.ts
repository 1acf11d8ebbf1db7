import { parseTaskDefinitionRef } from '@slipway/ecs';
import {
  ConfigurationError,
  InputSource,
  Secrets,
  ecsCluster,
  ecsService,
  input,
  onlyWith,
  parseInputs,
  region,
  sameRegion,
  targetGroupArn,
  url,
} from '@slipway/kit';
import { PRB } from './codes';
import { maskUrlText } from './credentials';
import { parseJsonExpectation } from './expectations';
import { ValidateRequest } from './validate';

/** validate-deploy's inputs, as action.yml declares them (the CLI runs the bundle, which reads them with this). */
export const validateInputs = {
  cluster: input.value(ecsCluster),
  services: input.list({ default: [], item: ecsService, unique: true }),
  'task-definition-arn': input.string(),
  since: input.string(),
  'target-group-arns': input.list({ default: [], item: targetGroupArn, unique: true }),
  urls: input.string({ multiline: true }),
  'expected-status': input.integer({ default: 200, min: 100, max: 599 }),
  'json-expectations': input.string({ multiline: true }),
  // Header lines carry tokens: never echoed (validate masks credential values itself).
  headers: input.string({ multiline: true, hidden: true }),
  'insecure-skip-tls-verify': input.boolean({ default: false }),
  // No default here or in action.yml: only a value the user gave can contradict "timeout".
  'request-timeout': input.integer({ min: 1, max: 86400 }),
  'latency-samples': input.integer({ max: 10000 }),
  'latency-p95-max-ms': input.integer({ max: 3600000 }),
  timeout: input.integer({ default: 120, min: 1, max: 86400 }),
  region: input.value(region),
};

const DEFAULT_LATENCY_SAMPLES = 20;
const DEFAULT_REQUEST_TIMEOUT_SECONDS = 10;

/** Inputs that only mean something with another one: given alone, they would silently check nothing. */
const NEEDS: [keyof typeof validateInputs, 'urls' | 'services'][] = [
  ['json-expectations', 'urls'],
  ['headers', 'urls'],
  ['latency-samples', 'urls'],
  ['latency-p95-max-ms', 'urls'],
  ['task-definition-arn', 'services'],
  ['since', 'services'],
  ['cluster', 'services'],
];

const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):(.*)$/;

export function readValidateRequest(source: InputSource, secrets?: Secrets): ValidateRequest {
  const i = parseInputs(source, validateInputs, { secrets });
  sameRegion(source, [
    ['cluster', i.cluster],
    ...i.services.map((s): [string, string] => ['services', s]),
    ...i['target-group-arns'].map((s): [string, string] => ['target-group-arns', s]),
    ['task-definition-arn', i['task-definition-arn']],
  ]);
  const urls = lines(i.urls).map(parseUrl);
  onlyWith(
    source,
    validateInputs,
    ['insecure-skip-tls-verify', 'expected-status', 'request-timeout'],
    'urls',
    urls.length > 0,
    'it configures the HTTP checks',
  );
  for (const [name, needed] of NEEDS) {
    if (i[name] !== undefined && !(needed === 'urls' ? urls.length : i.services.length)) {
      throw new ConfigurationError(
        PRB.NOTHING_TO_VALIDATE,
        `Input "${name}" was given without "${needed}".`,
        {
          remedy: `Set "${needed}" too, or drop "${name}".`,
        },
      );
    }
  }
  if (!i.services.length && !urls.length && !i['target-group-arns'].length) {
    throw new ConfigurationError(PRB.NOTHING_TO_VALIDATE, 'Nothing to validate.', {
      remedy: 'Set "services" (with "cluster"), "target-group-arns" or "urls".',
    });
  }
  if (i.services.length && !i.cluster) {
    throw new ConfigurationError(PRB.CLUSTER_NOT_FOUND, 'Input "cluster" is required with "services".', {
      remedy: 'Set "cluster" to the cluster the services run in.',
    });
  }
  return {
    ecs: i.services.length
      ? {
          cluster: i.cluster!,
          services: [...new Set(i.services)],
          taskDefinition: i['task-definition-arn'] && parseTaskDefinitionRef(i['task-definition-arn']),
          since: i.since ? parseSince(i.since) : undefined,
        }
      : undefined,
    targetGroupArns: i['target-group-arns'],
    http: urls.length
      ? {
          urls,
          expectedStatus: i['expected-status'],
          expectations: lines(i['json-expectations']).map(parseJsonExpectation),
          headers: parseHeaders(i.headers),
          verifyTls: !i['insecure-skip-tls-verify'],
          requestTimeoutMs: requestTimeoutSeconds(i['request-timeout'], i.timeout) * 1000,
          latency: latencyProbe(i['latency-samples'], i['latency-p95-max-ms']),
        }
      : undefined,
    timeoutSeconds: i.timeout,
    region: i.region,
  };
}

/** One item per line (values may hold commas), blanks and `#` comments dropped. */
function lines(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

const httpUrl = url(['http', 'https']);

function parseUrl(text: string): URL {
  try {
    return httpUrl.parse(text);
  } catch {
    // Explained below, with any credentials in it masked.
  }
  throw new ConfigurationError(
    PRB.INVALID_URL,
    // Credentials in a URL are never echoed.
    `Input "urls": "${maskUrlText(text)}" is not an http or https URL.`,
    { remedy: 'Give absolute URLs, one per line, e.g. https://api.example.com/health.' },
  );
}

function parseHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  lines(raw).forEach((line, index) => {
    const match = HEADER.exec(line);
    if (!match) {
      // The line may hold a credential, so it is named by number, never quoted.
      throw new ConfigurationError(
        PRB.INVALID_HEADER,
        `Input "headers": line ${index + 1} is not "Name: value".`,
        {
          remedy: 'Write one header per line, e.g. "Authorization: Bearer …"; names have no spaces.',
        },
      );
    }
    headers[match[1]!] = match[2]!.trim();
  });
  return headers;
}

function parseSince(text: string): Date {
  const date = /^\d+(\.\d+)?$/.test(text)
    ? new Date(Number(text) * 1000)
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? new Date(text)
      : new Date(NaN);
  if (!Number.isNaN(date.getTime())) return date;
  throw new ConfigurationError(PRB.INVALID_SINCE, `Input "since": "${text}" is not a time.`, {
    remedy: 'Give an ISO 8601 time (2025-01-31T12:00:00Z) or epoch seconds (e.g. from `date +%s`).',
  });
}

function latencyProbe(samples: number | undefined, maxP95Ms: number | undefined) {
  if (samples === undefined && maxP95Ms === undefined) return undefined;
  const probe = { samples: samples ?? DEFAULT_LATENCY_SAMPLES, maxP95Ms };
  if (probe.samples < 1 || (maxP95Ms !== undefined && maxP95Ms <= 0)) {
    throw new ConfigurationError(
      PRB.IMPOSSIBLE_THRESHOLDS,
      `Inputs "latency-samples" (${probe.samples}) and "latency-p95-max-ms" (${maxP95Ms ?? 'none'}) ask for an impossible latency probe.`,
      { remedy: 'Take at least 1 sample, and give a p95 limit above 0 ms (or none, to only report).' },
    );
  }
  return probe;
}

function requestTimeoutSeconds(given: number | undefined, timeout: number): number {
  if (given === undefined) return Math.min(DEFAULT_REQUEST_TIMEOUT_SECONDS, timeout);
  if (given <= timeout) return given;
  throw new ConfigurationError(
    PRB.IMPOSSIBLE_THRESHOLDS,
    `Input "request-timeout" (${given} s) is longer than "timeout" (${timeout} s), which bounds every request.`,
    { remedy: 'Set "request-timeout" to at most "timeout", or raise "timeout".' },
  );
}
