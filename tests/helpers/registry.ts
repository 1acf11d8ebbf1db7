import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPortClosed, waitUntil } from './ports';

/** Debian's docker-registry (the CNCF distribution registry) on loopback, and a podman-backed `docker`. */
export interface LocalRegistry {
  host: string;
  /** The registry's access log so far: one line per HTTP request. */
  log(): string;
  /** Environment for a process that builds with podman's docker CLI and pushes here over plain HTTP. */
  builderEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: false } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}" }`,
    ].join('\n'),
  );
  let log = '';
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitUntil(async () => (await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok, {
    timeoutMs: 15_000,
    what: `docker-registry on ${host} (log: ${log.slice(-300)})`,
  });

  // podman, isolated: its own storage, our registry trusted over HTTP, and `docker` meaning podman
  // even where a Docker CLI without an engine comes first on PATH.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink('/usr/bin/podman', join(bin, 'docker'));
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
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await waitForPortClosed(port, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
