/**
 * Cold start, in one run: process start → first AWS request of every action's committed bundle, beside
 * a floor program that loads only the one SDK client that request needs and sends it, bundled the same
 * way (scripts/bundle.mjs). Rounds are interleaved, so machine noise lands on both sides alike. Also
 * times `npm run bundle` (into a temp dir) and gzips the repository as a release tag would ship it.
 *
 *   [SLIPWAY_DIST_DIR=…] npm run bench:coldstart -- [--rounds 9] [--official path/to/dist/index.js] [--skip-build]
 *
 * --official adds aws-actions/amazon-ecs-deploy-task-definition's bundle, fed the same service.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    official: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const root = join(__dirname, '..');
/** The bundles measured: dist/, or a private build in SLIPWAY_DIST_DIR. */
const dist = resolve(root, process.env.SLIPWAY_DIST_DIR ?? 'dist');
const TARGET = { floorRatio: 1.2, officialRatio: 0.8, bundleSeconds: 60, tarballBytes: 1.2e6 };

/** What the first request is: the X-Amz-Target of JSON protocols, or the Action of query ones. */
type Request = string;
interface Program {
  name: string;
  script: string;
  inputs: Record<string, string>;
  first: Request;
}

const service = { cluster: 'coldstart', services: 'web' };
const programs: Program[] = [
  {
    name: 'ecs-deploy',
    script: join(dist, 'ecs-deploy', 'index.js'),
    inputs: { ...service, images: 'web=nginx:1.27' },
    first: 'AmazonEC2ContainerServiceV20141113.DescribeServices',
  },
  {
    name: 'validate-deploy',
    script: join(dist, 'validate-deploy', 'index.js'),
    inputs: service,
    first: 'AmazonEC2ContainerServiceV20141113.DescribeServices',
  },
  {
    name: 'build-push-ecr',
    script: join(dist, 'build-push-ecr', 'index.js'),
    inputs: { repository: 'app', context: '.' },
    first: 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
  },
  {
    name: 'sync-prompts',
    script: join(dist, 'sync-prompts', 'index.js'),
    inputs: { 'source-secret-id': 'prompts-source', 'target-url': 'postgres://u:p@127.0.0.1:1/app' },
    first: 'secretsmanager.GetSecretValue',
  },
  {
    name: 'run-migrations-via-bastion',
    script: join(dist, 'run-migrations-via-bastion', 'index.js'),
    inputs: { 'bastion-tag': 'Name=bastion', 'db-secret-id': 'db', command: 'true' },
    first: 'secretsmanager.GetSecretValue',
  },
];
const floors: Record<Request, string> = {
  'AmazonEC2ContainerServiceV20141113.DescribeServices': 'ecs',
  'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories': 'ecr',
  'secretsmanager.GetSecretValue': 'secrets-manager',
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function bodyOf(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

/** A loopback AWS endpoint that notes when each request arrives and what it asks, and refuses it. */
async function recordingEndpoint() {
  let waiting: ((request: { at: number; what: Request }) => void) | undefined;
  const server = createServer(async (request, response) => {
    const at = performance.now();
    const body = await bodyOf(request);
    const what =
      String(request.headers['x-amz-target'] ?? '') || (new URLSearchParams(body).get('Action') ?? '?');
    waiting?.({ at, what });
    waiting = undefined;
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'cold-start bench' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    next: () => new Promise<{ at: number; what: Request }>((resolve) => (waiting = resolve)),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Milliseconds from spawning `script` to its first request reaching the endpoint; then it is killed. */
async function firstRequest(
  endpoint: Awaited<ReturnType<typeof recordingEndpoint>>,
  script: string,
  inputs: Record<string, string>,
  expected: Request,
  workspace: string,
): Promise<number> {
  const arrived = endpoint.next();
  const start = performance.now();
  const child = spawn(process.execPath, [script], {
    cwd: root,
    detached: true,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIACOLDSTART',
      AWS_SECRET_ACCESS_KEY: 'cold-start',
      AWS_EC2_METADATA_DISABLED: 'true',
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
      ...Object.fromEntries(
        Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
      ),
    },
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before any AWS request`))),
  );
  try {
    const { at, what } = await Promise.race([arrived, exited]);
    if (expected && what !== expected)
      throw new Error(`${script}: first request was ${what}, not ${expected}`);
    return at - start;
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

/** Bundles each floor program the way scripts/bundle.mjs bundles the actions. */
async function buildFloors(dir: string): Promise<Record<string, string>> {
  const { bundle } = await import('../scripts/bundle.mjs');
  const scripts: Record<string, string> = {};
  for (const name of new Set(Object.values(floors))) {
    const files = await bundle(join(__dirname, 'coldstart', `floor-${name}.ts`));
    mkdirSync(join(dir, name));
    for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, name, file), source);
    scripts[name] = join(dir, name, 'index.js');
  }
  return scripts;
}

function timeBundle(dir: string): number {
  const start = performance.now();
  const build = spawnSync(process.execPath, ['scripts/bundle.mjs'], {
    cwd: root,
    env: { ...process.env, SLIPWAY_DIST_DIR: join(dir, 'dist') },
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`npm run bundle failed: ${build.stderr}`);
  return (performance.now() - start) / 1000;
}

/**
 * The bytes a runner downloads for `uses: …@<tag>`: GitHub's tarball honours export-ignore, as git archive
 * does. With a private build (SLIPWAY_DIST_DIR), HEAD's tree is archived with that build as its dist/: the
 * tree is written to a temporary object store, so the repository gains nothing.
 */
function tarballBytes(): number {
  const git = (args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => {
    const run = spawnSync('git', args, {
      cwd: root,
      env: { ...process.env, ...env },
      input,
      maxBuffer: 64e6,
    });
    if (run.status !== 0) throw new Error(`git ${args[0]} failed: ${run.stderr}`);
    return run.stdout;
  };
  if (dist === resolve(root, 'dist')) return git(['archive', '--format=tar.gz', 'HEAD']).length;
  const scratch = mkdtempSync(join(tmpdir(), 'slipway-tarball-'));
  try {
    const env = {
      GIT_INDEX_FILE: join(scratch, 'index'),
      GIT_OBJECT_DIRECTORY: join(scratch, 'objects'),
      GIT_ALTERNATE_OBJECT_DIRECTORIES: resolve(
        root,
        git(['rev-parse', '--git-path', 'objects']).toString().trim(),
      ),
    };
    mkdirSync(env.GIT_OBJECT_DIRECTORY);
    git(['read-tree', 'HEAD'], env);
    git(['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', 'dist'], env);
    const files = readdirSync(dist, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    const ids = git(['hash-object', '-w', '--stdin-paths'], env, files.join('\n')).toString().split('\n');
    const entries = files.map((file, i) => `100644 ${ids[i]}\tdist/${relative(dist, file)}`);
    git(['update-index', '--index-info'], env, entries.join('\n'));
    const tree = git(['write-tree'], env).toString().trim();
    return git(['archive', '--format=tar.gz', tree], env).length;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-coldstart-'));
  const endpoint = await recordingEndpoint();
  try {
    const floorScripts = await buildFloors(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const samples = new Map<string, number[]>();
    const sample = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);
    for (let round = 0; round < rounds; round++) {
      for (const program of programs) {
        sample(
          program.name,
          await firstRequest(endpoint, program.script, program.inputs, program.first, dir),
        );
        const floor = floors[program.first]!;
        sample(`floor-${floor}`, await firstRequest(endpoint, floorScripts[floor]!, {}, program.first, dir));
      }
      if (values.official) {
        const inputs = {
          cluster: service.cluster,
          service: service.services,
          'task-definition': 'task.json',
        };
        writeFileSync(join(dir, 'task.json'), JSON.stringify({ family: 'web', containerDefinitions: [] }));
        sample('official', await firstRequest(endpoint, values.official, inputs, '', dir).catch(() => NaN));
      }
    }

    console.log(
      `\nFirst AWS request after process start, ${rounds} interleaved rounds, medians (node ${process.version})\n`,
    );
    console.log('| program | first request | median | floor median | ÷ floor (target ≤ 1.2) |');
    console.log('|---|---|---|---|---|');
    for (const program of programs) {
      const ours = median(samples.get(program.name)!);
      const floor = median(samples.get(`floor-${floors[program.first]}`)!);
      const ratio = ours / floor;
      console.log(
        `| ${program.name} | ${program.first.split('.').pop()} | ${ms(ours)} | ${ms(floor)} ` +
          `(${floors[program.first]} client only) | ${ratio.toFixed(2)}× ${ratio <= TARGET.floorRatio ? '✅' : '❌'} |`,
      );
    }
    if (values.official) {
      const official = median(samples.get('official')!);
      const ours = median(samples.get('ecs-deploy')!);
      console.log(
        `\necs-deploy ÷ the official action's bundle: ${(ours / official).toFixed(2)}× (target ≤ 0.8)`,
      );
    }

    const bundleSeconds = values['skip-build'] ? NaN : timeBundle(dir);
    const bytes = tarballBytes();
    console.log('\n| figure | measured | target |');
    console.log('|---|---|---|');
    if (!values['skip-build'])
      console.log(
        `| npm run bundle | ${bundleSeconds.toFixed(1)} s | ≤ ${TARGET.bundleSeconds} s ` +
          `${bundleSeconds <= TARGET.bundleSeconds ? '✅' : '❌'} |`,
      );
    console.log(
      `| gzipped tarball at HEAD (git archive${dist === resolve(root, 'dist') ? '' : `, dist from ${dist}`}) ` +
        `| ${(bytes / 1e6).toFixed(3)} MB | ≤ ${TARGET.tarballBytes / 1e6} MB ` +
        `${bytes <= TARGET.tarballBytes ? '✅' : '❌'} |`,
    );
  } finally {
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
