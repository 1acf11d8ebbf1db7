import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Secrets } from '@slipway/kit';
import { resolveCredentials } from '@slipway/flows';
import { MotoServer, startMoto } from '../../helpers/moto';

let moto: MotoServer;
let clients: { secretsManager: () => SecretsManagerClient; ssm: () => SSMClient };

beforeAll(async () => {
  moto = await startMoto();
  const config = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  };
  const secretsManager = new SecretsManagerClient(config);
  const ssm = new SSMClient(config);
  clients = { secretsManager: () => secretsManager, ssm: () => ssm };
  await secretsManager.send(
    new CreateSecretCommand({
      Name: 'rds/app',
      SecretString: JSON.stringify({
        username: 'app',
        password: 'pw/from secret',
        host: 'db.internal',
        port: 6543,
        dbname: 'deals',
        engine: 'postgres',
      }),
    }),
  );
  await secretsManager.send(new CreateSecretCommand({ Name: 'not-json', SecretString: 'hunter2' }));
  for (const [name, value, type] of [
    ['/deals/db/host', 'pg.internal', 'String'],
    ['/deals/db/port', '5433', 'String'],
    ['/deals/db/username', 'deals', 'String'],
    ['/deals/db/password', 'pw-from-ssm', 'SecureString'],
    ['/deals/db/dbname', 'deals_prod', 'String'],
  ] as const) {
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: type }));
  }
}, 60_000);
afterAll(() => moto?.stop());

test('an RDS-shaped secret gives every field; inputs override it; the password is masked first, in every form', async () => {
  const masked: string[] = [];
  const target = await resolveCredentials(
    { given: { host: '10.0.0.9' }, secretId: 'rds/app', parameters: [] },
    clients,
    new Secrets((s) => masked.push(s)),
  );
  expect(target).toEqual({
    host: '10.0.0.9',
    port: 6543,
    user: 'app',
    password: 'pw/from secret',
    database: 'deals',
  });
  // As given (PGPASSWORD), URL-encoded, and the whole URL (DATABASE_URL) that holds it.
  expect(masked).toEqual([
    'pw/from secret',
    'pw%2Ffrom%20secret',
    'postgresql://app:pw%2Ffrom%20secret@10.0.0.9:6543/deals',
  ]);
});

test('Parameter Store by path prefix decrypts SecureStrings, and by names', async () => {
  const byPath = await resolveCredentials({ given: {}, parameters: ['/deals/db/'] }, clients, new Secrets());
  expect(byPath).toEqual({
    host: 'pg.internal',
    port: 5433,
    user: 'deals',
    password: 'pw-from-ssm',
    database: 'deals_prod',
  });
  const byNames = await resolveCredentials(
    {
      given: { database: 'other' },
      parameters: ['/deals/db/host', '/deals/db/username', '/deals/db/password'],
    },
    clients,
    new Secrets(),
  );
  expect(byNames).toEqual({
    host: 'pg.internal',
    port: 5432,
    user: 'deals',
    password: 'pw-from-ssm',
    database: 'other',
  });
});

test('unreadable or incomplete credentials are clear errors that never echo the secret', async () => {
  await expect(
    resolveCredentials({ given: {}, secretId: 'not-json', parameters: [] }, clients, new Secrets()),
  ).rejects.toMatchObject({
    code: 'SLW-TUN-010',
    message: expect.not.stringContaining('hunter2'),
  });
  await expect(
    resolveCredentials({ given: {}, secretId: 'missing', parameters: [] }, clients, new Secrets()),
  ).rejects.toMatchObject({ code: 'SLW-TUN-010' });
  await expect(
    resolveCredentials({ given: {}, parameters: ['/deals/db/nope'] }, clients, new Secrets()),
  ).rejects.toThrow(/\/deals\/db\/nope/);
  await expect(
    resolveCredentials({ given: { host: 'h' }, parameters: [] }, clients, new Secrets()),
  ).rejects.toMatchObject({
    code: 'SLW-TUN-009',
    message: expect.stringMatching(/user, password, database are not set/),
  });
});
