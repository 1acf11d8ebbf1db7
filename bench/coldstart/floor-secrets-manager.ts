// The floor for a program whose first AWS request is Secrets Manager GetSecretValue: that client, that request.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

void new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'db' })).catch(() => {});
