/**
 * Smoke tests for the test helpers: each starts the real server it promises, the servers behave
 * like the real thing, and stop() really takes them down.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Client } from 'pg';
import {
  awsChildEnv,
  awsTestEnv,
  restoreEnv,
  restoreEnvAfterEach,
  saveEnv,
  withEnv,
} from '../../helpers/env';
import { startMoto, type MotoServer } from '../../helpers/moto';
import { freePort, isPortOpen, waitForPort, waitUntil } from '../../helpers/ports';
import { startPostgresPair, type PgPair } from '../../helpers/postgres';

restoreEnvAfterEach();

const rand = () => randomBytes(4).toString('hex');

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('ports', () => {
  test('freePort returns a port that can be listened on, and waitForPort sees the listener', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await isPortOpen(port)).toBe(false);
    const net = await import('node:net');
    const server = net.createServer().listen(port, '127.0.0.1');
    try {
      await waitForPort(port, 2_000);
      expect(await isPortOpen(port)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('waitUntil names what it waited for and the last error', async () => {
    await expect(
      waitUntil(
        () => {
          throw new Error('still asleep');
        },
        { timeoutMs: 120, intervalMs: 20, what: 'the dragon to wake' },
      ),
    ).rejects.toThrow(/waiting for the dragon to wake; last error: still asleep/);
    let calls = 0;
    await expect(waitUntil(() => ++calls >= 3 && 'done', { intervalMs: 1 })).resolves.toBe('done');
    expect(calls).toBe(3);
  });
});

describe('env', () => {
  test('restoreEnv removes added variables and resets changed ones', () => {
    process.env.SLIPWAY_KEEP = 'original';
    const snapshot = saveEnv();
    process.env.SLIPWAY_KEEP = 'changed';
    process.env.SLIPWAY_ADDED = 'added';
    restoreEnv(snapshot);
    expect(process.env.SLIPWAY_KEEP).toBe('original');
    expect('SLIPWAY_ADDED' in process.env).toBe(false);
  });

  test('withEnv applies and then restores, even when fn throws', async () => {
    const before = process.env.AWS_REGION;
    await expect(
      withEnv({ AWS_REGION: 'eu-west-3' }, () => {
        expect(process.env.AWS_REGION).toBe('eu-west-3');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(process.env.AWS_REGION).toBe(before);
  });

  test('awsChildEnv drops host AWS_* settings and adds the test ones', () => {
    const env = awsChildEnv(
      'http://127.0.0.1:1',
      { EXTRA: 'x' },
      {
        PATH: '/bin',
        AWS_PROFILE: 'prod',
        AWS_SESSION_TOKEN: 'host-token',
        AWS_ENDPOINT_URL_ECS: 'https://ecs.example',
      },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      EXTRA: 'x',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(env).not.toHaveProperty('AWS_PROFILE');
    expect(env).not.toHaveProperty('AWS_SESSION_TOKEN');
    expect(env).not.toHaveProperty('AWS_ENDPOINT_URL_ECS');
  });
});

describe('postgres pair', () => {
  let pg: PgPair | undefined;

  beforeAll(async () => {
    pg = await startPostgresPair();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  test('both servers accept SELECT 1 over 127.0.0.1 with the URL credentials', async () => {
    for (const server of [pg!.staging, pg!.production]) {
      if (!server.external) expect(server.url).toMatch(/^postgres:\/\/\w+:\w+@127\.0\.0\.1:\d+\/postgres$/);
      const rows = await query<{ one: number; version: string }>(
        server.url,
        'SELECT 1 AS one, version() AS version',
      );
      expect(rows).toEqual([{ one: 1, version: expect.stringMatching(/^PostgreSQL \d+/) }]);
    }
  });

  test('a wrong password is rejected (authentication is on)', async () => {
    const url = new URL(pg!.staging.url);
    url.password = 'not-the-password';
    await expect(query(url.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  test('staging and production are distinct: a table created on one is absent on the other', async () => {
    const table = `slipway_probe_${rand()}`;
    await query(
      pg!.staging.url,
      `CREATE TABLE ${table} (id int PRIMARY KEY); INSERT INTO ${table} VALUES (42)`,
    );
    const exists = `SELECT to_regclass('public.${table}') IS NOT NULL AS present`;
    expect(await query(pg!.staging.url, exists)).toEqual([{ present: true }]);
    expect(await query(pg!.production.url, exists)).toEqual([{ present: false }]);
    expect(await query(pg!.staging.url, `SELECT id FROM ${table}`)).toEqual([{ id: 42 }]);
  });

  test('stop() closes both ports and removes the temp dirs', async () => {
    const { staging, production } = pg!;
    await pg!.stop();
    if (staging.external) {
      // PG_TEST_URL: the pair's databases are dropped, the server stays up.
      await expect(query(staging.url, 'SELECT 1')).rejects.toThrow(/does not exist/);
      return;
    }
    expect(staging.port).not.toBe(production.port);
    expect(await isPortOpen(staging.port)).toBe(false);
    expect(await isPortOpen(production.port)).toBe(false);
    expect(existsSync(staging.dir!)).toBe(false);
    expect(existsSync(production.dir!)).toBe(false);
    await expect(query(staging.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('moto', () => {
  let moto: MotoServer | undefined;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  const ssmClient = (endpoint?: string) =>
    new SSMClient(
      endpoint
        ? { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
        : {},
    );

  test('SSM PutParameter / GetParameter round-trip through @aws-sdk/client-ssm', async () => {
    const ssm = ssmClient(moto!.url);
    try {
      const Name = `/slipway/test/${rand()}`;
      const put = await ssm.send(new PutParameterCommand({ Name, Value: 's3cret', Type: 'SecureString' }));
      expect(put.Version).toBe(1);
      const got = await ssm.send(new GetParameterCommand({ Name, WithDecryption: true }));
      expect(got.Parameter).toMatchObject({ Name, Value: 's3cret', Type: 'SecureString', Version: 1 });
      await expect(ssm.send(new GetParameterCommand({ Name: `${Name}/missing` }))).rejects.toMatchObject({
        name: 'ParameterNotFound',
      });
    } finally {
      ssm.destroy();
    }
  });

  test('awsTestEnv alone points a default-configured SDK client at moto (AWS_ENDPOINT_URL)', async () => {
    const Name = `/slipway/env/${rand()}`;
    const endpointBefore = process.env.AWS_ENDPOINT_URL;
    await withEnv({ ...awsTestEnv(moto!.url), AWS_PROFILE: undefined }, async () => {
      const ssm = ssmClient();
      try {
        await ssm.send(new PutParameterCommand({ Name, Value: 'via-env', Type: 'String' }));
      } finally {
        ssm.destroy();
      }
    });
    expect(process.env.AWS_ENDPOINT_URL).toBe(endpointBefore);
    // Read back through an explicitly configured client: the parameter really landed in moto.
    const ssm = ssmClient(moto!.url);
    try {
      const got = await ssm.send(new GetParameterCommand({ Name }));
      expect(got.Parameter?.Value).toBe('via-env');
    } finally {
      ssm.destroy();
    }
  });

  test('MOTO_URL reuses a running server, resets it on start, and stop() leaves it up', async () => {
    const ssm = ssmClient(moto!.url);
    try {
      const Name = `/slipway/reset/${rand()}`;
      await ssm.send(new PutParameterCommand({ Name, Value: 'before-reset', Type: 'String' }));
      await withEnv({ MOTO_URL: `${moto!.url}/` }, async () => {
        const reused = await startMoto();
        expect(reused).toMatchObject({ url: moto!.url, port: moto!.port, external: true });
        await reused.stop();
      });
      await expect(ssm.send(new GetParameterCommand({ Name }))).rejects.toMatchObject({
        name: 'ParameterNotFound',
      });
      expect(await isPortOpen(moto!.port)).toBe(true);
    } finally {
      ssm.destroy();
    }
  });

  test('a missing moto_server fails with the install remedy', async () => {
    delete process.env.MOTO_URL;
    await expect(startMoto({ command: '/nonexistent/bin/moto_server' })).rejects.toThrow(
      'moto_server is not installed (/nonexistent/bin/moto_server not found on PATH). Install it with: pip install "moto[server]"',
    );
  });

  test('stop() kills moto and closes its port', async () => {
    if (moto!.external) return;
    expect(await isPortOpen(moto!.port)).toBe(true);
    await moto!.stop();
    expect(await isPortOpen(moto!.port)).toBe(false);
    await expect(fetch(`${moto!.url}/moto-api/`)).rejects.toThrow();
  });
});
