import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../helpers/action';

const TOKEN = 'ghs_e2ePreviewToken0123456789';
const READ_ONLY = 'ghs_readOnlyToken0123456789';

interface Comment {
  id: number;
  body: string;
  html_url: string;
}
interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  body?: { body?: string };
}

/** The GitHub REST API as far as issue comments go: list (paginated by Link headers), create, edit. */
let comments: Map<number, Comment[]>;
let requests: Recorded[];
let nextId: number;
let server: Server;
let api: string;
let dir: string;

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let text = '';
  for await (const chunk of request) text += chunk;
  const url = new URL(request.url!, api);
  const body = text ? (JSON.parse(text) as { body?: string }) : undefined;
  requests.push({
    method: request.method!,
    path: `${url.pathname}${url.search}`,
    authorization: request.headers.authorization,
    body,
  });
  const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(value));
  };
  if (request.headers.authorization !== `token ${TOKEN}` && request.method !== 'GET') {
    return json(403, { message: 'Resource not accessible by integration', status: '403' });
  }
  const list = /^\/repos\/owner\/repo\/issues\/(\d+)\/comments$/.exec(url.pathname);
  if (list && request.method === 'GET') {
    const all = comments.get(Number(list[1])) ?? [];
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (n: number) => `<${api}${url.pathname}?per_page=${perPage}&page=${n}>`;
    const headers: Record<string, string> =
      page < last ? { link: `${link(page + 1)}; rel="next", ${link(last)}; rel="last"` } : {};
    return json(200, all.slice((page - 1) * perPage, page * perPage), headers);
  }
  if (list && request.method === 'POST' && body?.body) {
    const comment = {
      id: nextId++,
      body: body.body,
      html_url: `https://github.com/owner/repo/pull/${list[1]}#issuecomment-${nextId - 1}`,
    };
    comments.set(Number(list[1]), [...(comments.get(Number(list[1])) ?? []), comment]);
    return json(201, comment);
  }
  const edit = /^\/repos\/owner\/repo\/issues\/comments\/(\d+)$/.exec(url.pathname);
  if (edit && request.method === 'PATCH' && body?.body) {
    const comment = [...comments.values()].flat().find((c) => c.id === Number(edit[1]));
    if (!comment) return json(404, { message: 'Not Found' });
    comment.body = body.body;
    return json(200, comment);
  }
  return json(404, { message: 'Not Found' });
}

beforeAll(async () => {
  server = createServer((request, response) => void route(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'slipway-preview-comment-'));
  await writeFile(join(dir, 'pull_request.json'), JSON.stringify({ pull_request: { number: 7 } }));
  await writeFile(join(dir, 'push.json'), JSON.stringify({ ref: 'refs/heads/main' }));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  // A busy pull request: a hundred comments by people first, so the preview comment lands on page 2.
  comments = new Map([
    [
      7,
      Array.from({ length: 100 }, (_, i) => ({
        id: 1 + i,
        body: `review comment ${i}`,
        html_url: `https://github.com/owner/repo/pull/7#issuecomment-${1 + i}`,
      })),
    ],
  ]);
  requests = [];
  nextId = 5000;
});

const previewComment = (inputs: Record<string, string>, event = 'pull_request') =>
  runAction(
    'preview-comment',
    { 'github-token': TOKEN, service: 'deals-api', ...inputs },
    {
      // No AWS here; the helper wants an endpoint all the same.
      endpoint: 'http://127.0.0.1:9',
      env: {
        GITHUB_API_URL: api,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'owner/repo',
        GITHUB_EVENT_NAME: event,
        GITHUB_EVENT_PATH: join(dir, `${event}.json`),
        GITHUB_RUN_ID: '4711',
      },
    },
  );

/** Every line that shows the token, other than the one that masks it. */
const leaks = (run: { stdout: string; stderr: string }, token = TOKEN) =>
  `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => line.includes(token) && line !== `::add-mask::${token}`);

test('the first run creates the comment, the next edits the same one', async () => {
  const first = await previewComment({ status: 'deploying' });
  expect(first.errors).toEqual([]);
  expect(first.exitCode).toBe(0);
  expect(first.outputs).toEqual({ 'comment-id': '5000', created: 'true' });
  expect(first.stdout).toContain(`::add-mask::${TOKEN}`);
  expect(leaks(first)).toEqual([]);
  // One full page of other people's comments, and no next page: nothing to edit.
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
    'GET /repos/owner/repo/issues/7/comments?per_page=100',
    'POST /repos/owner/repo/issues/7/comments',
  ]);
  expect(requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  expect(requests[1]!.body!.body).toBe(
    [
      '<!-- slipway:preview:deals-api -->',
      '| Preview | `deals-api` |',
      '| --- | --- |',
      '| Status | ⏳ Deploying |',
      '| Run | [workflow run](https://github.com/owner/repo/actions/runs/4711) |',
      '',
    ].join('\n'),
  );

  requests = [];
  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/deals/api@sha256:' + 'a'.repeat(64);
  const second = await previewComment({ status: 'ready', url: 'https://pr-7.preview.example.com', image });
  expect(second.errors).toEqual([]);
  expect(second.exitCode).toBe(0);
  expect(second.outputs).toEqual({ 'comment-id': '5000', created: 'false' });
  expect(leaks(second)).toEqual([]);
  // The comment is now the 101st: found on page 2, edited, and no second one created.
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
    'GET /repos/owner/repo/issues/7/comments?per_page=100',
    'GET /repos/owner/repo/issues/7/comments?per_page=100&page=2',
    'PATCH /repos/owner/repo/issues/comments/5000',
  ]);
  const mine = comments.get(7)!.filter((c) => c.body.includes('<!-- slipway:preview:deals-api -->'));
  expect(mine).toHaveLength(1);
  expect(mine[0]!.body).toContain('| Status | ✅ Ready |');
  expect(mine[0]!.body).toContain('| URL | https://pr-7.preview.example.com |');
  expect(mine[0]!.body).toContain(`| Image | \`${image}\` |`);
});

test('each service keeps its own comment', async () => {
  await previewComment({ status: 'ready' });
  const worker = await previewComment({ service: 'deals-worker', status: 'failed', details: 'health check' });
  expect(worker.outputs).toEqual({ 'comment-id': '5001', created: 'true' });
  expect(
    comments
      .get(7)!
      .slice(100)
      .map((c) => c.body.split('\n')[0]),
  ).toEqual(['<!-- slipway:preview:deals-api -->', '<!-- slipway:preview:deals-worker -->']);
});

test('a bad status fails before any request, naming the input and the valid values', async () => {
  const run = await previewComment({ status: 'done' });
  expect(run.exitCode).toBe(1);
  expect(run.errors).toHaveLength(1);
  expect(run.errors[0]).toContain('SLW-KIT-001');
  expect(run.errors[0]).toContain('Input "status"');
  expect(run.errors[0]).toContain('Valid values are: deploying, ready, failed, deleted');
  expect(requests).toEqual([]);
  expect(leaks(run)).toEqual([]);
});

test('without a pull request (a push event, no input) it fails naming "pull-request"', async () => {
  const run = await previewComment({ status: 'ready' }, 'push');
  expect(run.exitCode).toBe(1);
  expect(run.errors[0]).toContain('SLW-PIP-003');
  expect(run.errors[0]).toContain('Input "pull-request"');
  expect(requests).toEqual([]);

  const given = await previewComment({ status: 'deleted', 'pull-request': '7' }, 'push');
  expect(given.exitCode).toBe(0);
  expect(given.outputs.created).toBe('true');
});

test('a token that may not comment is a permissions error, and stays masked', async () => {
  const run = await previewComment({ status: 'ready', 'github-token': READ_ONLY });
  expect(run.exitCode).toBe(1);
  expect(run.errors[0]).toContain('SLW-PIP-005');
  expect(run.errors[0]).toContain('HTTP 403');
  expect(run.errors[0]).toContain('pull-requests: write');
  expect(run.stdout).toContain(`::add-mask::${READ_ONLY}`);
  expect(leaks(run, READ_ONLY)).toEqual([]);
});
