/** The slipway CLI (packages/cli/bin/slipway.js → dist/cli) running an action against the sandbox. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { Sandbox, startSandbox } from '@slipway/sandbox';
import { REGISTRY, createStableService, ecsClient } from '../helpers/ecs';
import { awsChildEnv } from '../helpers/env';

const CLUSTER = 'cli';
const bin = join(__dirname, '..', '..', 'packages', 'cli', 'bin', 'slipway.js');
let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 100, clusters: [CLUSTER] });
  ecs = ecsClient(sandbox.url);
});
afterAll(() => sandbox?.stop());

function slipway(args: string[], env: Record<string, string> = {}) {
  return promisify(execFile)(process.execPath, [bin, ...args], { env: awsChildEnv(sandbox.url, env) }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ ...error }),
  );
}

test('ecs-deploy from the terminal: progress, outputs and the summary, with inputs from flags and SLIPWAY_ variables', async () => {
  await createStableService(ecs, 'api', { cluster: CLUSTER });
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  try {
    const summaryFile = join(dir, 'summary.md');
    const run = await slipway(
      [
        'ecs-deploy',
        '--services',
        'api',
        '--images',
        `app=${REGISTRY}/api:v2`,
        '--summary-file',
        summaryFile,
      ],
      { SLIPWAY_CLUSTER: CLUSTER, SLIPWAY_TIMEOUT: '60' },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^▶ Following 1 deployment\(s\)$/m);
    expect(run.stdout).toMatch(/^ {2}status: SUCCEEDED$/m);
    expect(run.stdout).toMatch(/^ {2}task-definition-arn: arn:aws:ecs:.*task-definition\/api:2$/m);
    expect(run.stdout).not.toContain('::');
    expect(await readFile(summaryFile, 'utf8')).toContain('| api |');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing action fails the command with its error; bad flags fail before anything runs', async () => {
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
  expect(typo.code).toBe(1);
  expect(typo.stderr).toMatch(/SLW-CLI-002: ecs-deploy has no input "--clustr"\. Valid inputs: --cluster, /);
});
