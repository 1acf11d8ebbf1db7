import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { parse } from 'yaml';
import { MotoServer, startMoto } from '../../helpers/moto';

/**
 * deploy.yml's sources job, the step that decides a promotion: its own script, run as the runner runs a
 * `run:` step (bash -eo pipefail) with the aws CLI, against moto's ECR.
 */
const root = join(__dirname, '..', '..', '..');
const workflow = parse(readFileSync(join(root, '.github', 'workflows', 'deploy.yml'), 'utf8')) as {
  jobs: { sources: { steps: { id?: string; run?: string }[] } };
};
const script = workflow.jobs.sources.steps.find((step) => step.id === 'find')!.run!;

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const API_KEY = 'a'.repeat(40);
const WORKER_KEY = 'b'.repeat(40);
let moto: MotoServer;
let ecr: ECRClient;
const dirs: string[] = [];

const manifest = (seed: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 2,
      digest: `sha256:${seed.repeat(64).slice(0, 64)}`,
    },
    layers: [],
  });

beforeAll(async () => {
  moto = await startMoto();
  ecr = new ECRClient({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  for (const repositoryName of ['deals/api', 'deals/worker-staging'])
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
  // Staging validated the api (tagged by its source key and full commit) and, in its own repository, the worker.
  for (const tag of [`validated-staging-${API_KEY}`, `sha-${COMMIT}`, 'sha-0123456'])
    await ecr.send(
      new PutImageCommand({ repositoryName: 'deals/api', imageManifest: manifest('a'), imageTag: tag }),
    );
  await ecr.send(
    new PutImageCommand({
      repositoryName: 'deals/worker-staging',
      imageManifest: manifest('b'),
      imageTag: `validated-staging-${WORKER_KEY}`,
    }),
  );
}, 60_000);
afterAll(() => moto?.stop());
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs the step; the aws CLI mostly waits, so the cases run side by side. */
async function find(services: Record<string, string>[], endpoint = moto.url) {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sources-'));
  dirs.push(dir);
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  const file = join(dir, 'step.sh');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  writeFileSync(file, script);
  const run = await promisify(execFile)('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MATRIX: JSON.stringify({ include: services }),
      SOURCE: 'staging',
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 't',
      AWS_SECRET_ACCESS_KEY: 't',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    },
  }).then(
    ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      status: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
  const images = /^images=(.*)$/m.exec(readFileSync(output, 'utf8'))?.[1];
  return {
    ...run,
    images: images ? (JSON.parse(images) as Record<string, { image: string; commit: string }>) : undefined,
    summary: readFileSync(summary, 'utf8'),
  };
}

const api = { service: 'deals-api', repository: 'deals/api', 'source-key': API_KEY };
const worker = {
  service: 'deals-worker',
  repository: 'deals/worker-production',
  'source-repository': 'deals/worker-staging',
  'source-key': WORKER_KEY,
};

type Found = Awaited<ReturnType<typeof find>>;
let validated: Found;
let neverValidated: Found;
let unreachable: Found;
beforeAll(async () => {
  [validated, neverValidated, unreachable] = await Promise.all([
    find([api, worker]),
    find([
      { ...api, 'source-key': 'c'.repeat(40) },
      { ...worker, 'source-repository': 'deals/nowhere' },
    ]),
    find([api], 'http://127.0.0.1:9'),
  ]);
}, 60_000);

test('finds the digest staging validated for each service, in its source repository, and the commit it was built from', () => {
  const result = validated;
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(result.images).toEqual({
    'deals-api': { image: expect.stringMatching(/^deals\/api@sha256:[0-9a-f]{64}$/), commit: COMMIT },
    'deals-worker': {
      image: expect.stringMatching(/^deals\/worker-staging@sha256:[0-9a-f]{64}$/),
      commit: '',
    },
  });
  expect(result.summary).toContain(
    `deals-api: ${result.images!['deals-api']!.image}, validated on staging (built from ${COMMIT})`,
  );
});

test('files never validated are SLW-WF-001 for every such service, with no images output', () => {
  const result = neverValidated;
  expect(result.status).toBe(1);
  const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error'));
  expect(errors).toEqual([
    expect.stringMatching(
      /^::error title=SLW-WF-001 Not validated on staging::SLW-WF-001: deals-api's files .* \(deals\/api has no validated-staging-c{40}\)/,
    ),
    expect.stringMatching(
      /^::error title=SLW-WF-001 Not validated on staging::SLW-WF-001: deals-worker's files .* \(deals\/nowhere has no validated-staging-b{40}\)/,
    ),
  ]);
  expect(result.images).toBeUndefined();
});

test('any other failure of the lookup fails the step with the aws error, not as SLW-WF-001', () => {
  const result = unreachable;
  expect(result.status).not.toBe(0);
  expect(result.stdout).not.toContain('SLW-WF-001');
  expect(result.stderr).toMatch(/Could not connect|connect/i);
  expect(result.images).toBeUndefined();
});
