import { parseArgs } from 'node:util';
import type { SandboxOptions } from './options';

export const CLI_USAGE = `Usage: npm run sandbox -- [options]

  --port <n>         port on 127.0.0.1 (default: a free port)
  --speed <n>        simulated seconds per real second (default 1)
  --tick-ms <n>      real milliseconds between simulation steps (default 20)
  --region <name>    region in ARNs (default us-east-1)
  --account-id <id>  12-digit account id in ARNs (default 123456789012)
  --cluster <name>   cluster that exists from the start; repeatable (default: default)
  --seed <n>         seed for faults and generated ids (default 1)`;

export function parseSandboxArgs(argv: string[]): SandboxOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      speed: { type: 'string' },
      'tick-ms': { type: 'string' },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      cluster: { type: 'string', multiple: true },
      seed: { type: 'string' },
    },
  });
  return {
    port: numberOption('--port', values.port),
    speed: numberOption('--speed', values.speed),
    tickMs: numberOption('--tick-ms', values['tick-ms']),
    region: values.region,
    accountId: values['account-id'],
    clusters: values.cluster,
    seed: numberOption('--seed', values.seed),
  };
}

function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

/**
 * What the AWS SDK, the aws CLI v1 and v2 need to talk to the sandbox: an endpoint per service it serves
 * (AWS_ENDPOINT_URL_<SERVICE>), the region under both names (the SDK and CLI v2 read AWS_REGION, CLI v1
 * only AWS_DEFAULT_REGION) and dummy credentials.
 */
export function sandboxEnv(url: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ECS: url,
    AWS_ENDPOINT_URL_ECR: url,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: url,
    AWS_ENDPOINT_URL_CODEDEPLOY: url,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/** The line to paste into a shell so the AWS SDK and CLI talk to the sandbox. */
export function exportLine(url: string, region: string): string {
  return `export ${Object.entries(sandboxEnv(url, region))
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')}`;
}
