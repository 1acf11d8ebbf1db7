import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { CredentialSources, DbTarget, secretForms } from '@slipway/db';
import { ClientFactory, ConfigurationError, Secrets, SlipwayError } from '@slipway/kit';
import { TUNNEL } from '@slipway/tunnel';

export interface CredentialClients {
  secretsManager: ClientFactory<SecretsManagerClient>;
  ssm: ClientFactory<SSMClient>;
}

/** Field names RDS managed secrets (and our parameter names) use, mapped to ours. */
const FIELDS: Record<string, keyof DbTarget> = {
  host: 'host',
  port: 'port',
  username: 'user',
  user: 'user',
  password: 'password',
  dbname: 'database',
  database: 'database',
};

/**
 * Assembles the database target from inputs, a Secrets Manager secret and/or Parameter Store, and
 * registers the password (as given, URL-encoded, and in its URL) as a secret before anything can print it.
 */
export async function resolveCredentials(
  sources: CredentialSources,
  clients: CredentialClients,
  secrets: Secrets,
): Promise<DbTarget> {
  const found: Record<string, unknown> = {};
  if (sources.secretId)
    Object.assign(found, await fromSecret(await clients.secretsManager(), sources.secretId));
  if (sources.parameters.length) {
    // Parameter Store's client is loaded only by the steps that read from it.
    const { fromParameters } = await import('./parameters');
    Object.assign(found, await fromParameters(await clients.ssm(), sources.parameters));
  }
  const merged: Partial<DbTarget> = {};
  for (const [key, value] of Object.entries(found)) {
    const field = FIELDS[key];
    if (field && value !== undefined && value !== '')
      (merged as Record<string, unknown>)[field] = field === 'port' ? Number(value) : String(value);
  }
  const target = { port: 5432, ...merged, ...definedOnly(sources.given) };
  for (const form of secretForms(target)) secrets.register(form);
  const missing = (['host', 'user', 'password', 'database'] as const).filter((k) => !target[k]);
  if (missing.length) {
    throw new ConfigurationError(
      TUNNEL.CREDENTIALS_INCOMPLETE,
      `The database ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set by any source.`,
      {
        remedy:
          sources.inputs ??
          'Give "db-secret-id" (RDS secret JSON: username, password, host, port, dbname), "db-parameters", or the db-* inputs.',
      },
    );
  }
  return target as DbTarget;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== ''),
  ) as Partial<T>;
}

async function fromSecret(client: SecretsManagerClient, secretId: string): Promise<Record<string, unknown>> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    throw new SlipwayError(
      TUNNEL.CREDENTIALS_UNREADABLE,
      `Secret "${secretId}" could not be read: ${(error as Error).name}.`,
      {
        remedy:
          'Check the secret id or ARN, the region, and secretsmanager:GetSecretValue (and kms:Decrypt) for the role.',
        cause: error,
      },
    );
  }
  try {
    const parsed = JSON.parse(text ?? '');
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    // Never echo the secret's text: it is what we are protecting.
    throw new SlipwayError(TUNNEL.CREDENTIALS_UNREADABLE, `Secret "${secretId}" is not a JSON object.`, {
      remedy:
        'Store the database credentials as JSON with username, password, host, port and dbname (the RDS format).',
    });
  }
}
