import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEcsRequest } from '@slipway/ecs';

const base = { cluster: 'prod', services: 'web', images: 'web=nginx:1.25', region: 'us-east-1' };
const IMAGES = { images: [{ key: 'web', value: 'nginx:1.25' }], env: [], secrets: [] };
let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'slipway-inputs-'));
  writeFileSync(join(workspace, 'td.json'), '{}');
});
afterAll(() => rmSync(workspace, { recursive: true }));

const read = (inputs: Record<string, string>) => readEcsRequest((name) => inputs[name], workspace);
const refusal = (inputs: Record<string, string>) => {
  try {
    read(inputs);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error(`accepted: ${JSON.stringify(inputs)}`);
};

describe('without "preview": an ordinary deploy', () => {
  test('images over the live definition, with the defaults action.yml declares', () => {
    const step = read({ ...base, services: 'web, worker' });
    expect(step).toMatchObject({ mode: 'deploy', region: 'us-east-1' });
    if (step.mode !== 'deploy') throw new Error(step.mode);
    expect(step.deploy).toMatchObject({
      cluster: 'prod',
      services: ['web', 'worker'],
      source: { kind: 'live', overrides: IMAGES },
      forceNewDeployment: false,
      wait: true,
      timeoutSeconds: 900,
      rollbackOnFailure: true,
      waitForRollback: true,
      allowOlder: false,
      plan: false,
    });
    expect(step.deploy.oneOffTask).toBeUndefined();
  });

  test('a revision to deploy as it is; a file inside the workspace', () => {
    const revision = read({ cluster: 'prod', services: 'web', 'task-definition-arn': 'web:41' });
    expect(revision.mode === 'deploy' && revision.deploy.source).toEqual({ kind: 'revision', ref: 'web:41' });
    const file = read({ ...base, 'task-definition': 'td.json' });
    expect(file.mode === 'deploy' && file.deploy.source).toEqual({
      kind: 'file',
      path: join(workspace, 'td.json'),
      overrides: IMAGES,
    });
  });

  test('a one-off task: a JSON array as given, a command line through sh -c', () => {
    const step = read({ ...base, 'run-task-command': '["npm", "run", "migrate"]', 'run-task-when': 'after' });
    expect(step.mode === 'deploy' && step.deploy.oneOffTask).toEqual({
      command: ['npm', 'run', 'migrate'],
      container: undefined,
      when: 'after',
      timeoutSeconds: 600,
    });
    const line = read({ ...base, 'run-task-command': 'npm run migrate' });
    expect(line.mode === 'deploy' && line.deploy.oneOffTask?.command).toEqual([
      'sh',
      '-c',
      'npm run migrate',
    ]);
  });

  test.each<[string, Record<string, string>, string, RegExp]>([
    [
      'a preview-only input',
      { ...base, 'pull-request': '7' },
      'SLW-KIT-004',
      /"pull-request" does nothing without "preview"/,
    ],
    [
      'a one-off setting without its command',
      { ...base, 'run-task-timeout': '60' },
      'SLW-KIT-004',
      /"run-task-timeout"/,
    ],
    [
      'a file and a revision',
      { ...base, images: '', 'task-definition': 'td.json', 'task-definition-arn': 'web:41' },
      'SLW-ECS-007',
      /both given/,
    ],
    ['a revision with images', { ...base, 'task-definition-arn': 'web:41' }, 'SLW-ECS-007', /as it is/],
    ['nothing to deploy', { cluster: 'prod', services: 'web' }, 'SLW-ECS-007', /Nothing to deploy/],
    [
      'a command that looks like JSON but is not',
      { ...base, 'run-task-command': '[npm' },
      'SLW-KIT-001',
      /not a JSON array/,
    ],
    [
      'a service ARN in another region',
      { ...base, services: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web' },
      'SLW-KIT-004',
      /eu-west-1/,
    ],
  ])('refuses %s', (_title, inputs, code, message) => {
    const error = refusal(inputs);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});

describe('with "preview": one request per action, each with only what it reads', () => {
  const preview = { ...base, 'pull-request': '7' };

  test('deploy: the pull request, the new service count and the deploy of its images', () => {
    const step = read({ ...preview, preview: 'deploy', 'preview-desired-count': '2' });
    expect(step).toMatchObject({ mode: 'preview', region: 'us-east-1' });
    if (step.mode !== 'preview' || step.preview.action !== 'deploy') throw new Error('not a preview deploy');
    expect(step.preview).toMatchObject({ cluster: 'prod', template: 'web', pullRequest: 7, desiredCount: 2 });
    expect(step.preview.route).toBeUndefined();
    expect(step.preview.deploy.source).toEqual({ kind: 'live', overrides: IMAGES });
  });

  test('delete: the pull request and the route to clean up, no deploy', () => {
    const listenerArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2';
    const step = read({
      ...preview,
      preview: 'delete',
      'preview-domain': 'pr.example.com',
      'listener-arn': listenerArn,
    });
    expect(step.mode === 'preview' && step.preview).toEqual({
      action: 'delete',
      cluster: 'prod',
      template: 'web',
      route: { domain: 'pr.example.com', listenerArn },
      pullRequest: 7,
    });
  });

  test('sweep: the open pull requests and the time to live, no pull request', () => {
    const step = read({ ...base, preview: 'sweep', 'open-pull-requests': '3, 5', 'preview-ttl-hours': '24' });
    expect(step.mode === 'preview' && step.preview).toEqual({
      action: 'sweep',
      cluster: 'prod',
      template: 'web',
      route: undefined,
      openPullRequests: [3, 5],
      ttlHours: 24,
    });
  });

  test('a preview deploy refuses what an ordinary deploy refuses', () => {
    expect(refusal({ ...preview, preview: 'deploy', images: '' }).code).toBe('SLW-ECS-007');
  });

  test.each<[string, Record<string, string>, string, RegExp]>([
    [
      'sweep settings on a deploy',
      { ...preview, preview: 'deploy', 'preview-ttl-hours': '1' },
      'SLW-KIT-004',
      /"preview-ttl-hours" does nothing with "preview: deploy"/,
    ],
    [
      'a service count on a delete',
      { ...preview, preview: 'delete', 'preview-desired-count': '3' },
      'SLW-KIT-004',
      /"preview-desired-count"/,
    ],
    [
      'a pull request on a sweep',
      { ...preview, preview: 'sweep' },
      'SLW-KIT-004',
      /"pull-request" does nothing with "preview: sweep"/,
    ],
    ['two template services', { ...preview, preview: 'deploy', services: 'web,api' }, 'SLW-ECS-015', /got 2/],
    [
      'no pull request',
      { ...base, preview: 'delete' },
      'SLW-ECS-015',
      /"pull-request" is required for preview delete/,
    ],
    [
      'a domain without a listener',
      { ...preview, preview: 'deploy', 'preview-domain': 'pr.example.com' },
      'SLW-ECS-015',
      /go together/,
    ],
    [
      'an open pull request that is no number',
      { ...base, preview: 'sweep', 'open-pull-requests': '3, x' },
      'SLW-ECS-015',
      /"x"/,
    ],
  ])('refuses %s', (_title, inputs, code, message) => {
    const error = refusal(inputs);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});
