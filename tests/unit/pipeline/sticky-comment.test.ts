import { getOctokit } from '@actions/github';
import nock from 'nock';
import {
  PREVIEW_STATUSES,
  previewCommentBody,
  previewMarker,
  resolvePullRequest,
  upsertStickyComment,
} from '@slipway/pipeline';

const API = 'https://api.github.com';
const COMMENTS = '/repos/owner/repo/issues/7/comments';
const MARKER = previewMarker('api');

/**
 * The real Octokit of @actions/github. Its default transport is undici's own fetch, which nock cannot
 * see; global fetch (which nock intercepts) carries the very same requests.
 */
const octokit = getOctokit('test-token', {
  baseUrl: API,
  request: { fetch: (url: string, init: RequestInit) => globalThis.fetch(url, init) },
});

const unmatched: string[] = [];
beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', (request: { method?: string; path?: string; href?: string }) =>
    unmatched.push(`${request.method} ${request.href ?? request.path}`),
  );
});
afterEach(() => {
  nock.cleanAll();
  expect(unmatched.splice(0)).toEqual([]);
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

/** 100 comments by other people: a full first page. */
const others = Array.from({ length: 100 }, (_, i) => ({
  id: 1000 + i,
  body: i === 3 ? 'Looks good! <!-- slipway:preview:worker -->' : `comment ${i}`,
  html_url: `https://github.com/owner/repo/pull/7#issuecomment-${1000 + i}`,
}));
const page2 = `${API}${COMMENTS}?per_page=100&page=2`;
const firstPage = () =>
  nock(API)
    .get(COMMENTS)
    .query({ per_page: '100' })
    .matchHeader('authorization', 'token test-token')
    .reply(200, others, { link: `<${page2}>; rel="next", <${page2}>; rel="last"` });

const request = (body: string) => ({
  octokit,
  owner: 'owner',
  repo: 'repo',
  issueNumber: 7,
  marker: MARKER,
  body,
});

test('the first run creates the comment once; the next finds it on page 2 and edits it', async () => {
  const deploying = previewCommentBody({ service: 'api', status: 'deploying' });
  const posted: unknown[] = [];
  const create = firstPage()
    .get(COMMENTS)
    .query({ per_page: '100', page: '2' })
    .reply(200, [])
    .post(COMMENTS, (body: { body: string }) => posted.push(body) > 0)
    .reply(201, { id: 4242, body: deploying, html_url: 'https://github.com/owner/repo/pull/7#c4242' });

  await expect(upsertStickyComment(request(deploying))).resolves.toEqual({
    id: 4242,
    created: true,
    url: 'https://github.com/owner/repo/pull/7#c4242',
  });
  expect(create.isDone()).toBe(true);
  expect(posted).toEqual([{ body: deploying }]);

  // The comment now sits on page 2, after the hundred others. No POST is mocked: creating one would fail.
  const ready = previewCommentBody({ service: 'api', status: 'ready', url: 'https://pr-7.example.com' });
  const patched: unknown[] = [];
  const edit = firstPage()
    .get(COMMENTS)
    .query({ per_page: '100', page: '2' })
    .reply(200, [{ id: 4242, body: deploying, html_url: 'https://github.com/owner/repo/pull/7#c4242' }])
    .patch('/repos/owner/repo/issues/comments/4242', (body: { body: string }) => patched.push(body) > 0)
    .reply(200, { id: 4242, body: ready, html_url: 'https://github.com/owner/repo/pull/7#c4242' });

  await expect(upsertStickyComment(request(ready))).resolves.toEqual({
    id: 4242,
    created: false,
    url: 'https://github.com/owner/repo/pull/7#c4242',
  });
  expect(edit.isDone()).toBe(true);
  expect(patched).toEqual([{ body: ready }]);
});

test('the search stops at the first page holding the marker', async () => {
  const mine = { id: 9, body: `${MARKER}\nold`, html_url: 'https://github.com/owner/repo/pull/7#c9' };
  const scope = nock(API)
    .get(COMMENTS)
    .query({ per_page: '100' })
    .reply(200, [mine], { link: `<${page2}>; rel="next"` })
    .patch('/repos/owner/repo/issues/comments/9', { body: `${MARKER}\nnew` })
    .reply(200, { ...mine, body: `${MARKER}\nnew` });
  await expect(upsertStickyComment(request(`${MARKER}\nnew`))).resolves.toMatchObject({
    id: 9,
    created: false,
  });
  expect(scope.isDone()).toBe(true);
});

test('a body without the marker gets it, so the next run finds the comment', async () => {
  const scope = nock(API)
    .get(COMMENTS)
    .query({ per_page: '100' })
    .reply(200, [])
    .post(COMMENTS, { body: `${MARKER}\nhello` })
    .reply(201, { id: 1, html_url: 'u' });
  await upsertStickyComment(request('hello'));
  expect(scope.isDone()).toBe(true);
});

test.each([
  [403, 'Resource not accessible by integration', 'SLW-PIP-005', /pull-requests: write/],
  [404, 'Not Found', 'SLW-PIP-005', /input "pull-request"/],
  [401, 'Bad credentials', 'SLW-PIP-005', /github-token/],
  [502, 'Bad Gateway', 'SLW-PIP-006', /re-run/],
  [403, 'API rate limit exceeded for installation', 'SLW-PIP-006', /rate-limiting/],
])('HTTP %i (%s) is %s', async (status, message, code, remedy) => {
  const scope = nock(API).get(COMMENTS).query(true).reply(status, { message });
  const error = await upsertStickyComment(request('x')).catch((e: unknown) => e);
  expect(error).toMatchObject({ code, remedy: expect.stringMatching(remedy) });
  expect((error as Error).message).toContain(`HTTP ${status}`);
  expect((error as Error).message).toContain('owner/repo#7');
  expect(scope.isDone()).toBe(true);
});

test('the comment body: marker first, then a short table with the status and what is given', () => {
  const body = previewCommentBody({
    service: 'api',
    status: 'ready',
    url: 'https://pr-7.example.com',
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:abc',
    runUrl: 'https://github.com/owner/repo/actions/runs/99',
    details: 'two | lines\nhere',
  });
  expect(body).toBe(
    [
      '<!-- slipway:preview:api -->',
      '| Preview | `api` |',
      '| --- | --- |',
      '| Status | ✅ Ready |',
      '| URL | https://pr-7.example.com |',
      '| Image | `123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:abc` |',
      '| Details | two \\| lines<br>here |',
      '| Run | [workflow run](https://github.com/owner/repo/actions/runs/99) |',
      '',
    ].join('\n'),
  );
  expect(
    PREVIEW_STATUSES.map((status) => previewCommentBody({ service: 'api', status }).split('\n')[3]),
  ).toEqual([
    '| Status | ⏳ Deploying |',
    '| Status | ✅ Ready |',
    '| Status | ❌ Failed |',
    '| Status | 🗑️ Deleted |',
  ]);
});

test('the production plan follows the table, folded, as the Markdown it is; none, nothing', () => {
  const plan = '### Plan\n\n| service | change |\n| --- | --- |\n| api | image → `api@sha256:abc` |';
  const body = previewCommentBody({ service: 'api', status: 'ready', productionPlan: `\n${plan}\n` });
  expect(body).toBe(
    [
      '<!-- slipway:preview:api -->',
      '| Preview | `api` |',
      '| --- | --- |',
      '| Status | ✅ Ready |',
      '',
      '<details><summary>Plan of the production deploy</summary>',
      '',
      plan,
      '',
      '</details>',
      '',
    ].join('\n'),
  );
  for (const productionPlan of [undefined, '', ' \n ']) {
    expect(previewCommentBody({ service: 'api', status: 'ready', productionPlan })).not.toContain(
      '<details>',
    );
  }
});

test('a production plan longer than a comment holds is clipped to fit, saying where the whole one is', () => {
  const plan = `${'| api | a long line of the task-definition diff |\n'.repeat(3000)}THE END`;
  const body = previewCommentBody({ service: 'api', status: 'ready', productionPlan: plan });
  expect(plan.length).toBeGreaterThan(65536);
  expect(body.length).toBeLessThanOrEqual(65536);
  expect(body.length).toBeGreaterThan(65000);
  expect(body.startsWith('<!-- slipway:preview:api -->\n')).toBe(true);
  expect(body).not.toContain('THE END');
  expect(body).toMatch(/the whole plan is in the workflow run’s summary\._\n\n<\/details>\n$/);
});

test('the marker is per service, and a name that could end the HTML comment is refused', () => {
  expect(previewMarker('deals-api_2')).toBe('<!-- slipway:preview:deals-api_2 -->');
  for (const name of ['api -->', '', 'a b', 'x'.repeat(256)]) {
    expect(() => previewMarker(name)).toThrow(
      expect.objectContaining({ code: 'SLW-PIP-004', message: expect.stringContaining('Input "service"') }),
    );
  }
});

test('the pull request: the input when given, else the event’s; anything else names the input', () => {
  expect(resolvePullRequest('12', { name: 'pull_request', number: 7 })).toBe(12);
  expect(resolvePullRequest('#12', { name: 'workflow_dispatch' })).toBe(12);
  expect(resolvePullRequest(undefined, { name: 'pull_request', number: 7 })).toBe(7);
  expect(resolvePullRequest('  ', { name: 'pull_request', number: 7 })).toBe(7);
  for (const [given, event] of [
    ['abc', { name: 'pull_request', number: 7 }],
    ['0', { name: 'pull_request', number: 7 }],
    ['7.5', { name: 'pull_request' }],
    [undefined, { name: 'push' }],
    [undefined, { name: 'pull_request', number: 'x' }],
  ] as const) {
    expect(() => resolvePullRequest(given, event)).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        code: 'SLW-PIP-003',
        message: expect.stringContaining('Input "pull-request"'),
      }),
    );
  }
});
