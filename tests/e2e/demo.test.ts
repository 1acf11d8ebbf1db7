/** `npm run demo` is the README's first command: it must run the whole pipeline, tell it as a story, and tell the truth. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runnerNode } from '../helpers/action';

// The demo prints its own durations (about 15 s here); timing is not asserted in the suite.
test('the demo runs every step, renders each summary for the terminal and ends on a verdict', async () => {
  const root = join(__dirname, '..', '..');
  const { stdout, stderr } = await promisify(execFile)(
    runnerNode,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/demo.ts'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0', COLUMNS: '120' } },
  );
  // Node 24, as engines says: no AWS SDK deprecation warning, nothing on stderr.
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
  steps.forEach((step, i) => expect(step).toMatch(new RegExp(`^ {3}step ${i + 1} took \\d+\\.\\d s$`, 'm')));

  for (const line of [
    /^ {2}Image — 🏷️ retagged \(no layer moved\)\n {2}═+$/m,
    /^ {2}001_create_prompts\.sql +✅ applied$/m,
    /^ {2}ECS deploy — ✅ succeeded$/m,
    /^ {2}Deploy validation — ✅ all \d+ checks passed$/m,
    /2 added, 1 changed, 1 removed, 0 unchanged — not applied: nothing was changed/,
    /2 added, 1 changed, 1 removed, 0 unchanged — applied; snapshot [0-9a-f-]{36}/,
    /^ {2}ECS deploy — ↩️ failed, rolled back by ECS$/m,
    /^ {2}▸ Log tail of task \w+ \(the same for task \w+, task \w+\)$/m,
    /^ {2}The step fails with SLW-ECS-011, as the summary above explains\.$/m,
  ]) {
    expect(stdout).toMatch(line);
  }
  // The crashed tasks' shared log tail is shown once, and no Markdown or HTML is left.
  expect(stdout.split('fatal: could not connect to the database').length - 1).toBe(1);
  expect(stdout).not.toMatch(/<\/?(details|summary|br)>|^\s*\|.*\|\s*$|^#+ |\*\*/m);

  expect(stdout).toMatch(
    /^Ran 6 steps in [\d.]+ s: 1\. build-push-ecr [\d.]+ s, .*6\. ecs-deploy [\d.]+ s$/m,
  );
  expect(stdout.trimEnd().split('\n').at(-1)).toBe(
    'Verdict: all 6 expectations held — every step behaved as it should.',
  );
}, 120_000);
