/**
 * `npm run demo` is the README's first command: it must run the real deploy and rollback workflows through
 * the local runner, tell them as a story, and tell the truth.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runnerNode } from '../../helpers/action';

// The demo prints its own durations (about 35 s here); timing is not asserted in the suite.
test('the demo runs the deploy and rollback workflows, renders each summary for the terminal and ends on a verdict', async () => {
  const root = join(__dirname, '..', '..', '..');
  const { stdout, stderr } = await promisify(execFile)(
    runnerNode,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/demo.ts'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0', COLUMNS: '120' } },
  );
  // Node 24, as engines says: no AWS SDK deprecation warning, nothing on stderr.
  expect(stderr).toBe('');

  const steps = stdout.split(/^━━ /m).slice(1);
  expect(steps.map((step) => step.slice(0, step.indexOf(':')))).toEqual([
    '1. push to staging',
    '2. merge into main',
    '3. push to staging',
    '4. rollback dispatch',
  ]);
  steps.forEach((step, i) => expect(step).toMatch(new RegExp(`^ {3}step ${i + 1} took \\d+\\.\\d s$`, 'm')));

  // What ran: the workflows' jobs, each with its result, as the runner reported them.
  const [push, merge, crash, rollback] = steps as [string, string, string, string];
  for (const job of ['image (deals-api)', 'image (deals-worker)', 'migrate', 'deploy (deals-api)', 'prompts'])
    expect(push).toMatch(
      new RegExp(`^ {2}deploy/${job.replace(/[()]/g, '\\$&')}: success in [\\d.]+ s$`, 'm'),
    );
  expect(merge).toMatch(/^ {2}deploy\/approval: success in [\d.]+ s$/m);
  expect(merge).toMatch(/^ {2}deploy\/image: skipped$/m);
  expect(crash).toMatch(/^ {2}deploy\/deploy \(deals-api\): failure in [\d.]+ s$/m);
  expect(crash).toMatch(/^ {2}deploy\/prompts: skipped$/m);
  expect(rollback).toMatch(/^ {2}rollback\/rollback \(deals-api\): success in [\d.]+ s$/m);

  // The job summaries, rendered for the terminal.
  expect(push).toMatch(/^ {2}003_deal_price\.sql +✅ applied$/m);
  expect(push).toMatch(/^ {2}Image — 🔨 built and pushed$/m);
  expect(push).toMatch(/^ {2}Deploy validation — ✅ all \d+ checks passed$/m);
  expect(merge).toMatch(/^ {2}Image — 🏷️ retagged \(no layer moved\)$/m);
  expect(merge).toMatch(/^ {2}Prompt sync: prompts \(overwrite\)$/m);
  expect(crash).toMatch(/^ {2}ECS deploy — ↩️ failed, rolled back by ECS$/m);
  expect(crash).toMatch(/^ {2}Cause: The app exited with code 1 \(container api\)\.$/m);
  expect(rollback).toMatch(/^ {2}Recent revisions of deals-api-production \(running: 2\)$/m);
  // Each summary once, and no Markdown or HTML is left.
  expect(crash.split('Cause: The app exited with code 1').length - 1).toBe(1);
  expect(stdout).not.toMatch(/<\/?(details|summary|br)>|^\s*\|.*\|\s*$|^#+ |\*\*/m);

  expect(rollback).toMatch(/✔ rolled back and validated: deals-api-production:2 → deals-api-production:1/);
  expect(stdout).toMatch(
    /^Ran 4 steps in [\d.]+ s: 1\. push to staging [\d.]+ s, 2\. merge into main [\d.]+ s, 3\. push to staging [\d.]+ s, 4\. rollback dispatch [\d.]+ s$/m,
  );
  expect(stdout.trimEnd().split('\n').at(-1)).toBe(
    'Verdict: all 7 expectations held — every step behaved as it should.',
  );
}, 120_000);

// What a fresh clone gets before .ci/run has installed the workflows' tools (or asked for with --actions).
test('the demo without the workflows’ tools runs the same pipeline action by action on embedded parts', async () => {
  const root = join(__dirname, '..', '..', '..');
  const { stdout, stderr } = await promisify(execFile)(
    runnerNode,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/demo.ts', '--actions'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0', COLUMNS: '120' } },
  );
  expect(stderr).toBe('');
  const steps = stdout.split(/^━━ /m).slice(1);
  expect(steps.map((step) => step.slice(0, step.indexOf(':')))).toEqual([
    '1. build-push-ecr',
    '2. run-migrations-via-bastion',
    '3. ecs-deploy',
    '4. validate-deploy',
    '5. sync-prompts',
    '6. ecs-deploy',
  ]);
  for (const line of [
    /^ {2}Image — 🏷️ retagged \(no layer moved\)\n {2}═+$/m,
    /^ {2}001_create_prompts\.sql +✅ applied$/m,
    /^ {2}ECS deploy — ✅ succeeded$/m,
    /^ {2}Deploy validation — ✅ all \d+ checks passed$/m,
    /2 added, 1 changed, 1 removed, 0 unchanged — applied; snapshot [0-9a-f-]{36}/,
    /^ {2}ECS deploy — ↩️ failed, rolled back by ECS$/m,
  ]) {
    expect(stdout).toMatch(line);
  }
  expect(stdout).not.toMatch(/<\/?(details|summary|br)>|^\s*\|.*\|\s*$|^#+ |\*\*/m);
  expect(stdout.trimEnd().split('\n').at(-1)).toBe(
    'Verdict: all 6 expectations held — every step behaved as it should.',
  );
}, 120_000);
