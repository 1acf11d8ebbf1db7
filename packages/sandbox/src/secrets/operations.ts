import type {
  CreateSecretRequest,
  DescribeSecretRequest,
  GetSecretValueRequest,
} from '@aws-sdk/client-secrets-manager';
import { AwsError } from '../http/aws-error';
import { operation, type OperationTable } from '../http/operation';
import type { SeededRandom } from '../random';

export interface SecretsContext {
  region: string;
  accountId: string;
  random: SeededRandom;
  wallNow: () => number;
}

interface Secret {
  arn: string;
  name: string;
  value?: string;
  created: number;
}

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const notFound = () =>
  new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/**
 * Secrets Manager, as far as a deploy's secrets need it: CreateSecret (an ARN ending in "-" and six
 * random characters, as AWS makes it), DescribeSecret and GetSecretValue by name, full ARN or the ARN
 * without its suffix. No versions, rotation, deletion or KMS.
 */
export function secretsOperations({ region, accountId, random, wallNow }: SecretsContext): OperationTable {
  const secrets = new Map<string, Secret>();
  const find = (id: string | undefined): Secret => {
    if (!id) throw new AwsError('InvalidParameterException', 'SecretId must be specified.');
    const found = id.startsWith('arn:')
      ? [...secrets.values()].find((s) => s.arn === id || `${s.arn.slice(0, -7)}` === id)
      : secrets.get(id);
    if (!found) throw notFound();
    return found;
  };
  const seconds = (ms: number) => new Date(ms);
  return {
    CreateSecret: operation((input: CreateSecretRequest) => {
      const name = input.Name ?? '';
      if (!/^[\w/+=.@-]{1,512}$/.test(name)) {
        throw new AwsError(
          'InvalidParameterException',
          'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
        );
      }
      if (secrets.has(name)) {
        throw new AwsError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      let suffix = '';
      for (let i = 0; i < 6; i++) suffix += SUFFIX[random.int(SUFFIX.length)];
      const secret: Secret = {
        arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`,
        name,
        value: input.SecretString,
        created: wallNow(),
      };
      secrets.set(name, secret);
      return { ARN: secret.arn, Name: name };
    }),
    DescribeSecret: operation((input: DescribeSecretRequest) => {
      const secret = find(input.SecretId);
      return { ARN: secret.arn, Name: secret.name, CreatedDate: seconds(secret.created) };
    }),
    GetSecretValue: operation((input: GetSecretValueRequest) => {
      const secret = find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        CreatedDate: seconds(secret.created),
      };
    }),
  };
}
