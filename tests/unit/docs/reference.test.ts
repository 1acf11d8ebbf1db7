import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..', '..');

/** What the test uses of scripts/reference.mjs (plain ESM, so typed here). */
interface ReferenceGenerator {
  GENERATED: string;
  WORKFLOW_GENERATED: string;
  REFERENCE_DIR: string;
  WORKFLOW_REFERENCE_DIR: string;
  actionNames(root: string): string[];
  reusableWorkflows(root: string): { file: string; name: string }[];
  renderReference(root: string): Promise<Map<string, string>>;
  stalePages(root: string, files: Map<string, string>): string[];
  writeReference(root: string): Promise<string[]>;
}

// Loaded by path, so the test runs the generator that writes the committed pages, not a copy of it.
const generatorPath = join(root, 'scripts', 'reference.mjs');
const loadGenerator = () => import(generatorPath) as Promise<ReferenceGenerator>;

interface ActionSpec {
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describe('docs/reference', () => {
  let generator: ReferenceGenerator;
  let files: Map<string, string>;
  beforeAll(async () => {
    generator = await loadGenerator();
    files = await generator.renderReference(root);
  });

  test('has one page per action, one per reusable workflow, and an index', () => {
    expect([...files.keys()].sort()).toEqual(
      [
        ...[...generator.actionNames(root).map((name) => `${name}.md`), 'README.md'].map((file) =>
          join(generator.REFERENCE_DIR, file),
        ),
        ...generator
          .reusableWorkflows(root)
          .map(({ name }) => join(generator.WORKFLOW_REFERENCE_DIR, `${name}.md`)),
      ].sort(),
    );
    expect(generator.actionNames(root)).toContain('ecs-deploy');
    expect(generator.reusableWorkflows(root).map((w) => w.file)).toEqual(
      expect.arrayContaining(['deploy.yml', 'preview.yml', 'rollback.yml']),
    );
  });

  test('every reusable workflow page lists every input, secret and output of its workflow_call', () => {
    const missing: string[] = [];
    for (const { file, name } of generator.reusableWorkflows(root)) {
      // check-dist.yml declares a bare `workflow_call:` (null).
      const call =
        (
          parse(readFileSync(join(root, '.github', 'workflows', file), 'utf8')) as {
            on: { workflow_call: Partial<Record<'inputs' | 'secrets' | 'outputs', object>> | null };
          }
        ).on.workflow_call ?? {};
      const page = files.get(join(generator.WORKFLOW_REFERENCE_DIR, `${name}.md`)) ?? '';
      for (const key of ['inputs', 'secrets', 'outputs'] as const)
        for (const entry of Object.keys(call[key] ?? {}))
          if (!page.includes(`| \`${entry}\``)) missing.push(`${file}: ${key}.${entry}`);
    }
    expect(missing).toEqual([]);
  });

  test('matches the action.yml and workflow files (else run: node scripts/reference.mjs)', () => {
    const differing = [...files]
      .filter(
        ([path, content]) =>
          !existsSync(join(root, path)) || readFileSync(join(root, path), 'utf8') !== content,
      )
      .map(([path]) => path);
    const stale = generator.stalePages(root, files);
    if (differing.length || stale.length) {
      throw new Error(
        [
          ...differing.map((path) => `${path} is missing or differs from its action.yml or workflow.`),
          ...stale.map((path) => `${path} belongs to no action or reusable workflow any more.`),
          'Run: node scripts/reference.mjs',
        ].join('\n'),
      );
    }
  });

  test('every page lists every input and output of its action.yml', () => {
    const missing: string[] = [];
    for (const name of generator.actionNames(root)) {
      const spec = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionSpec;
      const page = files.get(join(generator.REFERENCE_DIR, `${name}.md`)) ?? '';
      for (const key of [...Object.keys(spec.inputs ?? {}), ...Object.keys(spec.outputs ?? {})])
        if (!page.includes(`| \`${key}\``)) missing.push(`${name}: ${key}`);
    }
    expect(missing).toEqual([]);
  });

  describe('the generator', () => {
    let base: string;
    beforeAll(() => {
      base = mkdtempSync(join(tmpdir(), 'slipway-reference-'));
      mkdirSync(join(base, 'actions', 'demo'), { recursive: true });
      writeFileSync(
        join(base, 'actions', 'demo', 'action.yml'),
        [
          'name: Demo',
          'description: Shows | pipes, <angle> brackets and * stars.',
          'inputs:',
          '  token:',
          '    description: A token.',
          '    required: true',
          '  mode:',
          '    description: One of a|b.',
          "    default: 'a'",
          'runs:',
          '  using: node24',
          '  main: index.js',
          '  post: index.js',
        ].join('\n'),
      );
    });
    afterAll(() => rmSync(base, { recursive: true, force: true }));

    test('writes tables that escape markdown, and removes its own stale pages only', async () => {
      mkdirSync(join(base, 'docs', 'reference'), { recursive: true });
      writeFileSync(join(base, 'docs', 'reference', 'gone.md'), `${generator.GENERATED}\n\n# gone\n`);
      writeFileSync(join(base, 'docs', 'reference', 'notes.md'), '# hand-written\n');
      await generator.writeReference(base);
      const page = readFileSync(join(base, 'docs', 'reference', 'demo.md'), 'utf8');
      expect(page).toContain('Shows \\| pipes, \\<angle> brackets and \\* stars.');
      expect(page).toMatch(/\| `token` +\| yes +\| +\| A token\. +\|/);
      expect(page).toMatch(/\| `mode` +\| no +\| `a` +\| One of a\\\|b\. +\|/);
      expect(page).toContain('with a post step');
      expect(page).toContain('This action has no outputs.');
      expect(existsSync(join(base, 'docs', 'reference', 'gone.md'))).toBe(false);
      expect(existsSync(join(base, 'docs', 'reference', 'notes.md'))).toBe(true);
      expect(await generator.writeReference(base)).toEqual([]);
    });

    test('documents reusable workflows only, with inputs, secrets and jobs, and removes stale pages', async () => {
      const workflows = join(base, '.github', 'workflows');
      mkdirSync(workflows, { recursive: true });
      writeFileSync(
        join(workflows, 'ship.yml'),
        [
          'name: Ship',
          '',
          '# Ships | things.',
          '',
          '# A second paragraph.',
          'on:',
          '  workflow_call:',
          '    inputs:',
          '      target:',
          '        description: Where to.',
          '        type: string',
          '        required: true',
          '      dry-run:',
          '        type: boolean',
          '        default: false',
          "      note: {type: string, default: ''}",
          '    secrets:',
          '      token: {description: A token., required: true}',
          'jobs:',
          '  go:',
          '    name: Go',
          '    needs: [plan]',
          '    environment: {name: prod, url: https://x}',
          '    runs-on: ubuntu-latest',
          '    steps: [{run: echo}]',
        ].join('\n'),
      );
      writeFileSync(join(workflows, 'ci.yml'), 'on: push\njobs: {}\n');
      mkdirSync(join(base, 'docs', 'reference', 'workflows'), { recursive: true });
      writeFileSync(
        join(base, 'docs', 'reference', 'workflows', 'old.md'),
        `${generator.WORKFLOW_GENERATED}\n`,
      );
      const touched = await generator.writeReference(base);
      expect(touched).toEqual(
        expect.arrayContaining([
          join('docs', 'reference', 'workflows', 'ship.md'),
          join('docs', 'reference', 'workflows', 'old.md'),
        ]),
      );
      expect(existsSync(join(base, 'docs', 'reference', 'workflows', 'ci.md'))).toBe(false);
      expect(existsSync(join(base, 'docs', 'reference', 'workflows', 'old.md'))).toBe(false);
      const page = readFileSync(join(base, 'docs', 'reference', 'workflows', 'ship.md'), 'utf8');
      expect(page.startsWith(generator.WORKFLOW_GENERATED)).toBe(true);
      expect(page).toContain('Ships \\| things.\n\nA second paragraph.');
      expect(page).toMatch(/\| `target` +\| string +\| yes +\| +\| Where to\. +\|/);
      expect(page).toMatch(/\| `dry-run` +\| boolean +\| no +\| `false` +\|/);
      expect(page).toMatch(/\| `note` +\| string +\| no +\| `''` +\|/);
      expect(page).toMatch(/\| `token` +\| yes +\| A token\. +\|/);
      expect(page).toMatch(/\| `go` +\| Go +\| `plan` +\| `prod` +\|/);
      expect(page).toContain('This workflow has no outputs.');
      const index = readFileSync(join(base, 'docs', 'reference', 'README.md'), 'utf8');
      expect(index).toMatch(/\| \[ship\.yml\]\(workflows\/ship\.md\) +\| 3 +\| 1 +\| 0 +\|/);
      expect(await generator.writeReference(base)).toEqual([]);
    });
  });
});

describe('docs/environment.md', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
      return /\.(ts|js|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
    });
  // process.env.X and process.env['X'], and X read from an environment handed in (`env.AWS_REGION`,
  // where `env` defaults to process.env): environment variables are upper case, properties are not.
  const patterns = [
    /process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
    /process\.env\[\s*['"`]([^'"`]+)['"`]\s*\]/g,
    /\benv\.([A-Z][A-Z0-9_]*)\b/g,
    /\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g,
  ];

  test('documents every environment variable the actions and packages read', () => {
    const read = new Map<string, Set<string>>();
    for (const file of ['packages', 'actions'].flatMap((dir) => sources(join(root, dir)))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of patterns) {
        for (const [, name] of text.matchAll(pattern)) {
          if (!read.has(name!)) read.set(name!, new Set());
          read.get(name!)!.add(relative(root, file));
        }
      }
    }
    expect(read.has('GITHUB_WORKSPACE')).toBe(true);
    expect(read.has('AWS_REGION')).toBe(true);
    const doc = readFileSync(join(root, 'docs', 'environment.md'), 'utf8');
    const undocumented = [...read]
      .filter(([name]) => !doc.includes(`\`${name}\``))
      .map(([name, files]) => `${name} (read in ${[...files].join(', ')})`);
    expect(undocumented).toEqual([]);
  });
});
