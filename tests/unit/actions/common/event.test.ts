import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workflowEvent } from '../../../../actions/common/event';

const dir = mkdtempSync(join(tmpdir(), 'slipway-event-'));

test('reads the run from the runner’s variables and the pull request from the payload file', () => {
  const path = join(dir, 'event.json');
  writeFileSync(path, JSON.stringify({ pull_request: { number: 7, head: { sha: 'abc1234' } } }));
  expect(
    workflowEvent({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_SHA: 'f00d',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_SERVER_URL: 'https://ghe.example.com',
      GITHUB_EVENT_PATH: path,
    }),
  ).toEqual({
    eventName: 'pull_request',
    sha: 'f00d',
    ref: 'refs/pull/7/merge',
    serverUrl: 'https://ghe.example.com',
    repository: 'acme/app',
    payload: { pull_request: { number: 7, head: { sha: 'abc1234' } } },
  });
});

test('outside a runner: github.com, no repository, an empty payload even when the file is missing', () => {
  expect(workflowEvent({ GITHUB_EVENT_PATH: join(dir, 'missing.json') })).toEqual({
    eventName: '',
    sha: '',
    ref: '',
    serverUrl: 'https://github.com',
    repository: undefined,
    payload: {},
  });
});
