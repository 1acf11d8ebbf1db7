import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { distDir, runAction } from '../../helpers/action';
import { awsChildEnv } from '../../helpers/env';
import { MotoServer, startMoto } from '../../helpers/moto';
import { PgServer, startPostgres } from '../../helpers/postgres';
import { Bastion, startBastion } from '../../helpers/sshd';

const fixtures = join(__dirname, '..', '..', 'fixtures');
let moto: MotoServer;
let pg: PgServer;
let bastion: Bastion;
let db: URL;
/** The instance moto launched for the bastion, found through EC2 by its tag. */
let bastionId: string;
const bastionTag = `Name=slipway-e2e-bastion-${process.pid}`;

beforeAll(async () => {
  [moto, pg, bastion] = await Promise.all([startMoto(), startPostgres('bastion-db'), startBastion()]);
  db = new URL(pg.url);
  const aws = {
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  };
  const ec2 = new EC2Client(aws);
  const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!.ImageId;
  const launched = await ec2.send(
    new RunInstancesCommand({
      ImageId: image,
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: bastionTag.split('=')[1]! }] },
      ],
    }),
  );
  bastionId = launched.Instances![0]!.InstanceId!;
  const secrets = new SecretsManagerClient(aws);
  for (const dbname of ['app', 'broken', 'concurrent', 'cancelled', 'pinned', 'dryrun']) {
    await secrets.send(
      new CreateSecretCommand({
        Name: `rds/${dbname}`,
        SecretString: JSON.stringify({
          username: decodeURIComponent(db.username),
          password: decodeURIComponent(db.password),
          host: '127.0.0.1',
          port: Number(db.port),
          dbname,
          engine: 'postgres',
        }),
      }),
    );
  }
}, 90_000);
afterAll(() => Promise.all([moto?.stop(), pg?.stop(), bastion?.stop()]));

/** The bastion is found through EC2 by its tag; moto's instance has no sshd, so ssh-endpoint says where to connect. */
const inputs = (dbname: string, extra: Record<string, string> = {}) => ({
  mode: 'ssh',
  'bastion-tag': bastionTag,
  'ssh-endpoint': `${bastion.host}:${bastion.port}`,
  'ssh-user': bastion.user,
  'ssh-private-key': bastion.privateKey,
  'ssh-host-key': bastion.fingerprint,
  'db-secret-id': `rds/${dbname}`,
  'create-database': 'true',
  ...extra,
});

async function query<T>(database: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: pg.url.replace(/\/[^/]*$/, `/${database}`) });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const run = (dbname: string, extra: Record<string, string> = {}) =>
  runAction('run-migrations-via-bastion', inputs(dbname, extra), {
    endpoint: moto.url,
    cwd: fixtures,
    env: { GITHUB_WORKSPACE: fixtures },
  });

test('applies the migrations through the SSH tunnel to the bastion found by its tag in EC2, with credentials from Secrets Manager', async () => {
  const result = await run('app', {
    'migrations-dir': 'migrations',
    'seed-command': 'test "$PGHOST" = 127.0.0.1 && psql -qc "INSERT INTO users (name) VALUES (\'seed\')"',
  });
  expect(result.errors).toEqual([]);
  expect(result.exitCode).toBe(0);
  expect(JSON.parse(result.outputs.applied!)).toEqual(['001_create_users.sql', '002_add_email.sql']);
  expect(result.outputs['tunnel-mode']).toBe('ssh');
  expect(result.summary).toMatch(/001_create_users\.sql \| ✅ applied/);
  // DescribeInstances found the tagged instance; ssh-endpoint only said where to connect.
  expect(result.stdout).toContain(`Bastion ${bastionId} (`);
  expect(result.summary).toContain(`via ${bastionId}`);
  // The runner swallows ::add-mask:: commands; everything else it would print must be clean.
  const password = decodeURIComponent(db.password);
  const masks = result.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
  expect(masks).toEqual(
    expect.arrayContaining([
      `::add-mask::${password}`,
      `::add-mask::${encodeURIComponent(password)}`,
      expect.stringMatching(/^::add-mask::postgresql:\/\/.*@127\.0\.0\.1:\d+\/app$/),
    ]),
  );
  const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
  expect(printed.join('\n') + result.summary).not.toContain(password);
  const columns = await query<{ column_name: string }>(
    'app',
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1",
  );
  expect(columns.map((c) => c.column_name)).toEqual(['email', 'id', 'name']);
  // The seed command reached the database through the tunnel with the PG* variables.
  expect(await query<{ name: string }>('app', 'SELECT name FROM users')).toEqual([{ name: 'seed' }]);
}, 60_000);

test('with neither bastion-tag nor bastion-instance-id, the SSH endpoint with its own key is the bastion', async () => {
  const result = await run('app', { 'bastion-tag': '', 'migrations-dir': 'migrations' });
  expect(result.errors).toEqual([]);
  expect(result.exitCode).toBe(0);
  // No EC2 lookup: the bastion is named by its endpoint.
  expect(result.stdout).toContain(`Bastion ${bastion.host}:${bastion.port}`);
  expect(result.stdout).not.toContain(bastionId);
  expect(JSON.parse(result.outputs.applied!)).toEqual([]);
}, 60_000);

test('a bastion outside EC2 with credentials as inputs needs no region; DATABASE_URL is postgresql:// for libpq and SQLAlchemy', async () => {
  const result = await runAction(
    'run-migrations-via-bastion',
    inputs('plain', {
      'bastion-tag': '',
      'db-secret-id': '',
      'db-host': '127.0.0.1',
      'db-port': db.port,
      'db-user': decodeURIComponent(db.username),
      'db-password': decodeURIComponent(db.password),
      'db-name': 'plain',
      command:
        'case "$DATABASE_URL" in postgresql://*) ;; *) exit 3 ;; esac; ' +
        'psql "$DATABASE_URL" -qc "CREATE TABLE via_url (id int)"',
    }),
    {
      endpoint: moto.url,
      cwd: fixtures,
      env: { GITHUB_WORKSPACE: fixtures, AWS_REGION: '', AWS_DEFAULT_REGION: '' },
    },
  );
  expect(result.errors).toEqual([]);
  expect(result.exitCode).toBe(0);
  expect(await query('plain', "SELECT to_regclass('via_url') IS NOT NULL AS made")).toEqual([{ made: true }]);
}, 60_000);

test('a dry run lists what init and the migrator would do, and creates nothing', async () => {
  const result = await run('dryrun', { 'migrations-dir': 'migrations', 'dry-run': 'true' });
  expect(result.errors).toEqual([]);
  expect(result.exitCode).toBe(0);
  expect(JSON.parse(result.outputs.pending!)).toEqual(['001_create_users.sql', '002_add_email.sql']);
  expect(result.summary).toContain('create database dryrun (not run: dry run)');
  const exists = await query<{ n: number }>(
    'postgres',
    "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'dryrun'",
  );
  expect(exists[0]!.n).toBe(0);
}, 60_000);

test('a failing migration leaves nothing half-applied and fails the step', async () => {
  const result = await run('broken', { 'migrations-dir': 'migrations-failing' });
  expect(result.exitCode).toBe(1);
  expect(result.errors[0]).toMatch(/002_broken\.sql/);
  // What stayed applied is still reported.
  expect(JSON.parse(result.outputs.applied!)).toEqual(['001_create_users.sql']);
  expect(result.summary).toMatch(/002_broken\.sql \| ❌ failed, rolled back/);
  const tables = await query<{ table_name: string }>(
    'broken',
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  expect(tables.map((t) => t.table_name)).not.toContain('half_done');
  expect(tables.map((t) => t.table_name)).not.toContain('never_reached');
  expect(tables.map((t) => t.table_name)).toContain('users');
}, 60_000);

test('a bastion host key other than the pinned one is refused', async () => {
  const result = await run('pinned', {
    'migrations-dir': 'migrations',
    'ssh-host-key': 'SHA256:' + 'A'.repeat(43),
  });
  expect(result.exitCode).toBe(1);
  expect(result.errors[0]).toContain('title=SLW-TUN-003');
  expect(result.errors[0]).toContain(bastion.fingerprint);
  const exists = await query<{ n: number }>(
    'postgres',
    "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'pinned'",
  );
  expect(exists[0]!.n).toBe(0);
}, 60_000);

test('two runs at once are serialised and apply each migration once', async () => {
  const [a, b] = await Promise.all([
    run('concurrent', { 'migrations-dir': 'migrations-slow' }),
    run('concurrent', { 'migrations-dir': 'migrations-slow' }),
  ]);
  expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
  const applied = [...JSON.parse(a.outputs.applied!), ...JSON.parse(b.outputs.applied!)].sort();
  expect(applied).toEqual(['001_slow.sql', '002_after.sql']);
  const history = await query<{ n: number }>(
    'concurrent',
    'SELECT count(*)::int AS n FROM slipway_migrations',
  );
  expect(history[0]!.n).toBe(2);
}, 60_000);

test('cancelling mid-run closes the tunnel and stops the command within GitHub’s 7.5 s', async () => {
  const env = awsChildEnv(moto.url, {
    GITHUB_WORKSPACE: fixtures,
    ...Object.fromEntries(
      // The shell names its pid, then becomes the sleep: the test checks that process, and only it.
      Object.entries(inputs('cancelled', { command: 'echo "command pid $$"; exec sleep 60' })).map(
        ([k, v]) => [`INPUT_${k.toUpperCase()}`, v],
      ),
    ),
  });
  const child = spawn(process.execPath, [join(distDir(), 'run-migrations-via-bastion', 'index.js')], {
    cwd: fixtures,
    env,
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const { port, pid } = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no tunnel and command within 20 s: ${stdout}`)), 20_000);
    child.stdout.on('data', () => {
      const tunnel = /Tunnel \(ssh\) open: 127\.0\.0\.1:(\d+)/.exec(stdout);
      const command = /command pid (\d+)/.exec(stdout);
      if (tunnel && command) {
        clearTimeout(timer);
        resolve({ port: Number(tunnel[1]), pid: Number(command[1]) });
      }
    });
  });
  expect(() => process.kill(pid, 0)).not.toThrow();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cancelled = Date.now();
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(Date.now() - cancelled).toBeLessThan(7_500);
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
      .once('connect', () => (socket.destroy(), resolve(true)))
      .once('error', () => resolve(false));
  });
  expect(open).toBe(false);
  // The action waits for the command's exit before its own, so the pid is gone by now.
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
}, 60_000);
