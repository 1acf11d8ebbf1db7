/**
 * The shared bundle loads on demand: a step parses the code its mode runs, not every client the suite
 * ships. Each case runs a committed entry until it exits (its AWS endpoint refuses connections) and
 * lists the bundle files it loaded; an operation or constant that only one SDK client or library carries
 * tells which are in.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { distDir } from '../../helpers/action';
import { freePort } from '../../helpers/ports';

const dist = distDir();
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

/**
 * undici's bundle carries one llhttp build, the one with WebAssembly SIMD; jest's workers make undici read
 * the other one eagerly, so both ways are run. A proxied request is the path that uses every part taken.
 */
test.each([
  ['as on a runner', {}],
  ['under jest', { JEST_WORKER_ID: '1' }],
])('undici, bundled apart, fetches through a ProxyAgent with its one llhttp build (%s)', async (_, env) => {
  const api = createServer((request, response) => response.end(`hello ${request.url}`));
  const tunnelled: string[] = [];
  const proxy = createServer().on('connect', (request, client) => {
    tunnelled.push(request.url!);
    const [host, port] = request.url!.split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
  });
  await Promise.all(
    [api, proxy].map((server) => new Promise<void>((done) => server.listen(0, '127.0.0.1', done))),
  );
  const port = (server: typeof api) => (server.address() as AddressInfo).port;
  try {
    const script =
      `const undici = require(${JSON.stringify(join(dist, 'slipway', 'undici.js'))});` +
      `const dispatcher = new undici.ProxyAgent('http://127.0.0.1:${port(proxy)}');` +
      `undici.fetch('http://127.0.0.1:${port(api)}/repos', { dispatcher })` +
      `.then((response) => response.text()).then((text) => console.log(text));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, ...env },
    });
    expect(stdout.trim()).toBe('hello /repos');
    expect(tunnelled).toEqual([`127.0.0.1:${port(api)}`]);
  } finally {
    proxy.closeAllConnections();
    api.closeAllConnections();
    await Promise.all([api, proxy].map((server) => new Promise((done) => server.close(done))));
  }
});
