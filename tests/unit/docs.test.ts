import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

test('every error code in the code is documented in docs/troubleshooting.md, and no other', () => {
  const code = new Set(
    ['packages', 'actions']
      .flatMap((dir) => sources(join(root, dir)))
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
