import { join } from 'node:path';
import {
  CLI,
  findRoot,
  helpText,
  loadActionSpec,
  parseArgs,
  parseFileCommands,
  readableLine,
} from '@slipway/cli';

const root = findRoot(join(__dirname));
const sync = loadActionSpec(root, 'sync-prompts');

describe('parseArgs', () => {
  test('--name value, --name=value, bare flags, SLIPWAY_ variables, then action.yml defaults', () => {
    const options = parseArgs(
      sync,
      ['--target-url', 'postgres://t', '--table=prompts_v2', '--force', '--summary-file', 'out.md'],
      { SLIPWAY_SOURCE_DIR: 'prompts', SLIPWAY_TABLE: 'ignored: the flag wins' },
    );
    expect(options).toEqual({
      inputs: expect.objectContaining({
        'target-url': 'postgres://t',
        table: 'prompts_v2',
        force: 'true',
        'source-dir': 'prompts',
        mode: 'upsert',
        'key-columns': 'name',
      }),
      summaryFile: 'out.md',
      help: false,
    });
    expect(options.inputs).not.toHaveProperty('source-url');
  });

  test('an unknown flag names it and lists the valid inputs', () => {
    expect(() => parseArgs(sync, ['--tabel', 'x'], {})).toThrow(
      expect.objectContaining({
        code: CLI.UNKNOWN_FLAG,
        message: 'sync-prompts has no input "--tabel".',
        remedy: expect.stringContaining('--table'),
      }),
    );
    expect(() => parseArgs(sync, ['prompts'], {})).toThrow(
      expect.objectContaining({ code: CLI.UNKNOWN_FLAG }),
    );
  });

  test('an unknown action lists the actions', () => {
    expect(() => loadActionSpec(root, 'deploy')).toThrow(
      expect.objectContaining({ code: CLI.UNKNOWN_ACTION, remedy: expect.stringContaining('ecs-deploy') }),
    );
  });
});

test('--help lists every input of the action.yml with its default and variable, and the outputs', () => {
  const help = helpText(loadActionSpec(root, 'ecs-deploy'));
  const spec = loadActionSpec(root, 'ecs-deploy');
  for (const name of Object.keys(spec.inputs)) expect(help).toContain(`--${name}`);
  for (const name of Object.keys(spec.outputs)) expect(help).toContain(`  ${name}: `);
  expect(help).toContain('--cluster (required)');
  expect(help).toContain('--timeout (default 900)');
  expect(help).toContain('[env SLIPWAY_TASK_DEFINITION_ARN]');
});

test('workflow commands read as plain lines; masks and state print nothing', () => {
  expect(readableLine('::group::Following 2 deployment(s)')).toBe('▶ Following 2 deployment(s)');
  expect(readableLine('::error title=SLW-DB-016::SLW-DB-016: would change%0A2 rows')).toBe(
    '✖ SLW-DB-016: would change\n2 rows',
  );
  expect(readableLine('::add-mask::hunter2')).toBeUndefined();
  expect(readableLine('::endgroup::')).toBeUndefined();
  expect(readableLine('plain text')).toBe('plain text');
});

test('file commands: heredoc values over several lines, and name=value', () => {
  expect(parseFileCommands('a<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nb=2\n')).toEqual({
    a: 'line 1\nline 2',
    b: '2',
  });
});
