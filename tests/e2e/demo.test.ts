/** `npm run demo` is the README's first command: it must run the whole pipeline and tell the truth. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The demo prints its own duration (about 15 s here); timing is not asserted in the suite.
test('the demo runs every step and catches the broken image', async () => {
  const root = join(__dirname, '..', '..');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/demo.ts'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  for (const line of [
    /^## Image — 🏷️ retagged \(no layer moved\)$/m,
    /^\| 001_create_prompts\.sql \| ✅ applied \|$/m,
    /^## ECS deploy — ✅ succeeded$/m,
    /^## Deploy validation — ✅ all \d+ checks passed$/m,
    /2 added, 1 changed, 1 removed, 0 unchanged — not applied: nothing was changed/,
    /2 added, 1 changed, 1 removed, 0 unchanged — applied; snapshot `[0-9a-f-]{36}`/,
    /^## ECS deploy — ↩️ failed, rolled back by ECS$/m,
    /^The step fails, as it should: SLW-ECS-011: /m,
  ]) {
    expect(stdout).toMatch(line);
  }
  expect(stdout).toMatch(/^Demo finished in [\d.]+ s\.$/m);
}, 120_000);
