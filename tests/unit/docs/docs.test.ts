import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

test('every error code in the code is documented in docs/troubleshooting.md, and no other', () => {
  // The reusable workflows raise codes of their own (SLW-WF-…) from their run steps.
  const workflows = join(root, '.github', 'workflows');
  const code = new Set(
    ['packages', 'actions']
      .flatMap((dir) => sources(join(root, dir)))
      .concat(readdirSync(workflows).map((name) => join(workflows, name)))
      .flatMap((file) => readFileSync(file, 'utf8').match(/SLW-[A-Z]+-\d{3}/g) ?? []),
  );
  const docs = new Set(
    [
      ...readFileSync(join(root, 'docs', 'troubleshooting.md'), 'utf8').matchAll(
        /^### (SLW-[A-Z]+-\d{3}) — /gm,
      ),
    ].map((m) => m[1]),
  );
  expect(code.size).toBeGreaterThan(0);
  expect([...code].sort()).toEqual([...docs].sort());
});
