import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startLocalBastion } from '@slipway/sandbox';
import { runAction } from '../../helpers/action';
import { startMoto } from '../../helpers/moto';
import { PgPair, PgServer, startPostgresPair } from '../../helpers/postgres';

let pair: PgPair;
let source: PgServer;
let target: PgServer;

beforeAll(async () => {
  pair = await startPostgresPair();
  ({ staging: source, production: target } = pair);
}, 90_000);
afterAll(() => pair?.stop());

async function sql<T = Record<string, unknown>>(server: PgServer, text: string, params: unknown[] = []) {
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const PROMPTS = `(name text PRIMARY KEY, content text, model text, params jsonb)`;

/** Creates `table` on both servers, with the rows given for each. */
async function seed(table: string, sourceRows: unknown[][], targetRows: unknown[][], columns = PROMPTS) {
  for (const [server, rows] of [
    [source, sourceRows],
    [target, targetRows],
  ] as const) {
    await sql(server, `CREATE TABLE ${table} ${columns}`);
    if (rows.length) {
      await sql(server, `INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1)`, [
        JSON.stringify(
          rows.map(([name, content, model, params]) => ({
            name,
            content,
            model,
            params: typeof params === 'string' ? JSON.parse(params) : params,
          })),
        ),
      ]);
    }
  }
}

const rowsOf = (server: PgServer, table: string) =>
  sql(server, `SELECT * FROM ${table} ORDER BY name COLLATE "C"`);

const sync = (inputs: Record<string, string>, cwd?: string) =>
  runAction(
    'sync-prompts',
    { 'target-url': target.url, 'source-url': source.url, ...inputs },
    { endpoint: 'http://127.0.0.1:9', cwd, env: cwd ? { GITHUB_WORKSPACE: cwd } : {} },
  );

const plan = (outputs: Record<string, string>) => JSON.parse(outputs.plan!);

describe('a seeded diff', () => {
  const table = 'diffed';
  beforeAll(() =>
    seed(
      table,
      [
        ['same', 'hello', 'gpt', null],
        ['edited', 'new text', 'gpt', '{"t":1}'],
        ['fresh', 'added', null, null],
      ],
      [
        ['same', 'hello', 'gpt', null],
        ['edited', 'old text', 'gpt', '{"t":2}'],
        ['stale', 'only in the target', null, null],
      ],
    ),
  );

  test('dry-run reports exactly what differs, by key and column, and changes nothing', async () => {
    const before = await rowsOf(target, table);
    const result = await sync({ table, mode: 'overwrite', 'dry-run': 'true' });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(plan(result.outputs)).toEqual({
      added: [{ name: 'fresh' }],
      changed: [{ key: { name: 'edited' }, columns: ['content', 'params'] }],
      removed: [{ name: 'stale' }],
      unchanged: 1,
      truncated: false,
    });
    expect(result.outputs).toMatchObject({
      added: '1',
      changed: '1',
      removed: '1',
      unchanged: '1',
      'sync-id': '',
    });
    expect(result.summary).toContain('| edited | ✏️ changed | content, params |');
    expect(result.summary).toContain('| stale | ➖ removed |  |');
    expect(await rowsOf(target, table)).toEqual(before);
    // Nothing printed holds the password of a connection URL.
    const password = decodeURIComponent(new URL(target.url).password);
    const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(printed.join('\n') + result.summary).not.toContain(password);
  });

  test('without force, changing or removing rows fails after showing the plan, and changes nothing', async () => {
    const before = await rowsOf(target, table);
    const result = await sync({ table, mode: 'overwrite' });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toContain('title=SLW-DB-016');
    expect(result.summary).toContain('| fresh | ➕ added |  |');
    expect(await rowsOf(target, table)).toEqual(before);
  });

  test('upsert adds and updates but keeps rows the source lacks; overwrite makes an exact copy; restore puts it back', async () => {
    const original = await rowsOf(target, table);
    const stale = original.find((row) => row.name === 'stale')!;
    const upserted = await sync({ table, mode: 'upsert', force: 'true' });
    expect(upserted.errors).toEqual([]);
    expect(upserted.outputs).toMatchObject({ added: '1', changed: '1', removed: '0', unchanged: '1' });
    expect(await rowsOf(target, table)).toEqual([...(await rowsOf(source, table)), stale].sort(byName));

    const overwritten = await sync({ table, mode: 'overwrite', force: 'true' });
    expect(overwritten.errors).toEqual([]);
    expect(overwritten.outputs).toMatchObject({ added: '0', changed: '0', removed: '1', unchanged: '3' });
    expect(await rowsOf(target, table)).toEqual(await rowsOf(source, table));
    const [check] = await sql<{ checksum: string }>(
      target,
      `SELECT md5(count(*) || ':' || sum(${['name', 'content', 'model', 'params']
        .map((column, i) => `coalesce(hashtextextended(${column}::text, ${i}), ${-1 - i})`)
        .join(' # ')})) AS checksum FROM ${table}`,
    );
    expect(overwritten.outputs.checksum).toBe(check!.checksum);

    const restored = await sync({ table, restore: 'previous', 'source-url': '', force: 'true' });
    expect(restored.errors).toEqual([]);
    expect(await rowsOf(target, table)).toEqual([...(await rowsOf(source, table)), stale].sort(byName));
    const again = await sync({
      table,
      restore: upserted.outputs['sync-id']!,
      'source-url': '',
      force: 'true',
    });
    expect(again.errors).toEqual([]);
    expect(await rowsOf(target, table)).toEqual(original);
  });
});

const byName = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.name) < String(b.name) ? -1 : 1;

test('unicode, NULLs, JSONB, escapes and multi-kilobyte texts round-trip exactly', async () => {
  const table = 'exotic';
  const long = 'Ωμέγα 🚀 '.repeat(900) + '\\ \t tab \n newline \r\n crlf \\N';
  await seed(
    table,
    [
      ['ünïcødé 日本語', long, null, '{"nested": {"a": [1, 2.5, null, "x\\ty"]}, "emoji": "😀"}'],
      ['nulls', null, null, null],
      ['json-string', '', 'm', '"just a string"'],
    ],
    [],
  );
  const result = await sync({ table, mode: 'overwrite' });
  expect(result.errors).toEqual([]);
  expect(result.outputs.added).toBe('3');
  expect(await rowsOf(target, table)).toEqual(await rowsOf(source, table));
});

test('a missing column or an incompatible type is refused before anything runs, naming both', async () => {
  await seed('missing', [['a', 'x', 'm', null]], [['b', 'y', 'm', null]], PROMPTS);
  await sql(target, 'ALTER TABLE missing DROP COLUMN model');
  const missing = await sync({ table: 'missing', mode: 'overwrite', force: 'true' });
  expect(missing.exitCode).toBe(1);
  expect(missing.errors[0]).toContain('title=SLW-DB-014');
  expect(missing.errors[0]).toMatch(/Column "model" of table "missing" is missing in the target database/);
  expect(await rowsOf(target, 'missing')).toEqual([{ name: 'b', content: 'y', params: null }]);

  await seed('typed', [['a', 'x', 'm', null]], [], PROMPTS);
  await sql(target, 'ALTER TABLE typed ALTER COLUMN model TYPE integer USING NULL');
  const typed = await sync({ table: 'typed' });
  expect(typed.exitCode).toBe(1);
  expect(typed.errors[0]).toMatch(
    /Column "model" of table "typed" is text in the source but int4 in the target/,
  );
  expect(await rowsOf(target, 'typed')).toEqual([]);
});

test('prompt files (YAML and Markdown with front matter) sync into the database', async () => {
  const table = 'from_files';
  await seed(table, [], [['old', 'kept by upsert', null, null]]);
  const workspace = await mkdtemp(join(tmpdir(), 'slipway-prompts-'));
  try {
    await writeFile(
      join(workspace, 'greet.yaml'),
      'content: |\n  Hello, {{name}}!\nmodel: gpt-x\nparams:\n  temperature: 0.2\n',
    );
    await writeFile(
      join(workspace, 'summarise.md'),
      '---\nname: summarise-v2\nmodel: claude\n---\n# Summarise\n\nKeep it *short*.\n',
    );
    await writeFile(join(workspace, 'notes.txt'), 'ignored');
    const result = await sync({ table, 'source-url': '', 'source-dir': '.' }, workspace);
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ added: '2', changed: '0', removed: '0' });
    expect(await rowsOf(target, table)).toEqual([
      { name: 'greet', content: 'Hello, {{name}}!\n', model: 'gpt-x', params: { temperature: 0.2 } },
      { name: 'old', content: 'kept by upsert', model: null, params: null },
      { name: 'summarise-v2', content: '# Summarise\n\nKeep it *short*.\n', model: 'claude', params: null },
    ]);
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});

test('two syncs at once take turns under the lock and both succeed', async () => {
  const table = 'contended';
  const rows = Array.from({ length: 2_000 }, (_, i) => [`p${i}`, 'x'.repeat(500), null, null]);
  await seed(table, rows, []);
  const [a, b] = await Promise.all([sync({ table, mode: 'overwrite' }), sync({ table, mode: 'overwrite' })]);
  expect([a.errors, b.errors]).toEqual([[], []]);
  expect([a.outputs.added, b.outputs.added].sort()).toEqual(['0', '2000']);
  expect(await rowsOf(target, table)).toEqual(await rowsOf(source, table));
});

test('a production sync is refused unless the target database name matches', async () => {
  await seed('guarded', [['a', 'x', null, null]], []);
  const refused = await sync({ table: 'guarded', environment: 'production' });
  expect(refused.exitCode).toBe(1);
  expect(refused.errors[0]).toContain('title=SLW-DB-020');
  expect(refused.errors[0]).toContain('"postgres"');
  expect(await rowsOf(target, 'guarded')).toEqual([]);

  const allowed = await sync({
    table: 'guarded',
    environment: 'production',
    'target-name-pattern': '^postgres$',
  });
  expect(allowed.errors).toEqual([]);
  expect(await rowsOf(target, 'guarded')).toHaveLength(1);
});

test('databases named by a Secrets Manager secret and by Parameter Store, passwords masked', async () => {
  await seed('secret_named', [['a', 'from the source', null, null]], []);
  const moto = await startMoto();
  try {
    const aws = {
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const [sourceUrl, targetUrl] = [new URL(source.url), new URL(target.url)];
    await new SecretsManagerClient(aws).send(
      new CreateSecretCommand({
        Name: 'prod/prompts-db',
        SecretString: JSON.stringify({
          username: targetUrl.username,
          password: decodeURIComponent(targetUrl.password),
          host: targetUrl.hostname,
          port: Number(targetUrl.port),
          dbname: 'postgres',
        }),
      }),
    );
    const ssm = new SSMClient(aws);
    for (const [name, value] of Object.entries({
      host: sourceUrl.hostname,
      port: sourceUrl.port,
      username: sourceUrl.username,
      password: decodeURIComponent(sourceUrl.password),
      dbname: 'postgres',
    })) {
      await ssm.send(
        new PutParameterCommand({ Name: `/staging/db/${name}`, Value: value, Type: 'SecureString' }),
      );
    }
    const result = await runAction(
      'sync-prompts',
      {
        'target-secret-id': 'prod/prompts-db',
        'source-parameters': '/staging/db/',
        table: 'secret_named',
        region: 'us-east-1',
      },
      { endpoint: moto.url },
    );
    expect(result.errors).toEqual([]);
    expect(result.outputs.added).toBe('1');
    expect(await rowsOf(target, 'secret_named')).toEqual(await rowsOf(source, 'secret_named'));
    for (const url of [sourceUrl, targetUrl]) {
      const password = decodeURIComponent(url.password);
      expect(result.stdout).toContain(`::add-mask::${password}`);
      const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
      expect(printed.join('\n') + result.summary).not.toContain(password);
    }
  } finally {
    await moto.stop();
  }
}, 60_000);

test('a private target is reached through the bastion, and the tunnel is closed after', async () => {
  await seed('tunnelled', [['a', 'through the bastion', null, null]], []);
  const bastion = await startLocalBastion();
  try {
    const url = new URL(target.url);
    // The URL names the database as the bastion sees it; only the tunnel reaches it.
    const result = await sync({
      table: 'tunnelled',
      tunnel: 'target',
      'tunnel-mode': 'ssh',
      mode: 'overwrite',
      'target-url': target.url,
      region: 'us-east-1',
      'ssh-endpoint': `${bastion.host}:${bastion.port}`,
      'ssh-user': bastion.user,
      'ssh-private-key': bastion.privateKey,
      'ssh-host-key': bastion.fingerprint,
    });
    expect(result.errors).toEqual([]);
    expect(result.stdout).toMatch(
      new RegExp(`Tunnel \\(ssh\\) open: 127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${url.port}`),
    );
    expect(result.summary).toMatch(/^127\.0\.0\.1:\d+\/postgres: 1 added/m);
    expect(result.summary).not.toContain(`:${url.port}/`);
    expect(await rowsOf(target, 'tunnelled')).toEqual(await rowsOf(source, 'tunnelled'));
    const wrongKey = await sync({
      table: 'tunnelled',
      tunnel: 'target',
      'tunnel-mode': 'ssh',
      region: 'us-east-1',
      'ssh-endpoint': `${bastion.host}:${bastion.port}`,
      'ssh-user': bastion.user,
      'ssh-private-key': bastion.privateKey,
      'ssh-host-key': `SHA256:${'A'.repeat(43)}`,
    });
    expect(wrongKey.exitCode).toBe(1);
    expect(wrongKey.errors[0]).toContain('SLW-TUN-003');
  } finally {
    await bastion.stop();
  }
}, 60_000);
