/**
 * Promotion versus rebuild, in one run: promoting an already-built image (ECR through moto_server, and
 * an OCI registry) against rebuilding and pushing the fixture image with the docker CLI (podman).
 *
 *   npm run bench:promote -- [--runs 5]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { ensureRepository, publish, PublishRequest } from '@slipway/ecr';
import { memoryLogger, runCommand, Secrets } from '@slipway/kit';
import { startMoto } from '../tests/helpers/moto';
import { startRegistry } from '../tests/helpers/registry';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const fixture = join(__dirname, '..', 'tests', 'fixtures', 'app');
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

const request = (repository: string, extra: Partial<PublishRequest> = {}): PublishRequest => ({
  repository,
  environment: 'production',
  mutability: 'MUTABLE',
  requestedTags: [],
  build: {
    context: fixture,
    dockerfile: join(fixture, 'Dockerfile'),
    platforms: ['linux/amd64'],
    buildArgs: [],
    secrets: [],
    labels: [],
  },
  cache: false,
  promoteFrom: 'sha-abcdef0',
  ...extra,
});
const git = { eventName: 'push', sha: SHA, ref: 'refs/heads/main' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const uploads = (log: string) => (log.match(/"(POST|PUT|PATCH) \/v2\/[^"]*\/blobs\/uploads/g) ?? []).length;

async function main() {
  const moto = await startMoto();
  const registry = await startRegistry();
  Object.assign(process.env, registry.builderEnv);
  const rows: string[][] = [];
  try {
    const ecr = new ECRClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    let calls = 0;
    ecr.middlewareStack.add((next) => (args) => (calls++, next(args)), { step: 'initialize' });
    const context = { ecr: () => ecr, git, secrets: new Secrets(), logger: memoryLogger() };

    // Promotion in ECR: the image staging pushed gains the production tag.
    const ecrTimes: number[] = [];
    const ecrCalls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const repository = `ecr-promote-${i}`;
      await ensureRepository(ecr, { name: repository, mutability: 'MUTABLE' }, memoryLogger());
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { size: 1, digest: `sha256:${'1'.repeat(64)}` },
        layers: [],
      });
      for (const tag of ['sha-abcdef0', 'main'])
        await ecr.send(
          new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageTag: tag }),
        );
      calls = 0;
      const started = performance.now();
      const promoted = await publish(request(repository), context);
      ecrTimes.push(performance.now() - started);
      ecrCalls.push(calls);
      if (promoted.result !== 'retagged') throw new Error(`ECR promotion ${i}: ${promoted.result}`);
    }

    // The same in an OCI registry, with a real image, counting layer uploads in its access log.
    await runCommand('docker', ['build', '-q', '-t', `${registry.host}/seed:sha-abcdef0`, fixture]);
    const registryTimes: number[] = [];
    const registryUploads: number[] = [];
    const rebuildTimes: number[] = [];
    const rebuildUploads: number[] = [];
    for (let i = 0; i < runs; i++) {
      const repository = `registry-promote-${i}`;
      const seeded = await runCommand('docker', [
        'tag',
        `${registry.host}/seed:sha-abcdef0`,
        `${registry.host}/${repository}:sha-abcdef0`,
      ]);
      const pushed = await runCommand('docker', ['push', `${registry.host}/${repository}:sha-abcdef0`]);
      if (seeded.exitCode || pushed.exitCode) throw new Error(pushed.stderr);
      let before = uploads(registry.log());
      let started = performance.now();
      const promoted = await publish(request(repository, { registry: registry.host }), context);
      registryTimes.push(performance.now() - started);
      registryUploads.push(uploads(registry.log()) - before);
      if (promoted.result !== 'retagged') throw new Error(`registry promotion ${i}: ${promoted.result}`);

      // Baseline: what a pipeline without promotion does — rebuild the commit and push it again.
      const rebuildRepository = `rebuild-${i}`;
      before = uploads(registry.log());
      started = performance.now();
      const rebuilt = await publish(
        request(rebuildRepository, { registry: registry.host, promoteFrom: undefined }),
        {
          ...context,
          git: { ...git, sha: `${i}`.padEnd(40, '0') },
        },
      );
      rebuildTimes.push(performance.now() - started);
      rebuildUploads.push(uploads(registry.log()) - before);
      if (rebuilt.result !== 'built') throw new Error(`rebuild ${i}: ${rebuilt.result}`);
    }
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    rows.push([
      'promote (ECR API, moto_server)',
      seconds(median(ecrTimes)),
      `${Math.max(...ecrCalls)}`,
      '0 (no docker)',
      `${(median(rebuildTimes) / median(ecrTimes)).toFixed(0)}×`,
    ]);
    rows.push([
      'promote (OCI registry)',
      seconds(median(registryTimes)),
      '—',
      `${Math.max(...registryUploads)}`,
      `${(median(rebuildTimes) / median(registryTimes)).toFixed(0)}×`,
    ]);
    rows.push([
      'rebuild + push (baseline)',
      seconds(median(rebuildTimes)),
      '—',
      `${median(rebuildUploads)}`,
      '1×',
    ]);
  } finally {
    await registry.stop();
    await moto.stop();
  }
  console.log(`\nPromote versus rebuild of tests/fixtures/app (${runs} runs each, medians)\n`);
  const header = ['path', 'median time', 'ECR calls (max)', 'blob uploads', 'faster than rebuild'];
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
