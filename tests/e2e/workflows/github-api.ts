import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Comment {
  id: number;
  body: string;
}

/**
 * The GitHub REST API as far as the preview workflow goes: a pull request's issue comments (list with
 * Link pagination, create, edit) and the open pull requests. It records who called, with which token.
 */
export class GitHubApi {
  readonly comments = new Map<number, Comment[]>();
  readonly requests: { method: string; path: string; token?: string }[] = [];
  /** Pull request numbers GitHub would list as open. */
  open = new Set<number>();
  url = '';
  private server?: Server;
  private nextId = 1000;

  constructor(private readonly repository: string) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.route(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += chunk;
    const url = new URL(request.url!, this.url);
    const token = request.headers.authorization?.replace(/^(token|Bearer) /, '');
    this.requests.push({ method: request.method!, path: `${url.pathname}${url.search}`, token });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(JSON.stringify(value));
    };
    if (!token) return json(401, { message: 'Requires authentication' });
    const base = `/repos/${this.repository}`;
    const list = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(url.pathname);
    if (list && request.method === 'GET') {
      const all = this.comments.get(Number(list[1])) ?? [];
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (n: number) => `<${this.url}${url.pathname}?per_page=${perPage}&page=${n}>`;
      return json(
        200,
        all.slice((page - 1) * perPage, page * perPage).map((c) => this.render(Number(list[1]), c)),
        page < last ? { link: `${link(page + 1)}; rel="next", ${link(last)}; rel="last"` } : {},
      );
    }
    const body = text ? (JSON.parse(text) as { body?: string }) : {};
    if (list && request.method === 'POST' && body.body) {
      const comment = { id: this.nextId++, body: body.body };
      this.comments.set(Number(list[1]), [...(this.comments.get(Number(list[1])) ?? []), comment]);
      return json(201, this.render(Number(list[1]), comment));
    }
    const edit = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(url.pathname);
    if (edit && request.method === 'PATCH' && body.body) {
      for (const [number, comments] of this.comments) {
        const comment = comments.find((c) => c.id === Number(edit[1]));
        if (comment) {
          comment.body = body.body;
          return json(200, this.render(number, comment));
        }
      }
      return json(404, { message: 'Not Found' });
    }
    if (url.pathname === `${base}/pulls` && request.method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      if (state !== 'open') return json(422, { message: `state ${state} is not served here` });
      return json(
        200,
        [...this.open].sort((a, b) => a - b).map((number) => ({ number, state: 'open' })),
      );
    }
    return json(404, { message: 'Not Found' });
  }

  private render(number: number, comment: Comment) {
    return {
      ...comment,
      html_url: `https://github.com/${this.repository}/pull/${number}#issuecomment-${comment.id}`,
    };
  }
}
