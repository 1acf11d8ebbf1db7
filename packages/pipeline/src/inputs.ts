import {
  InputSource,
  Secrets,
  ecsName,
  gitRevision,
  glob,
  imageRef,
  input,
  parseInputs,
  pattern,
  url,
} from '@slipway/kit';
import { ServiceSpec, parseServices } from './services';
import { PREVIEW_STATUSES, PreviewStatus } from './sticky-comment';

/** select-services' inputs, as its action.yml declares them. */
export const selectServicesInputs = {
  services: input.string({ required: true, multiline: true }),
  // Revisions are checked before git sees them: "--output=…" must never become an option.
  base: input.value(gitRevision),
  head: input.value(gitRevision),
  'migrations-paths': input.list({ lines: true, item: glob }),
  'prompts-paths': input.list({ lines: true, item: glob }),
};

export interface SelectServicesRequest {
  services: ServiceSpec[];
  /** Default: the event's base (the push's "before", or the pull request's base). */
  base?: string;
  /** Default: the run's sha. */
  head?: string;
  migrationsPaths: string[];
  promptsPaths: string[];
}

export function readSelectServicesRequest(source: InputSource): SelectServicesRequest {
  const i = parseInputs(source, selectServicesInputs);
  return {
    services: parseServices(i.services),
    base: i.base,
    head: i.head,
    migrationsPaths: i['migrations-paths'] ?? [],
    promptsPaths: i['prompts-paths'] ?? [],
  };
}

const httpUrl = url(['http', 'https']);
// Checked as a URL, shown as it was typed.
const previewUrl = { expected: httpUrl.expected, parse: (text: string) => (httpUrl.parse(text), text) };
const token = pattern(
  'a GitHub token (one word, no spaces)',
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,1023}$/,
  'is not a token',
);

/** preview-comment's inputs, as its action.yml declares them. */
export const previewCommentInputs = {
  'github-token': input.value(token, { required: true, secret: true }),
  'pull-request': input.string(),
  service: input.value(ecsName, { required: true }),
  status: input.choice(PREVIEW_STATUSES, { required: true }),
  url: input.value(previewUrl),
  image: input.value(imageRef),
  details: input.string(),
  'production-plan': input.string({ multiline: true }),
};

export interface PreviewCommentRequest {
  token: string;
  /** As given; resolvePullRequest reads it with the event. */
  pullRequest?: string;
  service: string;
  status: PreviewStatus;
  url?: string;
  image?: string;
  details?: string;
  /** Markdown: the production plan, or why it was not made. */
  productionPlan?: string;
}

/** The token is masked before any input is parsed, so no message can ever show it. */
export function readPreviewCommentRequest(source: InputSource, secrets: Secrets): PreviewCommentRequest {
  const i = parseInputs(source, previewCommentInputs, { secrets });
  return {
    token: i['github-token'],
    pullRequest: i['pull-request'],
    service: i.service,
    status: i.status,
    url: i.url,
    image: i.image,
    details: i.details,
    productionPlan: i['production-plan'],
  };
}
