import { computeTags, explicitTags, fitToMutability, GitContext, sanitiseTag } from '@slipway/ecr';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98';

describe('the tag policy', () => {
  test.each<[string, GitContext, string | undefined, string[]]>([
    [
      'push to main',
      { eventName: 'push', sha: SHA, ref: 'refs/heads/main' },
      undefined,
      ['sha-0123456', 'main'],
    ],
    [
      'push to a branch with slashes and capitals',
      { eventName: 'push', sha: SHA, ref: 'refs/heads/Feature/JIRA-12_x' },
      undefined,
      ['sha-0123456', 'feature-jira-12_x'],
    ],
    [
      'push to another branch deploying staging',
      { eventName: 'push', sha: SHA, ref: 'refs/heads/develop' },
      'staging',
      ['sha-0123456', 'develop', 'staging'],
    ],
    [
      'push to main deploying production',
      { eventName: 'push', sha: SHA, ref: 'refs/heads/main' },
      'production',
      ['sha-0123456', 'main', 'production'],
    ],
    [
      'pull request: the head commit, not the merge commit',
      {
        eventName: 'pull_request',
        sha: SHA,
        ref: 'refs/pull/42/merge',
        pullRequest: { number: 42, headSha: HEAD },
      },
      undefined,
      ['sha-fedcba9', 'pr-42'],
    ],
    [
      'release tag',
      { eventName: 'push', sha: SHA, ref: 'refs/tags/v1.2.3' },
      undefined,
      ['sha-0123456', '1.2.3', '1.2', '1'],
    ],
    [
      'release tag without v',
      { eventName: 'push', sha: SHA, ref: 'refs/tags/2.0.10' },
      undefined,
      ['sha-0123456', '2.0.10', '2.0', '2'],
    ],
    [
      'pre-release tag: only the full version',
      { eventName: 'push', sha: SHA, ref: 'refs/tags/v1.3.0-rc.1' },
      undefined,
      ['sha-0123456', '1.3.0-rc.1'],
    ],
    [
      'a non-semver git tag',
      { eventName: 'push', sha: SHA, ref: 'refs/tags/Nightly_2026' },
      undefined,
      ['sha-0123456', 'nightly_2026'],
    ],
    [
      'manual dispatch on a branch',
      { eventName: 'workflow_dispatch', sha: SHA, ref: 'refs/heads/hotfix' },
      'production',
      ['sha-0123456', 'hotfix', 'production'],
    ],
    [
      'environment equal to the branch is not repeated',
      { eventName: 'push', sha: SHA, ref: 'refs/heads/staging' },
      'staging',
      ['sha-0123456', 'staging'],
    ],
  ])('%s', (_name, context, environment, expected) => {
    expect(computeTags(context, environment).map((t) => t.tag)).toEqual(expected);
  });

  test('a branch name longer than 128 characters is cut to a valid tag', () => {
    const tag = computeTags({ eventName: 'push', sha: SHA, ref: `refs/heads/${'x'.repeat(300)}` })[1]!.tag;
    expect(tag).toHaveLength(128);
  });

  test.each([
    ['UPPER', 'upper'],
    ['a/b c', 'a-b-c'],
    ['.hidden', 'hidden'],
    ['-dash', 'dash'],
    ['ünïcode', 'n-code'],
  ])('sanitiseTag(%s) = %s', (raw, tag) => expect(sanitiseTag(raw)).toBe(tag));
});

describe('explicit tags and mutability', () => {
  test.each(['Latest', 'has space', '-leading', 'x'.repeat(129), 'a:b'])(
    '"%s" is refused with SLW-ECR-003',
    (tag) => {
      expect(() => explicitTags([tag])).toThrow(expect.objectContaining({ code: 'SLW-ECR-003' }));
    },
  );

  test('fixed tags are versions and commits; everything else may move', () => {
    expect(
      explicitTags(['1.2.3', 'v2.0.0-beta.1', 'sha-abcdef0', 'latest', 'stable', 'v1']).map((t) => [
        t.tag,
        t.moving,
      ]),
    ).toEqual([
      ['1.2.3', false],
      ['v2.0.0-beta.1', false],
      ['sha-abcdef0', false],
      ['latest', true],
      ['stable', true],
      ['v1', true],
    ]);
  });

  test('an IMMUTABLE repository refuses a requested moving tag such as latest, naming it', () => {
    expect(() => fitToMutability(explicitTags(['latest']), true)).toThrow(
      /"latest" would move between images/,
    );
    expect(() => fitToMutability(explicitTags(['latest']), true)).toThrow(
      expect.objectContaining({ code: 'SLW-ECR-006' }),
    );
  });

  test('an IMMUTABLE repository drops computed moving tags and keeps fixed ones', () => {
    const planned = computeTags({ eventName: 'push', sha: SHA, ref: 'refs/tags/v1.2.3' }, 'production');
    const { kept, dropped } = fitToMutability(planned, true);
    expect(kept.map((t) => t.tag)).toEqual(['sha-0123456', '1.2.3']);
    expect(dropped.map((t) => t.tag)).toEqual(['1.2', '1', 'production']);
    expect(fitToMutability(planned, false).kept).toHaveLength(5);
  });
});
