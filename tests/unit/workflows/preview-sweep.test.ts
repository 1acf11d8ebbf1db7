import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

/**
 * preview.yml's sweep lists the open pull requests with its own script; every preview missing from the
 * list is deleted. The script runs here as the runner runs it (bash -eo pipefail), against a local
 * stand-in of GitHub's REST API.
 */
const root = join(__dirname, '..', '..', '..');
const script = (
  parse(readFileSync(join(root, '.github', 'workflows', 'preview.yml'), 'utf8')) as {
    jobs: { sweep: { steps: { id?: string; run?: string }[] } };
  }
).jobs.sweep.steps.find((step) => step.id === 'open')!.run!;

let server: Server;
let api: string;
let open: number[];
let failWith: number | undefined;
const requests: { url: string; authorization?: string }[] = [];
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push({ url: request.url!, authorization: request.headers.authorization });
    const url = new URL(request.url!, api);
    if (failWith) {
      response.writeHead(failWith).end('{"message": "Server Error"}');
      return;
    }
    const page = Number(url.searchParams.get('page'));
    const size = Number(url.searchParams.get('per_page'));
    const numbers = open.slice((page - 1) * size, page * size);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(numbers.map((number) => ({ number, state: 'open' }))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-sweep-'));
  requests.length = 0;
  failWith = undefined;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function list() {
  const output = join(dir, 'output');
  writeFileSync(output, '');
  writeFileSync(join(dir, 'step.sh'), script);
  const status = await promisify(execFile)(
    'bash',
    ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'step.sh')],
    {
      env: {
        PATH: process.env.PATH,
        GH_TOKEN: 'ghs_sweepToken',
        GITHUB_API_URL: api,
        GITHUB_REPOSITORY: 'acme/deals',
        GITHUB_OUTPUT: output,
      },
    },
  ).then(
    () => 0,
    (error: { code: number }) => error.code,
  );
  return { status, output: readFileSync(output, 'utf8') };
}

test('lists every open pull request, across pages, with the job token', async () => {
  open = Array.from({ length: 103 }, (_, i) => i + 1);
  const { status, output } = await list();
  expect(status).toBe(0);
  expect(output).toBe(`numbers=${open.join(',')}\n`);
  expect(requests.map((r) => r.url)).toEqual([
    '/repos/acme/deals/pulls?state=open&per_page=100&page=1',
    '/repos/acme/deals/pulls?state=open&per_page=100&page=2',
    '/repos/acme/deals/pulls?state=open&per_page=100&page=3',
  ]);
  expect(new Set(requests.map((r) => r.authorization))).toEqual(new Set(['Bearer ghs_sweepToken']));
});

test('no open pull request is an empty list', async () => {
  open = [];
  expect(await list()).toEqual({ status: 0, output: 'numbers=\n' });
});

test('a refused request fails the step, and no list is passed on (it would delete every preview)', async () => {
  open = [1, 2];
  failWith = 401;
  const { status, output } = await list();
  expect(status).not.toBe(0);
  expect(output).toBe('');
});
