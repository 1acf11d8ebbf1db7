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
  kind: 'buildx' | 'build';
  /** Only buildx drivers other than the default `docker` one can export a cache to a registry. */
  registryCache: boolean;
}

/** `docker buildx` when the CLI has it; the podman shim answers `buildx version` but is not buildx. */
export async function detectBuilder(): Promise<Builder> {
  const probe = await runCommand('docker', ['buildx', 'version']).catch(() => undefined);
  if (probe?.exitCode !== 0 || !/buildx/i.test(probe.stdout) || /buildah/i.test(probe.stdout)) {
    return { kind: 'build', registryCache: false };
  }
  const inspect = await runCommand('docker', ['buildx', 'inspect']).catch(() => undefined);
  return {
    kind: 'buildx',
    registryCache: !/^Driver:\s+docker\s*$/m.test(inspect?.stdout ?? 'Driver: docker'),
  };
}

/** The docker command line for a plan; secrets are passed as files, never as arguments. */
export function buildArguments(
  plan: BuildPlan,
  builder: Builder,
  secretFiles: Map<string, string>,
): string[] {
  const args = builder.kind === 'buildx' ? ['buildx', 'build', '--load'] : ['build'];
  args.push('--file', plan.dockerfile, '--platform', plan.platforms.join(','));
  for (const { key, value } of plan.buildArgs) args.push('--build-arg', `${key}=${value}`);
  for (const [id, file] of secretFiles) args.push('--secret', `id=${id},src=${file}`);
  if (plan.target) args.push('--target', plan.target);
  for (const { key, value } of plan.labels) args.push('--label', `${key}=${value}`);
  for (const reference of plan.references) args.push('--tag', reference);
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
  if (plan.cacheRef && !builder.registryCache) {
    logger.info(
      'This builder cannot export a registry cache (use docker/setup-buildx-action): building without it.',
    );
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
            'Read the build log above; the Dockerfile, the context and build arguments are the usual suspects.',
        },
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const reference of plan.references) {
    const push = await logger.group(`docker push ${reference}`, () =>
      runCommand('docker', ['push', reference], { logger }),
    );
    if (push.exitCode !== 0) {
      throw new SlipwayError(
        ECR.PUSH_FAILED,
        `docker push ${reference} failed (exit ${push.exitCode}): ${lastLine(push.stderr)}`,
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
