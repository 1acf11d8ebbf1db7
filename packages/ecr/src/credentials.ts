import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Secrets, SlipwayError, runCommand } from '@slipway/kit';
import { ECR } from './codes';

/** The user name that stands for an identity token (an OAuth refresh token) rather than a password. */
export const IDENTITY_TOKEN = '<token>';

/** What `docker login` / `podman login` stored for a registry: a user and password, or an identity token. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * The files a login writes, in the order the clients read them: podman's auth file first (podman
 * itself falls back to docker's config), then docker's.
 */
export function authFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json'));
  return files;
}

// How clients spell a registry in `auths`: bare host, with a scheme, and Docker Hub's legacy URL.
function keysFor(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === 'registry-1.docker.io' || host === 'docker.io')
    keys.push('https://index.docker.io/v1/', 'index.docker.io', 'docker.io');
  return keys;
}

/**
 * The credentials stored for `host`, or undefined for none (anonymous access). A credential helper
 * named for the host, or as the store of all, is asked through `docker-credential-<name> get`. Every
 * secret found is registered before it is returned.
 */
export async function registryCredentials(
  host: string,
  secrets: Secrets,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryCredentials | undefined> {
  for (const file of authFiles(env)) {
    const config = await readAuthFile(file);
    if (!config) continue;
    const keys = keysFor(host);
    const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean);
    if (helper) return fromHelper(helper, host, secrets, env);
    const entry = keys.map((k) => config.auths?.[k]).find(Boolean);
    if (entry?.identitytoken) {
      secrets.register(entry.identitytoken);
      return { username: IDENTITY_TOKEN, password: entry.identitytoken };
    }
    if (entry?.auth) {
      secrets.register(entry.auth);
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw unreadable(file, `the "auth" entry for ${host} is not base64 of user:password`);
      const password = decoded.slice(colon + 1);
      secrets.register(password);
      return { username: decoded.slice(0, colon), password };
    }
    // An entry without "auth" means a store holds the secret (docker writes `{}` then).
    if (config.credsStore && (entry || !config.auths))
      return fromHelper(config.credsStore, host, secrets, env);
  }
  return undefined;
}

async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch (error) {
    throw unreadable(file, `it is not JSON (${(error as Error).message})`);
  }
}

async function fromHelper(
  helper: string,
  host: string,
  secrets: Secrets,
  env: NodeJS.ProcessEnv,
): Promise<RegistryCredentials | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) {
    throw unreadable('the registry auth file', `credential helper "${helper}" is not a program name`);
  }
  const program = `docker-credential-${helper}`;
  const answer = await runCommand(program, ['get'], { stdin: host, env }).catch((error: Error) => ({
    exitCode: 127,
    stdout: '',
    stderr: error.message,
  }));
  // Helpers say "credentials not found" (exit 1) for a registry they hold nothing for.
  if (answer.exitCode !== 0) {
    if (/not found/i.test(answer.stdout + answer.stderr)) return undefined;
    throw new SlipwayError(
      ECR.REGISTRY_CREDENTIALS,
      `${program} get (for ${host}) failed (exit ${answer.exitCode}): ${(answer.stderr || answer.stdout).trim().slice(0, 300)}`,
      { remedy: `Install ${program} on the runner, or log in to ${host} again before this step.` },
    );
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(answer.stdout) as typeof parsed;
  } catch {
    throw new SlipwayError(ECR.REGISTRY_CREDENTIALS, `${program} get (for ${host}) did not answer JSON.`, {
      remedy: `Check ${program}; it should print {"Username": …, "Secret": …}.`,
    });
  }
  if (!parsed.Secret) return undefined;
  secrets.register(parsed.Secret);
  return { username: parsed.Username ?? '', password: parsed.Secret };
}

function unreadable(file: string, why: string): SlipwayError {
  return new SlipwayError(ECR.REGISTRY_CREDENTIALS, `Cannot read the registry login in ${file}: ${why}.`, {
    remedy: 'Log in again (docker login / podman login) before this step, or fix the file.',
  });
}
