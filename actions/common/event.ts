import { readFileSync } from 'node:fs';

/**
 * The run's event, read from the variables and the payload file the runner documents. Actions that never
 * call the GitHub API use this rather than @actions/github, whose only entry point loads octokit: about
 * a quarter of such an action's start-up.
 */
export interface WorkflowEvent {
  eventName: string;
  sha: string;
  ref: string;
  serverUrl: string;
  repository?: string;
  payload: EventPayload;
}

export interface EventPayload {
  before?: string;
  pull_request?: { number: number; head: { sha: string }; base?: { sha: string } };
}

export function workflowEvent(env: NodeJS.ProcessEnv = process.env): WorkflowEvent {
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    repository: env.GITHUB_REPOSITORY || undefined,
    payload: env.GITHUB_EVENT_PATH ? readPayload(env.GITHUB_EVENT_PATH) : {},
  };
}

function readPayload(path: string): EventPayload {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EventPayload;
  } catch {
    // As @actions/github does: a missing payload file leaves the payload empty.
    return {};
  }
}
