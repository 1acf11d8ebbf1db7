import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../helpers/action';

const SERVICES = `
- service: api
  container: api
  repository: team/api
  paths: ['api/**', 'shared/**']
  health-url: https://app.example.com/health
- service: worker
  container: worker
  repository: team/worker
  context: worker
  paths: ['worker/**', 'shared/**']
`;

let repo: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' })
    .toString()
    .trim();
async function commit(files: Record<string, string>, message: string): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(repo, path, '..'), { recursive: true });
    await writeFile(join(repo, path), text);
  }
  git('add', '.');
  git('commit', '-qm', message);
  return git('rev-parse', 'HEAD');
}

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'slipway-select-'));
  git('init', '-q', '-b', 'staging');
});
afterEach(() => rm(repo, { recursive: true, force: true }));

/** The bundle as a push's step runs it: the event payload, the commit, the checked-out workspace. */
async function select(push: { before?: string; after: string }, inputs: Record<string, string> = {}) {
  const event = join(repo, '..', `${repo.split('/').pop()}-event.json`);
  await writeFile(event, JSON.stringify({ before: push.before, after: push.after }));
  try {
    return await runAction(
      'select-services',
      { services: SERVICES, 'migrations-paths': 'migrations/**', 'prompts-paths': 'prompts/**', ...inputs },
      {
        endpoint: 'http://127.0.0.1:9',
        cwd: repo,
        env: {
          GITHUB_EVENT_NAME: 'push',
          GITHUB_EVENT_PATH: event,
          GITHUB_SHA: push.after,
          GITHUB_REF: 'refs/heads/staging',
          GITHUB_WORKSPACE: repo,
        },
      },
    );
  } finally {
    await rm(event, { force: true });
  }
}

const matrixOf = (outputs: Record<string, string>) =>
  (JSON.parse(outputs.matrix!) as { include: Record<string, string>[] }).include;

test('a worker-only push selects the worker, with its source key, and nothing else', async () => {
  const before = await commit(
    { 'api/main.py': '1', 'worker/job.py': '1', 'migrations/001.sql': 'select 1;' },
    'a',
  );
  const after = await commit({ 'worker/job.py': '2' }, 'b');
  const run = await select({ before, after });
  expect({ exit: run.exitCode, errors: run.errors }).toEqual({ exit: 0, errors: [] });
  const matrix = matrixOf(run.outputs);
  expect(matrix.map((s) => s.service)).toEqual(['worker']);
  expect(matrix[0]).toMatchObject({ container: 'worker', repository: 'team/worker', context: 'worker' });
  expect(matrix[0]!['source-key']).toMatch(/^[0-9a-f]{40}$/);
  expect(run.outputs).toMatchObject({ any: 'true', migrations: 'false', prompts: 'false', reason: '' });
});

test('migrations-only and prompts-only pushes select no service and say what changed', async () => {
  const before = await commit({ 'api/main.py': '1' }, 'a');
  const migrations = await commit({ 'migrations/002.sql': 'select 2;' }, 'b');
  const onlyMigrations = await select({ before, after: migrations });
  expect(onlyMigrations.outputs).toMatchObject({ any: 'false', migrations: 'true', prompts: 'false' });
  expect(matrixOf(onlyMigrations.outputs)).toEqual([]);
  const prompts = await commit({ 'prompts/greeting.yaml': 'name: greeting' }, 'c');
  const onlyPrompts = await select({ before: migrations, after: prompts });
  expect(onlyPrompts.outputs).toMatchObject({ any: 'false', migrations: 'false', prompts: 'true' });
});

test('a force push, whose before the repository no longer holds, selects every service with a notice', async () => {
  await commit({ 'api/main.py': '1', 'worker/job.py': '1' }, 'a');
  const before = await commit({ 'api/main.py': '2' }, 'b');
  git('reset', '-q', '--hard', 'HEAD~1');
  const after = await commit({ 'shared/util.py': 'x' }, 'rewritten');
  git('reflog', 'expire', '--expire=now', '--all');
  git('gc', '-q', '--prune=now');
  const run = await select({ before, after });
  expect(run.exitCode).toBe(0);
  expect(matrixOf(run.outputs).map((s) => s.service)).toEqual(['api', 'worker']);
  expect(run.outputs).toMatchObject({ any: 'true', migrations: 'true', prompts: 'true' });
  expect(run.outputs.reason).toContain(`the base commit ${before.slice(0, 7)} is not in this checkout`);
  expect(run.stdout).toMatch(
    /^::notice title=Every service deploys::Every service is selected: the base commit/m,
  );
  expect(run.summary).toContain('**Every service deploys:**');
});

test('a merge of staging into main reproduces the keys staging had', async () => {
  await commit({ 'api/main.py': '1', 'worker/job.py': '1' }, 'a');
  git('branch', 'main');
  const staging = await commit({ 'api/main.py': '2' }, 'b');
  const onStaging = matrixOf((await select({ after: staging })).outputs);
  git('checkout', '-q', 'main');
  const mainBefore = await commit({ 'README.md': 'docs' }, 'docs on main');
  git('merge', '-q', '--no-ff', '-m', 'merge', 'staging');
  const merged = await select({ before: mainBefore, after: git('rev-parse', 'HEAD') });
  expect(matrixOf(merged.outputs)).toEqual(onStaging.filter((s) => s.service === 'api'));
});

test('an invalid services list fails with SLW-PIP-001 and sets no output', async () => {
  const after = await commit({ 'api/main.py': '1' }, 'a');
  const run = await select({ after }, { services: '- service: api' });
  expect(run.exitCode).toBe(1);
  expect(run.errors.join('\n')).toContain('SLW-PIP-001');
  expect(run.outputs).toEqual({});
});
