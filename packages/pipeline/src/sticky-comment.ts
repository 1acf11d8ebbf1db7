import { ConfigurationError, SlipwayError } from '@slipway/kit';

/** Error codes of the preview comment (the SLW-PIP series, continued from services.ts). */
export const PREVIEW_COMMENT = {
  INVALID_PULL_REQUEST: 'SLW-PIP-003',
  INVALID_PREVIEW_SERVICE: 'SLW-PIP-004',
  COMMENT_REFUSED: 'SLW-PIP-005',
  COMMENT_FAILED: 'SLW-PIP-006',
} as const;

/** A comment on an issue or pull request: the fields of the REST API's answer used here. */
export interface IssueComment {
  id: number;
  body?: string | null;
  html_url: string;
}

const LIST_COMMENTS = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';

/**
 * The part of an Octokit this module uses. Domain packages never import @actions/*, so the client is
 * described by its shape; `getOctokit(token)` from @actions/github fits it as it is.
 */
export interface CommentsClient {
  paginate: {
    iterator(
      route: typeof LIST_COMMENTS,
      parameters: { owner: string; repo: string; issue_number: number; per_page?: number },
    ): AsyncIterable<{ data: IssueComment[] }>;
  };
  rest: {
    issues: {
      createComment(parameters: {
        owner: string;
        repo: string;
        issue_number: number;
        body: string;
      }): Promise<{ data: IssueComment }>;
      updateComment(parameters: {
        owner: string;
        repo: string;
        comment_id: number;
        body: string;
      }): Promise<{ data: IssueComment }>;
    };
  };
}

export interface StickyCommentRequest {
  octokit: CommentsClient;
  owner: string;
  repo: string;
  /** The pull request (or issue) number. */
  issueNumber: number;
  /** Hidden text that tells this comment from every other one, e.g. previewMarker('api'). */
  marker: string;
  body: string;
}

export interface StickyComment {
  id: number;
  /** false when an existing comment was edited. */
  created: boolean;
  url: string;
}

/**
 * Keeps one comment per marker on a pull request: the first comment holding the marker (searched over
 * every page of comments) is edited; when there is none, the comment is created.
 */
export async function upsertStickyComment(request: StickyCommentRequest): Promise<StickyComment> {
  const { octokit, owner, repo, issueNumber, marker } = request;
  if (!marker.trim()) throw new Error('upsertStickyComment: the marker is empty');
  // The marker is how the next run finds this comment: without it every run would add one more.
  const body = request.body.includes(marker) ? request.body : `${marker}\n${request.body}`;
  const where = `${owner}/${repo}#${issueNumber}`;

  const existing = await callGitHub(`list the comments of ${where}`, where, async () => {
    const pages = octokit.paginate.iterator(LIST_COMMENTS, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    for await (const page of pages) {
      const found = page.data.find((comment) => comment.body?.includes(marker));
      if (found) return found;
    }
    return undefined;
  });

  if (existing) {
    const { data } = await callGitHub(`edit comment ${existing.id} on ${where}`, where, () =>
      octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body }),
    );
    return { id: data.id, created: false, url: data.html_url };
  }
  const { data } = await callGitHub(`comment on ${where}`, where, () =>
    octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body }),
  );
  return { id: data.id, created: true, url: data.html_url };
}

/** Turns what Octokit throws into an error with a code: refusals are the user's to fix, the rest not. */
async function callGitHub<T>(what: string, where: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const message = (error as Error).message?.split('\n')[0] || String(error);
    const refusal = typeof status === 'number' ? REFUSALS[status] : undefined;
    if (refusal && !/rate limit/i.test(message)) {
      throw new ConfigurationError(
        PREVIEW_COMMENT.COMMENT_REFUSED,
        `GitHub refused to ${what} (HTTP ${status}): ${message}`,
        { remedy: refusal(where), cause: error },
      );
    }
    throw new SlipwayError(
      PREVIEW_COMMENT.COMMENT_FAILED,
      `Could not ${what}: ${typeof status === 'number' ? `HTTP ${status}: ` : ''}${message}`,
      {
        remedy: 'GitHub may be unavailable or rate-limiting the token; re-run the job later.',
        cause: error,
      },
    );
  }
}

const REFUSALS: Record<number, (where: string) => string> = {
  401: () => 'The github-token is invalid or expired; pass ${{ github.token }} or a valid token.',
  403: () =>
    'Give the job "permissions: pull-requests: write" (a pull request from a fork gets a read-only token).',
  404: (where) =>
    `Check that ${where} exists (input "pull-request") and that the token can read the repository.`,
};

/** A pull-request number: the input when given, otherwise the event's pull request. */
export function resolvePullRequest(
  input: string | undefined,
  event: { name: string; number?: unknown },
): number {
  if (input !== undefined && input.trim() !== '') {
    const text = input.trim();
    const number = /^#?\d+$/.test(text) ? Number(text.replace('#', '')) : NaN;
    if (!Number.isSafeInteger(number) || number < 1) {
      throw new ConfigurationError(
        PREVIEW_COMMENT.INVALID_PULL_REQUEST,
        `Input "pull-request" is not a pull request number: got "${text.length > 40 ? `${text.slice(0, 37)}...` : text}".`,
        { remedy: 'Give the number of the pull request, e.g. 7.' },
      );
    }
    return number;
  }
  if (typeof event.number === 'number' && Number.isSafeInteger(event.number) && event.number > 0) {
    return event.number;
  }
  throw new ConfigurationError(
    PREVIEW_COMMENT.INVALID_PULL_REQUEST,
    `Input "pull-request" is empty and the ${event.name || 'triggering'} event has no pull request.`,
    {
      remedy:
        'Set "pull-request" (e.g. to ${{ github.event.pull_request.number }}), or run the step on a pull_request event.',
    },
  );
}

export const PREVIEW_STATUSES = ['deploying', 'ready', 'failed', 'deleted'] as const;
export type PreviewStatus = (typeof PREVIEW_STATUSES)[number];

const STATUS_LABELS: Record<PreviewStatus, string> = {
  deploying: '⏳ Deploying',
  ready: '✅ Ready',
  failed: '❌ Failed',
  deleted: '🗑️ Deleted',
};

/** ECS service names: letters, digits, `-` and `_`, so a name can never end the hidden HTML comment. */
const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The hidden text that marks a service's preview comment, one per service and pull request. */
export function previewMarker(service: string): string {
  if (!SERVICE_NAME.test(service)) {
    throw new ConfigurationError(
      PREVIEW_COMMENT.INVALID_PREVIEW_SERVICE,
      `Input "service" is not an ECS service name: got "${service.length > 60 ? `${service.slice(0, 57)}...` : service}".`,
      { remedy: 'Use the template service name: up to 255 letters, digits, hyphens and underscores.' },
    );
  }
  return `<!-- slipway:preview:${service} -->`;
}

export interface PreviewCommentFields {
  service: string;
  status: PreviewStatus;
  url?: string;
  image?: string;
  /** The workflow run, linked from the comment. */
  runUrl?: string;
  details?: string;
  /**
   * Markdown: the plan of the production deploy this pull request would cause (ecs-deploy's "plan"
   * output), or why it was not made. Shown folded under the table.
   */
  productionPlan?: string;
}

/** GitHub refuses a comment over 65536 characters: the plan gets what the table leaves of it. */
const COMMENT_LIMIT = 65536;
const CLIPPED =
  '\n\n_…the plan is longer than a comment holds; the whole plan is in the workflow run’s summary._';

/**
 * The preview comment: the marker, then a short table of what the preview is and where it runs, then
 * the production plan folded.
 */
export function previewCommentBody(fields: PreviewCommentFields): string {
  const rows: [string, string][] = [['Status', STATUS_LABELS[fields.status]]];
  if (fields.url) rows.push(['URL', cell(fields.url)]);
  if (fields.image) rows.push(['Image', `\`${fields.image.replace(/[`\r\n]/g, '')}\``]);
  if (fields.details) rows.push(['Details', cell(fields.details)]);
  if (fields.runUrl) rows.push(['Run', `[workflow run](${fields.runUrl})`]);
  const table = [
    previewMarker(fields.service),
    `| Preview | \`${fields.service}\` |`,
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
  ].join('\n');
  const plan = fields.productionPlan?.trim();
  if (!plan) return table;
  const open = '\n<details><summary>Plan of the production deploy</summary>\n\n';
  const close = '\n\n</details>\n';
  const room = COMMENT_LIMIT - table.length - open.length - close.length;
  const shown = plan.length <= room ? plan : `${plan.slice(0, room - CLIPPED.length)}${CLIPPED}`;
  return `${table}${open}${shown}${close}`;
}

/** Text that stays inside one table cell. */
function cell(text: string): string {
  return text.trim().replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
