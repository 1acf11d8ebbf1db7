/**
 * The slipway CLI as a user gets it: `npm pack` of packages/cli (the actions' bundles of dist/, or of
 * SLIPWAY_DIST_DIR, and the CLI bundled as it is packed), installed into an empty directory with no
 * Slipway checkout, run on Node 24.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { distDir, runnerNode } from '../../helpers/action';
import { REGISTRY, createStableService, ecsClient, pushImages } from '../../helpers/ecs';
import { awsChildEnv } from '../../helpers/env';

const CLUSTER = 'cli';
const root = join(__dirname, '..', '..', '..');
let sandbox: Sandbox;
let ecs: ECSClient;
let dir: string;
let bin: string;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 100, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
  dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  const run = promisify(execFile);
  const npmEnv = {
    ...process.env,
    SLIPWAY_DIST_DIR: distDir(),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: join(root, 'packages', 'cli'),
    env: npmEnv,
  });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await run('npm', ['install', '--offline', join(dir, filename)], { cwd: dir, env: npmEnv });
  bin = join(dir, 'node_modules', '@slipway', 'cli', 'bin', 'slipway.js');
  // Packing bundles the CLI (one ncc pass); the bound only stops a hung build on a busy machine.
}, 600_000);
afterAll(async () => {
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function slipway(args: string[], env: Record<string, string> = {}) {
  return promisify(execFile)(runnerNode, [bin, ...args], {
    cwd: dir,
    env: awsChildEnv(sandbox.url, { COLUMNS: '120', ...env }),
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ ...error }),
  );
}

test('the tarball installs into an empty directory and runs from there, bundles and specs inside', async () => {
  // The CLI's bundle is made when its package is packed: dist/, which every runner downloads, has none.
  expect(existsSync(join(distDir(), 'cli'))).toBe(false);
  expect(await realpath(bin)).toBe(join(await realpath(dir), 'node_modules/@slipway/cli/bin/slipway.js'));
  const version = await slipway(['--version']);
  const { version: packaged } = JSON.parse(
    await readFile(join(dir, 'node_modules/@slipway/cli/package.json'), 'utf8'),
  ) as { version: string };
  expect(version).toEqual({ code: 0, stdout: `slipway ${packaged}\n`, stderr: '' });
  const help = await slipway(['validate-deploy', '--help']);
  expect(help.stdout).toContain('--urls (repeatable)');
  // The licences of every chunk's packages (ncc alone keeps the last chunk's): marked is in the entry
  // chunk, the sandbox in one loaded on demand.
  const licences = await readFile(join(dir, 'node_modules/@slipway/cli/dist/cli/licenses.txt'), 'utf8');
  expect(licences).toMatch(/^marked\nMIT\n/m);
  expect(licences).toMatch(/^@slipway\/sandbox$/m);
});

test('ecs-deploy: progress, outputs, the summary rendered for the terminal or as Markdown to a file', async () => {
  await createStableService(ecs, 'api', { cluster: CLUSTER });
  await pushImages(sandbox.url, [`${REGISTRY}/api:v2`, `${REGISTRY}/api:v3`]);
  const summaryFile = join(dir, 'summary.md');
  const env = { SLIPWAY_CLUSTER: CLUSTER, SLIPWAY_TIMEOUT: '60' };
  const toFile = await slipway(
    ['ecs-deploy', '--services', 'api', '--images', `app=${REGISTRY}/api:v2`, '--summary-file', summaryFile],
    env,
  );
  expect(toFile.stderr).toBe('');
  expect(toFile.code).toBe(0);
  expect(toFile.stdout).toMatch(/^▶ Following 1 deployment\(s\)$/m);
  expect(toFile.stdout).toMatch(/^ {2}status: SUCCEEDED$/m);
  expect(toFile.stdout).toMatch(/^ {2}task-definition-arn: arn:aws:ecs:.*task-definition\/api:2$/m);
  expect(toFile.stdout).not.toContain('::');
  // Outputs the action left empty (no one-off task here) are not listed.
  expect(toFile.stdout).not.toMatch(/^ {2}task-arn:/m);
  expect(toFile.stdout).not.toContain('ECS deploy —');
  expect(await readFile(summaryFile, 'utf8')).toMatch(/^\| api \| 1 → 2 \|/m);

  const rendered = await slipway(
    ['ecs-deploy', '--services', 'api', '--images', `app=${REGISTRY}/api:v3`],
    env,
  );
  expect(rendered.code).toBe(0);
  const summary = rendered.stdout.slice(rendered.stdout.indexOf('ECS deploy — ✅ succeeded'));
  expect(summary).toMatch(/^ECS deploy — ✅ succeeded\n═+\n/);
  expect(summary).toMatch(/^Service +Revision +Images +Duration +Verdict$/m);
  expect(summary).toMatch(/^api +2 → 3 +app=\S+api:v3 +[\d.]+ s +✅ succeeded$/m);
  expect(summary).not.toMatch(/<\/?[a-z]+>|^\||^#|\*\*/m);
});

test('a failing action exits 1 with its error; a wrong command line exits 2 before anything runs', async () => {
  const missing = await slipway([
    'ecs-deploy',
    '--cluster',
    CLUSTER,
    '--services',
    'nope',
    '--images',
    'app=x:1',
  ]);
  expect(missing.code).toBe(1);
  expect(missing.stdout).toMatch(/✖ SLW-ECS-006: Input "services": "nope" not found/);

  const typo = await slipway(['ecs-deploy', '--clustr', CLUSTER]);
  expect(typo).toMatchObject({ code: 2, stdout: '' });
  expect(typo.stderr).toMatch(
    /^✖ SLW-CLI-002: ecs-deploy has no input "--clustr"\. Did you mean "--cluster"\?/,
  );
  const noValue = await slipway(['ecs-deploy', '--services', 'api', '--cluster']);
  expect(noValue).toMatchObject({ code: 2, stdout: '' });
  expect(noValue.stderr).toMatch(/^✖ SLW-CLI-003: Flag "--cluster" needs a value\./);
  const action = await slipway(['ecs-deplyo']);
  expect(action.code).toBe(2);
  expect(action.stderr).toMatch(
    /^✖ SLW-CLI-001: "ecs-deplyo" is not a Slipway action\. Did you mean "ecs-deploy"\?/,
  );
});

test('slipway sandbox: the README recipe with the aws CLI, a first service deployed, Ctrl-C stops it all', async () => {
  const child = spawn(runnerNode, [bin, 'sandbox', '--speed', '50'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => output.push(line));
  const exported = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => line.trim().startsWith('export ') && resolve(line.trim()));
    child.on('exit', (code) => reject(new Error(`slipway sandbox exited ${code}: ${output.join('\n')}`)));
  });
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      AWS_CONFIG_FILE: '/nonexistent/slipway-test/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/slipway-test/aws-credentials',
      ...Object.fromEntries(
        exported
          .replace(/^export /, '')
          .split(' ')
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      ),
    };
    const aws = (args: string[]) =>
      promisify(execFile)('aws', [...args, '--output', 'text'], { env }).then(({ stdout }) => stdout.trim());
    const image = `${REGISTRY}/web`;
    expect(
      await aws([
        'ecs',
        'register-task-definition',
        '--family',
        'web',
        '--query',
        'taskDefinition.revision',
        '--container-definitions',
        `[{"name":"web","image":"${image}:v1","essential":true,"memory":256}]`,
      ]),
    ).toBe('1');
    await aws([
      'ecs',
      'create-service',
      '--service-name',
      'web',
      '--task-definition',
      'web',
      '--desired-count',
      '2',
    ]);
    // The image deployed exists (pre-flight checks it): pushed as a build would push it.
    await aws(['ecr', 'create-repository', '--repository-name', 'web']);
    await aws([
      'ecr',
      'put-image',
      '--repository-name',
      'web',
      '--image-tag',
      'v2',
      '--image-manifest',
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}',
    ]);
    const deployed = await promisify(execFile)(
      runnerNode,
      [bin, 'ecs-deploy', '--cluster', 'default', '--services', 'web', '--images', `web=${image}:v2`],
      { cwd: dir, env },
    );
    expect(deployed.stdout).toMatch(/^ {2}status: SUCCEEDED$/m);
    expect(
      await aws(['ecs', 'describe-services', '--services', 'web', '--query', 'services[0].taskDefinition']),
    ).toMatch(/task-definition\/web:2$/);
  } finally {
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  }
  expect(output.at(-1)).toBe('Sandbox stopped.');
}, 60_000);

test('npm run sandbox: a signal to npm alone (as a process manager sends it) stops every process it started', async () => {
  const npm = spawn('npm', ['run', '--silent', 'sandbox'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const group = npm.pid!;
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: npm.stdout }).on('line', (line) => line.includes('export ') && resolve());
      npm.on('exit', (code) => reject(new Error(`npm run sandbox exited ${code}`)));
    });
    npm.kill('SIGTERM');
    const alive = () => {
      try {
        process.kill(-group, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toBe(false);
  } finally {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
}, 30_000);
