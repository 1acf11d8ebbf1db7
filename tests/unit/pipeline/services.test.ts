import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedFiles, parseServices, selectServices } from '@slipway/pipeline';

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

test('changed files come from git between two commits; a zero base means everything', async () => {
  const repo = await mkdtemp(join(tmpdir(), 'slipway-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: repo })
      .toString()
      .trim();
  git('init', '-q');
  await writeFile(join(repo, 'README.md'), 'x');
  git('add', '.');
  git('commit', '-qm', 'one');
  const base = git('rev-parse', 'HEAD');
  await mkdir(join(repo, 'api'));
  await writeFile(join(repo, 'api', 'main.py'), 'print(1)');
  git('add', '.');
  git('commit', '-qm', 'two');
  const head = git('rev-parse', 'HEAD');
  expect(await changedFiles(base, head, repo)).toEqual(['api/main.py']);
  expect(await changedFiles('0'.repeat(40), head, repo)).toBe('all');
  await expect(changedFiles('f'.repeat(40), head, repo)).rejects.toMatchObject({ code: 'SLW-PIP-002' });
});
