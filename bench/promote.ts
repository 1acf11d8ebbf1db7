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
const LAYER_UPLOAD_CALLS = ['InitiateLayerUpload', 'UploadLayerPart', 'CompleteLayerUpload'];
const TARGET = { seconds: 2, ecrCalls: 3, layerBytes: 0 };

/**
 * Blob bytes pushed to the registry since `from` (an offset in its access log): every completed upload
 * (a PUT …/blobs/uploads/…?digest=… answered 201) is one blob, whose size the registry's HTTP API gives.
 * A cross-repository mount completes without such a PUT, and moves no bytes.
 */
async function uploadedBlobs(
  host: string,
  log: string,
): Promise<{ blobs: number; bytes: number; mounted: number }> {
  const completed = [
    ...log.matchAll(
      /"PUT \/v2\/(\S+?)\/blobs\/uploads\/\S*[?&]digest=(sha256(?::|%3A)[0-9a-f]{64})\S* HTTP\/[\d.]+" 201 /g,
    ),
  ];
  let bytes = 0;
  for (const [, repository, digest] of completed) {
    const head = await fetch(`http://${host}/v2/${repository}/blobs/${decodeURIComponent(digest!)}`, {
      method: 'HEAD',
    });
    if (!head.ok) throw new Error(`HEAD blob ${digest} in ${repository}: ${head.status}`);
    bytes += Number(head.headers.get('content-length'));
  }
  const mounted = (log.match(/"POST \/v2\/\S+?\/blobs\/uploads\/\?\S*mount=\S* HTTP\/[\d.]+" 201 /g) ?? [])
    .length;
  return { blobs: completed.length, bytes, mounted };
}

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
    let layerCalls = 0;
    let layerBytes = 0;
    ecr.middlewareStack.add(
      (next, { commandName }) =>
        (args) => {
          calls++;
          if (LAYER_UPLOAD_CALLS.includes(commandName!.replace(/Command$/, ''))) layerCalls++;
          const part = (args.input as { layerPartBlob?: Uint8Array }).layerPartBlob;
          layerBytes += part?.byteLength ?? 0;
          return next(args);
        },
      { step: 'initialize' },
    );
    const context = { ecr: () => ecr, git, secrets: new Secrets(), logger: memoryLogger() };

    // Promotion in ECR: the image staging pushed gains the production tag.
    const ecrTimes: number[] = [];
    const ecrCalls: number[] = [];
    const ecrLayerCalls: number[] = [];
    const ecrLayerBytes: number[] = [];
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
      calls = layerCalls = layerBytes = 0;
      const started = performance.now();
      const promoted = await publish(request(repository), context);
      ecrTimes.push(performance.now() - started);
      ecrCalls.push(calls);
      ecrLayerCalls.push(layerCalls);
      ecrLayerBytes.push(layerBytes);
      if (promoted.result !== 'retagged') throw new Error(`ECR promotion ${i}: ${promoted.result}`);
    }

    // The same in an OCI registry, with a real image, measuring the blobs pushed through its API.
    await runCommand('docker', ['build', '-q', '-t', `${registry.host}/seed:sha-abcdef0`, fixture]);
    const registryTimes: number[] = [];
    const registryUploads: Awaited<ReturnType<typeof uploadedBlobs>>[] = [];
    const rebuildTimes: number[] = [];
    const rebuildUploads: Awaited<ReturnType<typeof uploadedBlobs>>[] = [];
    for (let i = 0; i < runs; i++) {
      const repository = `registry-promote-${i}`;
      const seeded = await runCommand('docker', [
        'tag',
        `${registry.host}/seed:sha-abcdef0`,
        `${registry.host}/${repository}:sha-abcdef0`,
      ]);
      const pushed = await runCommand('docker', ['push', `${registry.host}/${repository}:sha-abcdef0`]);
      if (seeded.exitCode || pushed.exitCode) throw new Error(pushed.stderr);
      let from = registry.log().length;
      let started = performance.now();
      const promoted = await publish(request(repository, { registry: registry.host }), context);
      registryTimes.push(performance.now() - started);
      registryUploads.push(await uploadedBlobs(registry.host, registry.log().slice(from)));
      if (promoted.result !== 'retagged') throw new Error(`registry promotion ${i}: ${promoted.result}`);

      // Baseline: what a pipeline without promotion does — rebuild the commit and push it again.
      const rebuildRepository = `rebuild-${i}`;
      from = registry.log().length;
      started = performance.now();
      const rebuilt = await publish(
        request(rebuildRepository, { registry: registry.host, promoteFrom: undefined }),
        {
          ...context,
          git: { ...git, sha: `${i}`.padEnd(40, '0') },
        },
      );
      rebuildTimes.push(performance.now() - started);
      rebuildUploads.push(await uploadedBlobs(registry.host, registry.log().slice(from)));
      if (rebuilt.result !== 'built') throw new Error(`rebuild ${i}: ${rebuilt.result}`);
    }
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const verdict = (checks: boolean[]) => (checks.every(Boolean) ? 'pass' : 'FAIL');
    const target = `≤ ${TARGET.seconds} s, ≤ ${TARGET.ecrCalls} ECR calls, ${TARGET.layerBytes} layer bytes`;
    const worst = (xs: number[]) => Math.max(...xs);
    const registryBytes = worst(registryUploads.map((u) => u.bytes));
    rows.push([
      'promote (ECR API, moto_server)',
      seconds(median(ecrTimes)),
      `${worst(ecrCalls)}`,
      `${worst(ecrLayerCalls)} layer-upload calls, ${worst(ecrLayerBytes)} B`,
      `${(median(rebuildTimes) / median(ecrTimes)).toFixed(0)}×`,
      target,
      verdict([
        median(ecrTimes) <= TARGET.seconds * 1000,
        worst(ecrCalls) <= TARGET.ecrCalls,
        worst(ecrLayerCalls) === 0,
        worst(ecrLayerBytes) <= TARGET.layerBytes,
      ]),
    ]);
    rows.push([
      'promote (OCI registry)',
      seconds(median(registryTimes)),
      '—',
      `${worst(registryUploads.map((u) => u.blobs))} blobs, ${registryBytes} B`,
      `${(median(rebuildTimes) / median(registryTimes)).toFixed(0)}×`,
      `≤ ${TARGET.seconds} s, ${TARGET.layerBytes} layer bytes`,
      verdict([median(registryTimes) <= TARGET.seconds * 1000, registryBytes <= TARGET.layerBytes]),
    ]);
    rows.push([
      'rebuild + push (baseline)',
      seconds(median(rebuildTimes)),
      '—',
      `${median(rebuildUploads.map((u) => u.blobs))} blobs, ${median(rebuildUploads.map((u) => u.bytes))} B (+${median(rebuildUploads.map((u) => u.mounted))} mounted from another repository)`,
      '1×',
      '—',
      '—',
    ]);
  } finally {
    await registry.stop();
    await moto.stop();
  }
  console.log(`\nPromote versus rebuild of tests/fixtures/app (${runs} runs each, medians)\n`);
  const header = [
    'path',
    'median time',
    'ECR calls (max)',
    'layers uploaded (max; median for the baseline)',
    'faster than rebuild',
    'target',
    'verdict',
  ];
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
