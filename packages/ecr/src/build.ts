import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, Pair, Secrets, SlipwayError, runCommand } from '@slipway/kit';
import { ECR } from './codes';

export interface BuildPlan {
  context: string;
  dockerfile: string;
  platforms: string[];
  buildArgs: Pair[];
  secrets: Pair[];
  target?: string;
  labels: Pair[];
  /** Image references to tag the build with (host/repository:tag). */
  references: string[];
  /** A registry reference for the build cache, used where the builder supports it (buildx). */
  cacheRef?: string;
}

export interface Builder {
  /** `podman` is podman behind the `docker` name (podman-docker), which builds lists with --manifest. */
  kind: 'buildx' | 'build' | 'podman';
  /** Only buildx drivers other than the default `docker` one can export a cache to a registry. */
  registryCache: boolean;
}

/** `docker buildx` when the CLI has it; the podman shim answers `buildx version` but is not buildx. */
export async function detectBuilder(): Promise<Builder> {
  const probe = await runCommand('docker', ['buildx', 'version']).catch(() => undefined);
  if (probe?.exitCode !== 0 || !/buildx/i.test(probe.stdout) || /buildah/i.test(probe.stdout)) {
    const version = await runCommand('docker', ['--version']).catch(() => undefined);
    return { kind: /podman/i.test(version?.stdout ?? '') ? 'podman' : 'build', registryCache: false };
  }
  const inspect = await runCommand('docker', ['buildx', 'inspect']).catch(() => undefined);
  return {
    kind: 'buildx',
    registryCache: !/^Driver:\s+docker\s*$/m.test(inspect?.stdout ?? 'Driver: docker'),
  };
}

/**
 * Several platforms make a manifest list, which no local image store holds: buildx pushes it itself
 * (--push, never --load), podman assembles it under --manifest and pushes it with `manifest push`.
 */
export const isMultiPlatform = (plan: Pick<BuildPlan, 'platforms'>) => plan.platforms.length > 1;

/** The docker command line for a plan; secrets are passed as files, never as arguments. */
export function buildArguments(
  plan: BuildPlan,
  builder: Builder,
  secretFiles: Map<string, string>,
): string[] {
  const multi = isMultiPlatform(plan);
  const args = builder.kind === 'buildx' ? ['buildx', 'build', multi ? '--push' : '--load'] : ['build'];
  args.push('--file', plan.dockerfile, '--platform', plan.platforms.join(','));
  for (const { key, value } of plan.buildArgs) args.push('--build-arg', `${key}=${value}`);
  for (const [id, file] of secretFiles) args.push('--secret', `id=${id},src=${file}`);
  if (plan.target) args.push('--target', plan.target);
  for (const { key, value } of plan.labels) args.push('--label', `${key}=${value}`);
  if (builder.kind === 'podman' && multi) {
    // podman 4's layer cache ignores the platform (a FROM scratch step of one platform answers for the
    // next, and the list ends up with one image): each platform builds afresh.
    args.push('--manifest', plan.references[0]!, '--no-cache');
  } else for (const reference of plan.references) args.push('--tag', reference);
  if (builder.kind === 'buildx') {
    // ECR takes neither attestation manifests nor a cache stored as an index; these make both fit.
    args.push('--provenance=false');
    if (plan.cacheRef && builder.registryCache) {
      args.push('--cache-from', `type=registry,ref=${plan.cacheRef}`);
      args.push(
        '--cache-to',
        `type=registry,ref=${plan.cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
      );
    }
  }
  args.push(plan.context);
  return args;
}

export async function buildAndPush(plan: BuildPlan, secrets: Secrets, logger: Logger): Promise<void> {
  const builder = await detectBuilder();
  if (isMultiPlatform(plan) && builder.kind === 'build') {
    throw new SlipwayError(
      ECR.BUILD_FAILED,
      `Building for ${plan.platforms.join(', ')} needs docker buildx (or podman): this docker has neither.`,
      { remedy: 'Add docker/setup-buildx-action before this step, or build for one platform.' },
    );
  }
  if (plan.cacheRef && !builder.registryCache) {
    logger.info(
      'This builder cannot export a registry cache (use docker/setup-buildx-action): building without it.',
    );
  }
  if (builder.kind === 'podman' && isMultiPlatform(plan)) {
    // --manifest adds to a list of that name if one is left from an earlier build: start from none.
    await runCommand('docker', ['manifest', 'rm', plan.references[0]!]).catch(() => undefined);
  }
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP ?? tmpdir(), 'slipway-secrets-'));
  try {
    const secretFiles = new Map<string, string>();
    for (const { key, value } of plan.secrets) {
      secrets.register(value);
      const file = join(dir, key);
      await writeFile(file, value, { mode: 0o600 });
      await chmod(file, 0o600);
      secretFiles.set(key, file);
    }
    const args = buildArguments(plan, builder, secretFiles);
    logger.info(`docker ${args.join(' ')}`);
    const build = await logger.group('docker build', () =>
      runCommand('docker', args, { logger: redacting(logger, secrets) }),
    );
    if (build.exitCode !== 0) {
      throw new SlipwayError(
        ECR.BUILD_FAILED,
        `docker ${builder.kind === 'buildx' ? 'buildx build' : 'build'} failed (exit ${build.exitCode}): ${lastLine(secrets.redact(build.stderr || build.stdout))}`,
        {
          remedy:
            isMultiPlatform(plan) && builder.kind === 'buildx'
              ? 'Read the build log above. Several platforms need a buildx builder that can build them (docker/setup-buildx-action, with docker/setup-qemu-action for RUN steps on other architectures).'
              : 'Read the build log above; the Dockerfile, the context and build arguments are the usual suspects.',
        },
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (builder.kind === 'buildx' && isMultiPlatform(plan)) return;
  for (const reference of plan.references) {
    const args =
      builder.kind === 'podman' && isMultiPlatform(plan)
        ? ['manifest', 'push', '--all', plan.references[0]!, `docker://${reference}`]
        : ['push', reference];
    const push = await logger.group(`docker ${args.join(' ')}`, () => runCommand('docker', args, { logger }));
    if (push.exitCode !== 0) {
      throw new SlipwayError(
        ECR.PUSH_FAILED,
        `docker ${args.join(' ')} failed (exit ${push.exitCode}): ${lastLine(push.stderr)}`,
        {
          remedy:
            "Check the login, the repository name and the role's ecr:*Layer* and ecr:PutImage permissions.",
        },
      );
    }
  }
}

function redacting(logger: Logger, secrets: Secrets): Logger {
  return { ...logger, info: (message) => logger.info(secrets.redact(message)) };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
