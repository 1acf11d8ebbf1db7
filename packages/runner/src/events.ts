import type { Value } from './expressions';

/** What triggered a run: the event's name, the ref and commit GitHub sets, and its webhook payload. */
export interface WorkflowEvent {
  name: 'push' | 'pull_request' | 'workflow_dispatch' | 'schedule';
  ref: string;
  sha: string;
  payload: { [key: string]: Value };
  /** The repository that runs the workflow, owner/name. */
  repository: string;
  actor?: string;
}

const repository = (fullName: string, defaultBranch = 'main') => ({
  full_name: fullName,
  name: fullName.split('/')[1] ?? fullName,
  owner: { login: fullName.split('/')[0] ?? fullName },
  default_branch: defaultBranch,
  fork: false,
});

const ZERO = '0000000000000000000000000000000000000000';

/** A push: `before` is the ref's previous commit (all zeros for a new branch), `after` the new one. */
export function pushEvent(options: {
  repository: string;
  ref: string;
  before: string;
  after: string;
  forced?: boolean;
}): WorkflowEvent {
  return {
    name: 'push',
    ref: options.ref,
    sha: options.after,
    repository: options.repository,
    payload: {
      ref: options.ref,
      before: options.before,
      after: options.after,
      created: options.before === ZERO,
      deleted: options.after === ZERO,
      forced: options.forced ?? false,
      head_commit: { id: options.after },
      repository: repository(options.repository),
      pusher: { name: 'octocat' },
      sender: { login: 'octocat' },
    },
  };
}

export function workflowDispatchEvent(options: {
  repository: string;
  ref: string;
  sha: string;
  inputs?: Record<string, string>;
}): WorkflowEvent {
  return {
    name: 'workflow_dispatch',
    ref: options.ref,
    sha: options.sha,
    repository: options.repository,
    payload: {
      ref: options.ref,
      inputs: options.inputs ?? {},
      repository: repository(options.repository),
      sender: { login: 'octocat' },
    },
  };
}

/**
 * A pull_request event. GitHub runs it on refs/pull/<n>/merge; `sha` is that merge commit (the head
 * commit when not given). A fork's pull request has a head repository other than the base one.
 */
export function pullRequestEvent(options: {
  repository: string;
  action: 'opened' | 'synchronize' | 'reopened' | 'closed';
  number: number;
  head: { sha: string; ref: string; repository?: string };
  base: { sha: string; ref: string };
  sha?: string;
  merged?: boolean;
}): WorkflowEvent {
  const head = options.head.repository ?? options.repository;
  return {
    name: 'pull_request',
    ref: `refs/pull/${options.number}/merge`,
    sha: options.sha ?? options.head.sha,
    repository: options.repository,
    payload: {
      action: options.action,
      number: options.number,
      pull_request: {
        number: options.number,
        state: options.action === 'closed' ? 'closed' : 'open',
        merged: options.merged ?? false,
        head: {
          sha: options.head.sha,
          ref: options.head.ref,
          repo: { ...repository(head), fork: head !== options.repository },
        },
        base: { sha: options.base.sha, ref: options.base.ref, repo: repository(options.repository) },
      },
      repository: repository(options.repository),
      sender: { login: 'octocat' },
    },
  };
}

/** A scheduled run: on the default branch's latest commit. */
export function scheduleEvent(options: {
  repository: string;
  cron: string;
  sha: string;
  ref?: string;
}): WorkflowEvent {
  return {
    name: 'schedule',
    ref: options.ref ?? 'refs/heads/main',
    sha: options.sha,
    repository: options.repository,
    payload: { schedule: options.cron, repository: repository(options.repository) },
  };
}
