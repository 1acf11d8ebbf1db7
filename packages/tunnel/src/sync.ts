import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DbTarget, SyncOptions, SyncRequest } from '@slipway/db';
import { Secrets } from '@slipway/kit';
import { resolveCredentials } from './credentials';

/** Reads the credentials a sync's databases are named by, from inputs, Secrets Manager or Parameter Store. */
export async function resolveSyncRequest(
  request: SyncRequest,
  clients: { secretsManager: () => SecretsManagerClient; ssm: () => SSMClient },
  secrets: Secrets,
): Promise<{ target: DbTarget; options: Omit<SyncOptions, 'logger'> }> {
  const { source } = request;
  return {
    target: await resolveCredentials(request.target, clients, secrets),
    options: {
      ...request.options,
      source:
        source.kind === 'database'
          ? { kind: 'database', database: await resolveCredentials(source.database, clients, secrets) }
          : source,
    },
  };
}
