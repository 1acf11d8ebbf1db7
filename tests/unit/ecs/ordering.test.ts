import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '@slipway/kit';
import { commitOfTag } from '@slipway/ecr';
import { GitAncestry, checkOrdering } from '@slipway/ecs/src/ordering';

// A real repository: c1 → c2 → c3 on main, and d on a branch from c1.
const repo = mkdtempSync(join(tmpdir(), 'slipway-order-'));
const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
function commit(message: string): string {
  writeFileSync(join(repo, 'file'), message);
  git('add', 'file');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}
git('init', '-q', '-b', 'main');
const c1 = commit('one');
const c2 = commit('two');
const c3 = commit('three');
git('checkout', '-q', '-b', 'side', c1);
const d = commit('side');
git('checkout', '-q', 'main');

const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web';
const image = (sha: string) => `${REGISTRY}:sha-${sha.slice(0, 7)}`;
const taskDefinition = (app: string) => ({
  family: 'web',
  containerDefinitions: [
    { name: 'app', image: app },
    { name: 'sidecar', image: 'public.ecr.aws/nginx/nginx:1.27' },
  ],
});
const change = (from: string, to: string) => [
  { service: 'web', live: taskDefinition(from), target: taskDefinition(to) },
];

test.each([
  [c3, c2, 'older'],
  [c1, c3, 'newer'],
  [c2, c2, 'same'],
  [d, c3, 'diverged'],
  [c3, d, 'diverged'],
])('%s → %s is %s', async (from, to, order) => {
  expect(await new GitAncestry(repo).order(from.slice(0, 7), to.slice(0, 9))).toBe(order);
});

test('a commit the checkout lacks, a shallow clone, or no checkout: why it cannot be told', async () => {
  expect(await new GitAncestry(repo).order(c3, 'abcdef1')).toEqual({
    why: expect.stringMatching(/commit abcdef1 is not in the checkout at .*fetch-depth: 0/),
  });
  const shallow = mkdtempSync(join(tmpdir(), 'slipway-shallow-'));
  execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow]);
  expect(await new GitAncestry(shallow).order(c3, c2)).toEqual({
    why: expect.stringContaining('(a shallow clone: check out with fetch-depth: 0)'),
  });
  expect(await new GitAncestry(mkdtempSync(join(tmpdir(), 'slipway-nogit-'))).order(c3, c2)).toEqual({
    why: expect.stringContaining('is not a git checkout'),
  });
  expect(await new GitAncestry(repo).order('--output=/tmp/x', c2)).toEqual({
    why: expect.stringContaining('is not a commit id'),
  });
});

test('the commit of a sha- tag; other tags have none', () => {
  expect(commitOfTag('sha-1a2b3c4')).toBe('1a2b3c4');
  expect(commitOfTag(`sha-${c1}`)).toBe(c1);
  expect(commitOfTag('main')).toBeUndefined();
  expect(commitOfTag('sha-XYZ1234')).toBeUndefined();
  expect(commitOfTag(undefined)).toBeUndefined();
});

test('an older commit is refused with SLW-ECS-028 naming both commits and images', async () => {
  const logger = memoryLogger();
  const refused = checkOrdering(change(image(c3), image(c2)), false, { logger, repository: repo });
  await expect(refused).rejects.toMatchObject({
    code: 'SLW-ECS-028',
    message: expect.stringContaining(
      `Service "web" (container app) runs commit ${c3.slice(0, 7)} (${image(c3)}); ${image(c2)} is commit ${c2.slice(0, 7)}, an older one.`,
    ),
    remedy: expect.stringContaining('"allow-older: true"'),
  });
});

test('allow-older lets it through with a warning; newer, same and diverged pass with an info line', async () => {
  const logger = memoryLogger();
  const allowed = await checkOrdering(change(image(c3), image(c2)), true, { logger, repository: repo });
  expect(allowed.map((v) => v.order)).toEqual(['older']);
  expect(logger.lines).toContainEqual(
    expect.stringMatching(/^warning: web \(container app\): going back from .* as "allow-older" asks/),
  );

  for (const [from, to, order] of [
    [c2, c3, 'newer'],
    [d, c3, 'diverged'],
  ] as const) {
    const verdicts = await checkOrdering(change(image(from), image(to)), false, { logger, repository: repo });
    expect(verdicts).toEqual([expect.objectContaining({ container: 'app', order })]);
  }
  // A rebuilt image of the same commit (another digest) is the same commit: not older.
  const rebuilt = await checkOrdering(change(image(c2), `${image(c2)}@sha256:${'b'.repeat(64)}`), false, {
    logger,
    repository: repo,
  });
  expect(rebuilt.map((v) => v.order)).toEqual(['same']);
});

test('unknown order warns and deploys; an image without a known commit is not compared', async () => {
  const logger = memoryLogger();
  const nogit = mkdtempSync(join(tmpdir(), 'slipway-nogit-'));
  const verdicts = await checkOrdering(change(image(c3), image(c2)), false, { logger, repository: nogit });
  expect(verdicts.map((v) => v.order)).toEqual(['undecided']);
  expect(logger.lines).toContainEqual(
    expect.stringMatching(/^warning: web \(container app\): deploy order not checked: .*not a git checkout/),
  );

  const asked: string[] = [];
  const unlabeled = await checkOrdering(change(image(c3), `${REGISTRY}:v2`), false, {
    logger,
    repository: repo,
    revisionOf: async (i) => (asked.push(i), undefined),
  });
  expect(unlabeled.map((v) => v.order)).toEqual(['unchecked']);
  // The running image is not even looked up when the new one has no commit.
  expect(asked).toEqual([`${REGISTRY}:v2`]);
});

test('a revision label read from the registry counts like a tag', async () => {
  const labels: Record<string, string> = { [`${REGISTRY}:v3`]: c3, [`${REGISTRY}:v2`]: c2 };
  await expect(
    checkOrdering(change(`${REGISTRY}:v3`, `${REGISTRY}:v2`), false, {
      logger: memoryLogger(),
      repository: repo,
      revisionOf: async (i) => labels[i],
    }),
  ).rejects.toMatchObject({ code: 'SLW-ECS-028' });
});
