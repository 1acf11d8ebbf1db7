import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB, readPromptFiles, readSyncRequest, syncOutputs, syncSummary } from '@slipway/db';
import { ConfigurationError, Secrets } from '@slipway/kit';

const TARGET = 'postgres://app:s%40cret@db.internal:5432/app_prod';

describe('readSyncRequest', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'slipway-sync-inputs-'));
    await mkdir(join(workspace, 'prompts'));
  });
  afterAll(() => rm(workspace, { recursive: true, force: true }));
  const read = (inputs: Record<string, string>, secrets = new Secrets()) =>
    readSyncRequest((name) => inputs[name], workspace, secrets);

  test('defaults: upsert of table prompts keyed by name, from prompt files relative to the workspace', () => {
    const { target, source, options } = read({ 'target-url': TARGET, 'source-dir': 'prompts' });
    expect(target.given.database).toBe('app_prod');
    expect(source).toEqual({ kind: 'files', dir: join(workspace, 'prompts') });
    expect(options).toMatchObject({
      table: 'prompts',
      keyColumns: ['name'],
      columns: undefined,
      mode: 'upsert',
      force: false,
      dryRun: false,
    });
  });

  test('connection URLs and their passwords are secrets before anything else happens', () => {
    const secrets = new Secrets();
    read({ 'target-url': TARGET, restore: 'previous' }, secrets);
    expect(secrets.redact(`${TARGET} s@cret`)).toBe('*** ***');
  });

  test.each([
    [{}, /No source/],
    [{ 'source-dir': 'p', restore: 'previous' }, /"source-dir" and "restore"/],
  ])('exactly one source: %j', (inputs, message) => {
    expect(() => read({ 'target-url': TARGET, ...inputs })).toThrow(
      expect.objectContaining({ code: DB.SYNC_DATABASE_UNCLEAR, message: expect.stringMatching(message) }),
    );
  });

  test('no target database is refused, naming the inputs that set one', () => {
    expect(() => read({ 'source-dir': 'p' })).toThrow(
      expect.objectContaining({
        code: DB.SYNC_DATABASE_UNCLEAR,
        message: 'No target: give "target-url", "target-secret-id" or "target-parameters".',
      }),
    );
  });

  test('a database may be named by a secret or by parameters instead of a URL', () => {
    const request = read({
      'target-secret-id': 'prod/db',
      'source-parameters': '/staging/db/',
      'keep-snapshots': '3',
    });
    expect(request.target).toMatchObject({ given: {}, secretId: 'prod/db', parameters: [] });
    expect(request.source).toMatchObject({
      kind: 'database',
      database: { given: {}, secretId: undefined, parameters: ['/staging/db/'] },
    });
    expect(request.options.keepSnapshots).toBe(3);
  });

  test('a target-name-pattern that is no regular expression names the input', () => {
    expect(() =>
      read({
        'target-url': TARGET,
        restore: 'previous',
        environment: 'production',
        'target-name-pattern': '(',
      }),
    ).toThrow(/Input "target-name-pattern"/);
  });
});

describe('readPromptFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-prompt-files-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('a Markdown file without front matter is all content, keyed by its file name', async () => {
    await writeFile(join(dir, 'plain.md'), 'Just text.\n');
    expect(await readPromptFiles(dir, ['name'])).toEqual([{ name: 'plain', content: 'Just text.\n' }]);
  });

  test.each([
    ['a.yaml', '- a list', /is not a mapping/],
    ['a.yaml', 'name: [unclosed', /is not valid YAML/],
    ['a.md', '---\ncontent: x\n---\nbody', /sets "content"/],
  ])('%s containing %j is refused', async (file, text, message) => {
    await writeFile(join(dir, file), text);
    await expect(readPromptFiles(dir, ['name'])).rejects.toThrow(message);
  });

  test('two files with one key, or a file without a key among several key columns, are refused', async () => {
    await writeFile(join(dir, 'one.yaml'), 'name: same\n');
    await writeFile(join(dir, 'two.md'), '---\nname: same\n---\n');
    await expect(readPromptFiles(dir, ['name'])).rejects.toThrow(/two\.md has the same key as one\.yaml/);
    await expect(readPromptFiles(dir, ['name', 'locale'])).rejects.toThrow(
      expect.objectContaining({ code: DB.PROMPT_FILE_INVALID }),
    );
    await expect(readPromptFiles(join(dir, 'missing'), ['name'])).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe('sync report', () => {
  const plan = {
    added: Array.from({ length: 1500 }, (_, i) => ({ name: `p${i}` })),
    changed: [{ key: { name: 'x' }, columns: ['content'] }],
    removed: [],
    unchanged: 7,
    counts: { added: 1500, changed: 1, removed: 0, unchanged: 7 },
  };
  const result = {
    syncId: 'id',
    applied: false,
    snapshot: false,
    table: 'prompts',
    mode: 'overwrite' as const,
    where: 'db:5432/app',
    counts: { added: 1500, changed: 1, removed: 0, unchanged: 7 },
    checksum: 'c',
    plan,
  };

  test('the plan output keeps at most 1000 keys per list and says it was cut; counts stay whole', () => {
    const outputs = syncOutputs(result);
    expect(outputs.added).toBe('1500');
    expect(JSON.parse(outputs.plan!)).toMatchObject({ truncated: true, unchanged: 7 });
    expect(JSON.parse(outputs.plan!).added).toHaveLength(1000);
    expect(
      JSON.parse(
        syncOutputs({ ...result, plan: { ...plan, added: [], counts: { ...plan.counts, added: 0 } } }).plan!,
      ).truncated,
    ).toBe(false);
  });

  test('the summary lists at most 200 rows and counts the rest', () => {
    const summary = syncSummary(result);
    expect(summary.match(/➕ added/g)).toHaveLength(200);
    expect(summary).toContain('… and 1301 more row(s).');
  });
});
