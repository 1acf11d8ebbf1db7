import { execFile, spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPortClosed, waitUntil } from './ports';
import { TokenService, startTokenService } from './registry-token';

/** Debian's docker-registry (the CNCF distribution registry) on loopback, and a podman-backed `docker`. */
export interface LocalRegistry {
  host: string;
  /** The registry's access log so far: one line per HTTP request. */
  log(): string;
  /** Environment for a process that builds with podman's docker CLI and pushes here over plain HTTP. */
  builderEnv: Record<string, string>;
  /** The `docker` the builder env runs: Debian's podman-docker when installed, else a symlink to podman. */
  docker: DockerCli;
  /** For a protected registry: the token service its Bearer challenge names. */
  tokens?: TokenService;
  stop(): Promise<void>;
}

export interface DockerCli {
  path: string;
  via: 'podman-docker' | 'podman symlink';
}

/**
 * The first `docker` on PATH that is podman in disguise (`docker --version` says "podman version …", as
 * podman-docker's does), skipping a Docker CLI with no engine behind it.
 */
export async function findPodmanDocker(path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'docker');
    const runnable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (!runnable) continue;
    const version = await promisify(execFile)(candidate, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => stdout,
      () => '',
    );
    if (/podman/i.test(version)) return candidate;
  }
  return undefined;
}

/** `login` protects the registry: every call needs a token, which only that user gets (Bearer flow). */
export async function startRegistry(
  options: { login?: { username: string; password: string } } = {},
): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  const tokens = options.login ? await startTokenService(dir, options.login) : undefined;
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: false } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}" }`,
      ...(tokens
        ? [
            `auth: { token: { realm: "${tokens.realm}", service: ${tokens.service}, issuer: ${tokens.issuer}, rootcertbundle: ${tokens.certificate} } }`,
          ]
        : []),
    ].join('\n'),
  );
  let log = '';
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const up = (status?: number) => status === 200 || (tokens !== undefined && status === 401);
  await waitUntil(async () => up((await fetch(`http://${host}/v2/`).catch(() => undefined))?.status), {
    timeoutMs: 15_000,
    what: `docker-registry on ${host} (log: ${log.slice(-300)})`,
  });

  // podman, isolated: its own storage, our registry trusted over HTTP, and `docker` meaning podman
  // (podman-docker's CLI, else podman itself) even where a Docker CLI without an engine comes first.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const podmanDocker = await findPodmanDocker();
  const docker: DockerCli = podmanDocker
    ? { path: podmanDocker, via: 'podman-docker' }
    : { path: '/usr/bin/podman', via: 'podman symlink' };
  await symlink(docker.path, join(bin, 'docker'));
  await writeFile(join(dir, 'registries.conf'), `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  await writeFile(
    join(dir, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${join(dir, 'run')}"\n`,
  );
  const builderEnv = {
    PATH: `${bin}:${process.env.PATH}`,
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    STORAGE_DRIVER: 'vfs',
    BUILDAH_ISOLATION: 'chroot',
  };

  return {
    host,
    log: () => log,
    builderEnv,
    docker,
    tokens,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await tokens?.stop();
      await waitForPortClosed(port, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
