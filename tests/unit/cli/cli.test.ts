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
const deploy = loadActionSpec(root, 'ecs-deploy');

describe('parseArgs', () => {
  test('--name value, --name=value, bare switches, SLIPWAY_ variables, then action.yml defaults', () => {
    const options = parseArgs(
      sync,
      [
        '--target-url',
        'postgres://t',
        '--table=prompts_v2',
        '--force',
        '--no-dry-run',
        '--summary-file',
        'out.md',
      ],
      { SLIPWAY_SOURCE_DIR: 'prompts', SLIPWAY_TABLE: 'ignored: the flag wins' },
    );
    expect(options).toEqual({
      inputs: expect.objectContaining({
        'target-url': 'postgres://t',
        table: 'prompts_v2',
        force: 'true',
        'dry-run': 'false',
        'source-dir': 'prompts',
        mode: 'upsert',
        'key-columns': 'name',
      }),
      summaryFile: 'out.md',
      help: false,
    });
    expect(options.inputs).not.toHaveProperty('source-url');
  });

  test('a list input repeated adds lines; any other input repeated is refused', () => {
    const options = parseArgs(deploy, ['--services', 'api', '--services=worker', '--images', 'app=a:1'], {});
    expect(options.inputs.services).toBe('api\nworker');
    expect(options.inputs.images).toBe('app=a:1');
    expect(() => parseArgs(deploy, ['--cluster', 'a', '--cluster', 'b'], {})).toThrow(
      expect.objectContaining({ code: CLI.REPEATED_FLAG, message: 'Flag "--cluster" is given 2 times.' }),
    );
  });

  test('a flag that needs a value and has none is named, at the end or before another flag', () => {
    for (const argv of [
      ['--cluster'],
      ['--cluster', '--services', 'api'],
      ['--services', 'api', '--cluster'],
    ]) {
      expect(() => parseArgs(deploy, argv, {})).toThrow(
        expect.objectContaining({ code: CLI.MISSING_VALUE, message: 'Flag "--cluster" needs a value.' }),
      );
    }
    expect(() => parseArgs(sync, ['--summary-file'], {})).toThrow(
      expect.objectContaining({ code: CLI.MISSING_VALUE, message: 'Flag "--summary-file" needs a value.' }),
    );
    // A value that starts with a dash is given with =.
    expect(parseArgs(deploy, ['--run-task-command=-c true'], {}).inputs['run-task-command']).toBe('-c true');
  });

  test('a true/false input given a value says how to give it', () => {
    for (const argv of [['--wait', 'false'], ['--wait=false']]) {
      expect(() => parseArgs(deploy, argv, {})).toThrow(
        expect.objectContaining({
          code: CLI.SWITCH_VALUE,
          remedy: 'Give --wait for true, or --no-wait for false.',
        }),
      );
    }
  });

  test('an unknown flag names it, suggests the one meant and lists the valid inputs', () => {
    expect(() => parseArgs(sync, ['--tabel', 'x'], {})).toThrow(
      expect.objectContaining({
        code: CLI.UNKNOWN_FLAG,
        message: 'sync-prompts has no input "--tabel". Did you mean "--table"?',
        remedy: expect.stringContaining('--table'),
      }),
    );
    expect(() => parseArgs(sync, ['--zzzz', 'x'], {})).toThrow(
      expect.objectContaining({ message: 'sync-prompts has no input "--zzzz".' }),
    );
    expect(() => parseArgs(sync, ['prompts'], {})).toThrow(
      expect.objectContaining({ code: CLI.UNKNOWN_FLAG }),
    );
  });

  test('an unknown action suggests the one meant and lists the actions', () => {
    expect(() => loadActionSpec(root, 'ecs-deplyo')).toThrow(
      expect.objectContaining({
        code: CLI.UNKNOWN_ACTION,
        message: '"ecs-deplyo" is not a Slipway action. Did you mean "ecs-deploy"?',
        remedy: expect.stringContaining('validate-deploy'),
      }),
    );
  });
});

test('--help lists every input of the action.yml with its default and variable, and the outputs', () => {
  const help = helpText(deploy);
  for (const name of Object.keys(deploy.inputs)) expect(help).toContain(`--${name}`);
  for (const name of Object.keys(deploy.outputs)) expect(help).toContain(`  ${name}: `);
  expect(help).toContain('--cluster (required)');
  expect(help).toContain('--services (required, repeatable)');
  expect(help).toContain('--timeout (default 900)');
  expect(help).toContain('--wait, --no-wait (default true)');
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
