import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { Sandbox, startSandbox } from '@slipway/sandbox';

let sandbox: Sandbox;
let secrets: SecretsManagerClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  secrets = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: sandbox.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
    maxAttempts: 1,
  });
});
afterAll(() => sandbox?.stop());

test('Secrets Manager through the SDK: a secret made is found by name, ARN and ARN without its suffix', async () => {
  const made = await secrets.send(new CreateSecretCommand({ Name: 'app/db', SecretString: 'pw' }));
  expect(made.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/db-[A-Za-z0-9]{6}$/);
  for (const id of ['app/db', made.ARN!, made.ARN!.slice(0, -7)]) {
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: id }));
    expect({ id, arn: described.ARN, name: described.Name }).toEqual({ id, arn: made.ARN, name: 'app/db' });
  }
  expect((await secrets.send(new GetSecretValueCommand({ SecretId: made.ARN }))).SecretString).toBe('pw');
});

test('a missing secret, a wrong suffix and a second secret of one name are refused as AWS refuses them', async () => {
  const made = await secrets.send(new CreateSecretCommand({ Name: 'twice' }));
  await expect(secrets.send(new CreateSecretCommand({ Name: 'twice' }))).rejects.toMatchObject({
    name: 'ResourceExistsException',
  });
  for (const id of ['nowhere', `${made.ARN!.slice(0, -6)}AbCdEf`]) {
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  }
});
