import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedFiles, parseServices, selectServices, sourceKeys, touches } from '@slipway/pipeline';

const services = parseServices(`
- service: api
  container: app
  repository: team/api
  paths: ['api/**', 'shared/**', 'Dockerfile.api']
- service: worker
  container: worker
  repository: team/worker
  context: worker
  paths: ['worker/**', 'shared/**']
- service: web
  container: web
  repository: team/web
  paths: ['web/**', '!web/**/*.md']
`);

test.each<[string, string[] | 'all', string[]]>([
  ['a push touching only docs deploys nothing', ['docs/guide.md', 'README.md'], []],
  ['an api change deploys the api', ['api/src/main.py'], ['api']],
  ['a shared change deploys everyone using it', ['shared/db.py'], ['api', 'worker']],
  ['a root file named by one service', ['Dockerfile.api'], ['api']],
  ['a negated glob keeps web docs from deploying web', ['web/docs/notes.md'], []],
  ['web code deploys web', ['web/src/app.tsx'], ['web']],
  ['no base commit deploys every service', 'all', ['api', 'worker', 'web']],
  ['no change at all deploys nothing', [], []],
])('%s', (_name, changed, expected) => {
  expect(selectServices(services, changed).map((s) => s.service)).toEqual(expected);
});

test('defaults and the full entry travel into the matrix', () => {
  expect(services[0]).toEqual({
    service: 'api',
    container: 'app',
    repository: 'team/api',
    context: '.',
    paths: ['api/**', 'shared/**', 'Dockerfile.api'],
  });
  expect(services[1]?.context).toBe('worker');
  expect(
    parseServices(
      '- {service: api, container: app, repository: prod/api, source-repository: staging/api, health-url: https://x/health, paths: [a]}',
    )[0],
  ).toMatchObject({ 'source-repository': 'staging/api', 'health-url': 'https://x/health' });
});

test.each([
  ['not YAML', 'service: [', /not valid YAML/],
  ['not a list', 'service: api', /at the top/],
  ['no paths', '- {service: api, container: app, repository: r, paths: []}', /at 0\.paths/],
  ['no container', '- {service: api, repository: r, paths: [a]}', /at 0\.container/],
])('%s is a clear error', (_name, text, message) => {
  expect(() => parseServices(text)).toThrow(message);
  expect(() => parseServices(text)).toThrow(expect.objectContaining({ code: 'SLW-PIP-001' }));
});

async function gitRepo() {
  const repo = await mkdtemp(join(tmpdir(), 'slipway-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: repo })
      .toString()
      .trim();
  git('init', '-q', '-b', 'staging');
  const commit = async (files: Record<string, string>, message: string) => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(repo, path, '..'), { recursive: true });
      await writeFile(join(repo, path), text);
    }
    git('add', '.');
    git('commit', '-qm', message);
    return git('rev-parse', 'HEAD');
  };
  return { repo, git, commit };
}

test('changed files come from git between two commits; a zero base means everything', async () => {
  const { repo, commit } = await gitRepo();
  const base = await commit({ 'README.md': 'x' }, 'one');
  const head = await commit({ 'api/main.py': 'print(1)' }, 'two');
  expect(await changedFiles(base, head, repo)).toEqual({ files: ['api/main.py'] });
  expect(await changedFiles('0'.repeat(40), head, repo)).toEqual({
    files: 'all',
    reason: 'there is no base commit',
  });
  expect(await changedFiles(undefined, head, repo)).toMatchObject({ files: 'all' });
});

test('a base the checkout does not hold (a force push) selects everything and says why', async () => {
  const { repo, git, commit } = await gitRepo();
  await commit({ 'README.md': 'x' }, 'one');
  const before = await commit({ 'api/main.py': 'print(1)' }, 'two');
  // The force push: the branch is rewritten and the old tip is gone from the repository.
  git('reset', '-q', '--hard', 'HEAD~1');
  const head = await commit({ 'worker/job.py': 'print(2)' }, 'rewritten');
  git('reflog', 'expire', '--expire=now', '--all');
  git('gc', '-q', '--prune=now');
  const changes = await changedFiles(before, head, repo);
  expect(changes.files).toBe('all');
  expect(changes.reason).toContain(`the base commit ${before.slice(0, 7)} is not in this checkout`);
  expect(selectServices(services, changes.files).map((s) => s.service)).toEqual(['api', 'worker', 'web']);
  await expect(changedFiles('-x', head, repo)).resolves.toMatchObject({ files: 'all' });
});

test('a head git cannot read is a clear error', async () => {
  const { repo, commit } = await gitRepo();
  const base = await commit({ 'README.md': 'x' }, 'one');
  await expect(changedFiles(base, 'f'.repeat(40), repo)).rejects.toMatchObject({ code: 'SLW-PIP-002' });
  await expect(sourceKeys(services, 'f'.repeat(40), repo)).rejects.toMatchObject({ code: 'SLW-PIP-002' });
});

test('migration and prompt paths are touched by their files, and by everything when there is no base', () => {
  expect(touches(['migrations/**'], ['migrations/001.sql'])).toBe(true);
  expect(touches(['migrations/**'], ['api/main.py'])).toBe(false);
  expect(touches(['migrations/**'], 'all')).toBe(true);
  expect(touches([], 'all')).toBe(false);
  expect(touches(['prompts/**', '!prompts/README.md'], ['prompts/README.md'])).toBe(false);
});

describe('source keys', () => {
  test('a merge commit, a squash and a fast-forward of staging reproduce each service’s key', async () => {
    const { repo, git, commit } = await gitRepo();
    await commit({ 'api/main.py': '1', 'worker/job.py': '1', 'shared/db.py': '1' }, 'start');
    git('branch', 'main');
    await commit({ 'api/main.py': '2' }, 'api on staging');
    const staging = await commit({ 'worker/job.py': '2' }, 'worker on staging');
    const validated = await sourceKeys(services, staging, repo);

    git('checkout', '-q', 'main');
    await commit({ 'docs/notes.md': 'main only' }, 'a docs fix on main');
    git('merge', '-q', '--no-ff', '-m', 'merge staging', 'staging');
    const merged = await sourceKeys(services, git('rev-parse', 'HEAD'), repo);
    expect(merged).toEqual(validated);

    git('checkout', '-q', '-b', 'squashed', 'main~1');
    git('merge', '-q', '--squash', 'staging');
    git('commit', '-qm', 'squash staging');
    expect(await sourceKeys(services, git('rev-parse', 'HEAD'), repo)).toEqual(validated);

    git('checkout', '-q', '-b', 'fast-forward', staging);
    expect(await sourceKeys(services, git('rev-parse', 'HEAD'), repo)).toEqual(validated);
  });

  test('a key changes with the files its service is built from, and only with them', async () => {
    const { repo, commit } = await gitRepo();
    const one = await sourceKeys(
      services,
      await commit({ 'api/main.py': '1', 'worker/job.py': '1' }, 'a'),
      repo,
    );
    const two = await sourceKeys(services, await commit({ 'worker/job.py': '2' }, 'b'), repo);
    expect(two.get('api')).toBe(one.get('api'));
    expect(two.get('worker')).not.toBe(one.get('worker'));
    const three = await sourceKeys(services, await commit({ 'shared/db.py': 'x' }, 'c'), repo);
    expect(three.get('api')).not.toBe(two.get('api'));
    expect(three.get('worker')).not.toBe(two.get('worker'));
    expect(three.get('api')).toMatch(/^[0-9a-f]{40}$/);
    // Two services over the same files still differ when they build differently.
    const twins = parseServices(`
- {service: a, container: a, repository: team/r, paths: ['api/**']}
- {service: b, container: b, repository: team/r, paths: ['api/**'], dockerfile: api/Dockerfile.b}
`);
    const keys = await sourceKeys(twins, await commit({ 'api/x': '1' }, 'd'), repo);
    expect(keys.get('a')).not.toBe(keys.get('b'));
  });
});

describe('every field of a service is checked before git runs', () => {
  const entry = (fields: Record<string, unknown>) =>
    JSON.stringify([
      { service: 'api', container: 'api', repository: 'team/api', paths: ['api/**'], ...fields },
    ]);
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a misspelt key', { contex: 'api' }, /Unrecognized key/],
    ['a service name with a space', { service: 'a b' }, /the service "a b" is not a valid name/],
    [
      'a repository in uppercase',
      { repository: 'Team/Api' },
      /the repository "Team\/Api" is not a repository name/,
    ],
    ['a context outside the repository', { context: '../x' }, /the context "..\/x" is outside the workspace/],
    [
      'a health-url that is not http',
      { 'health-url': 'ftp://x' },
      /the health-url "ftp:\/\/x" has the scheme "ftp"/,
    ],
    ['a path that is not a glob', { paths: ['[x'] }, /the path "\[x" is not a valid glob/],
  ])('%s', (_what, fields, message) => {
    expect(() => parseServices(entry(fields))).toThrow(message);
  });
});
