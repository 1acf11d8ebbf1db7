/**
 * The shared bundle loads on demand: a step parses the code its mode runs, not every client the suite
 * ships. Each case runs a committed entry until it exits (its AWS endpoint refuses connections) and
 * lists the bundle files it loaded; an operation or constant that only one SDK client or library carries
 * tells which are in.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/ports';

const dist = join(__dirname, '..', '..', 'dist');
const markers = {
  'the EC2 client': 'AllocateHosts',
  'the SSM client': 'CreateOpsItem',
  'the CloudWatch Logs client': 'FilteredLogEvent',
  'the CodeDeploy client': 'DeploymentGroupInfo',
  'the ELB client': 'LoadBalancerAttribute',
  ssh2: 'chacha20-poly1305@openssh.com',
  pg: 'SCRAM-SHA-256',
  octokit: 'octokit-core.js',
} as const;
type Part = keyof typeof markers | 'undici';

/** What `program` loaded of the bundle, run with these inputs until it exits. */
async function partsLoaded(program: string, inputs: Record<string, string>): Promise<Part[]> {
  const closed = await freePort();
  const script =
    `process.on('exit', () => process.stdout.write(JSON.stringify(Object.keys(require.cache))));` +
    `require(${JSON.stringify(join(dist, program, 'index.js'))});`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIATEST',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    },
  }).catch((failed: { stdout: string }) => failed);
  const files = (JSON.parse(stdout.slice(stdout.lastIndexOf('["'))) as string[]).filter((file) =>
    file.startsWith(join(dist, 'slipway')),
  );
  expect(files.length).toBeGreaterThan(1);
  const text = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  const parts = (Object.keys(markers) as (keyof typeof markers)[]).filter((part) =>
    text.includes(markers[part]),
  );
  return files.includes(join(dist, 'slipway', 'undici', 'index.js')) ? [...parts, 'undici'] : parts;
}

test('sync-prompts with no tunnel reads its secret with neither EC2, SSM, ssh2 nor pg loaded', async () => {
  const parts = await partsLoaded('sync-prompts', {
    'source-secret-id': 'prompts-source',
    'target-url': 'postgres://app:pw@127.0.0.1:1/app',
  });
  expect(parts).toEqual([]);
});

test('run-migrations-via-bastion loads the EC2 client to find its bastion, and nothing more before it answers', async () => {
  expect(
    await partsLoaded('run-migrations-via-bastion', {
      'db-host': 'db',
      'db-user': 'app',
      'db-password': 'pw',
      'db-name': 'app',
      command: 'true',
    }),
  ).toEqual(['the EC2 client']);
});

test('ecs-deploy of an image loads neither CloudWatch Logs, CodeDeploy, ELB nor undici', async () => {
  expect(
    await partsLoaded('ecs-deploy', { cluster: 'c', services: 'web', images: 'web=nginx:1.27' }),
  ).toEqual([]);
});

test('build-push-ecr reads the run’s event without loading octokit (it never calls the GitHub API)', async () => {
  expect(await partsLoaded('build-push-ecr', { repository: 'app', context: '.' })).toEqual([]);
});

test('undici, bundled apart, is loaded on first use and is the real one', async () => {
  const stub = join(dist, 'slipway', 'undici.js');
  const real = join(dist, 'slipway', 'undici', 'index.js');
  const script =
    `const undici = require(${JSON.stringify(stub)});` +
    `const before = ${JSON.stringify(real)} in require.cache;` +
    `const kinds = [typeof undici.ProxyAgent, typeof undici.fetch];` +
    `console.log(JSON.stringify({ before, kinds, after: ${JSON.stringify(real)} in require.cache }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
  expect(JSON.parse(stdout)).toEqual({ before: false, kinds: ['function', 'function'], after: true });
});
