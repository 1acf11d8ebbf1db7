import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsChildEnv } from '../../helpers/env';
import { MotoServer, startMoto } from '../../helpers/moto';

// The adapter's @actions/core is ESM-only, so jest cannot load main.ts; the bundle runs as the runner
// runs it instead: main, then post with the state main saved, against moto and a recording `docker`.
const root = join(__dirname, '..', '..', '..');
const FAR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const PASSWORD = '111111111111-auth-token'; // what moto hands out for that account
let moto: MotoServer;
let dir: string;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(() => moto?.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-post-'));
  // Login succeeds, the build fails: main stops right after logging in, as a real failure would.
  await writeFile(
    join(dir, 'docker'),
    [
      '#!/bin/sh',
      `echo "$*" >> "${dir}/docker.log"`,
      'case "$1" in',
      `  login) cat > "${dir}/stdin"; echo "Login Succeeded" ;;`,
      '  build) echo "Error: no base image here" >&2; exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  await chmod(join(dir, 'docker'), 0o755);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs dist/build-push-ecr/index.js once; the state file persists between main and post. */
async function runBundle(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(root, 'dist', 'build-push-ecr', 'index.js')], {
    cwd: dir,
    env: awsChildEnv(moto.url, {
      PATH: `${dir}:${process.env.PATH}`,
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_WORKSPACE: join(root, 'tests', 'fixtures'),
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/heads/main',
      INPUT_REPOSITORY: 'team/app',
      INPUT_CONTEXT: 'app',
      INPUT_REGISTRY: FAR,
      ...env,
    }),
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stdout += chunk));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { exitCode, stdout };
}

/** The runner's GITHUB_STATE file (`name<<delimiter`, value, `delimiter`) as STATE_<name> variables. */
function stateEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]!);
    env[`STATE_${match[1]}`] = value.join('\n');
  }
  return env;
}

test('main logs in to the registry, fails, and the post step still logs docker out of it', async () => {
  await writeFile(join(dir, 'state'), '');
  const main = await runBundle({});
  expect(main.exitCode).toBe(1);
  expect(main.stdout).toContain('title=SLW-ECR-009');
  expect(main.stdout).toContain(`::add-mask::${PASSWORD}`);
  expect(main.stdout.split(`::add-mask::${PASSWORD}`).join('')).not.toContain(PASSWORD);
  expect(await readFile(join(dir, 'stdin'), 'utf8')).toBe(PASSWORD);
  const afterMain = (await readFile(join(dir, 'docker.log'), 'utf8')).trim().split('\n');
  expect(afterMain).toContain(`login --username AWS --password-stdin ${FAR}`);
  expect(afterMain.some((line) => line.startsWith('logout'))).toBe(false);

  const state = stateEnv(await readFile(join(dir, 'state'), 'utf8'));
  expect(JSON.parse(state['STATE_logged-in']!)).toEqual([FAR]);
  const post = await runBundle(state);
  expect(post.exitCode).toBe(0);
  expect(post.stdout).toContain(`Logged out of ${FAR}.`);
  const afterPost = (await readFile(join(dir, 'docker.log'), 'utf8')).trim().split('\n');
  expect(afterPost.slice(afterMain.length)).toEqual([`logout ${FAR}`]);
});

test('a post step with nothing saved runs no docker at all', async () => {
  const post = await runBundle({ STATE_isPost: 'true' });
  expect(post.exitCode).toBe(0);
  await expect(readFile(join(dir, 'docker.log'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
});
