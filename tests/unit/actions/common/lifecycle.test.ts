import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@slipway/kit';
import { runAction } from '../../../../actions/common/lifecycle';

const dir = mkdtempSync(join(tmpdir(), 'slipway-lifecycle-'));
const files = {
  GITHUB_OUTPUT: join(dir, 'output'),
  GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
  GITHUB_STATE: join(dir, 'state'),
};
const saved = { ...process.env };
let printed: string[];

beforeEach(() => {
  for (const file of Object.values(files)) writeFileSync(file, '');
  Object.assign(process.env, files);
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  process.exitCode = undefined;
});

const target = () => Object.assign(new EventEmitter(), { exit: jest.fn() });
const never = () => new Promise<never>(() => undefined);

describe('signals', () => {
  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s aborts main, runs the teardown newest first, then exits %i', async (signal, code) => {
    const proc = target();
    const order: string[] = [];
    let aborted: AbortSignal | undefined;
    proc.exit.mockImplementation(() => order.push('exit'));
    void runAction(
      {
        main: ({ signal: abort, teardown }) => {
          aborted = abort;
          teardown.add('close the tunnel', async () => void order.push('tunnel closed'));
          teardown.add('stop the command', async () => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            order.push('command stopped');
          });
          return never();
        },
      },
      proc,
    );
    await new Promise((resolve) => setImmediate(resolve));

    proc.emit(signal);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(aborted?.aborted).toBe(true);
    expect(order).toEqual(['command stopped', 'tunnel closed', 'exit']);
    expect(proc.exit).toHaveBeenCalledWith(code);
    expect(printed.join('')).toContain(`${signal}: cancelling`);
  });

  test('a main that finishes on abort reports before the exit', async () => {
    const proc = target();
    const order: string[] = [];
    proc.exit.mockImplementation(() => order.push('exit'));
    const done = runAction(
      {
        finishesOnAbort: true,
        main: ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              setTimeout(() => {
                order.push('task stopped');
                reject(new ConfigurationError('SLW-TST-001', 'The task was cancelled.'));
              }, 50),
            ),
          ),
      },
      proc,
    );
    await new Promise((resolve) => setImmediate(resolve));
    proc.emit('SIGINT');
    await done;
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(order).toEqual(['task stopped', 'exit']);
    expect(proc.exit).toHaveBeenCalledWith(130);
    expect(printed.join('')).toMatch(/::error title=SLW-TST-001::.*The task was cancelled/);
  });

  test('the handlers are removed once main ends', async () => {
    const proc = target();
    await runAction({ main: async () => undefined }, proc);
    expect(proc.listenerCount('SIGTERM') + proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.exit).not.toHaveBeenCalled();
  });
});

describe('report, then fail', () => {
  test('outputs and summary are written, then the failure fails the step', async () => {
    await runAction(
      {
        main: async () => ({
          outputs: { status: 'ROLLED_BACK' },
          summary: '## Deploy rolled back\n',
          failure: new ConfigurationError('SLW-TST-002', 'The deploy was rolled back.', {
            remedy: 'Fix it.',
          }),
        }),
      },
      target(),
    );
    expect(readFileSync(files.GITHUB_OUTPUT, 'utf8')).toMatch(/^status<<.*\nROLLED_BACK\n/);
    expect(readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')).toContain('## Deploy rolled back\n');
    expect(printed.join('')).toMatch(/::error title=SLW-TST-002::.*The deploy was rolled back/);
    expect(process.exitCode).toBe(1);
  });

  test('a thrown error fails the step after the teardown ran', async () => {
    const order: string[] = [];
    await runAction(
      {
        main: async ({ teardown }) => {
          teardown.add('close', async () => void order.push('closed'));
          throw new Error('boom');
        },
      },
      target(),
    );
    expect(order).toEqual(['closed']);
    expect(printed.join('')).toMatch(/::error title=SLW-.*boom/);
    expect(process.exitCode).toBe(1);
  });

  test('a step that succeeds leaves the exit code alone', async () => {
    await runAction({ main: async () => ({ outputs: { any: 'true' } }) }, target());
    expect(readFileSync(files.GITHUB_OUTPUT, 'utf8')).toMatch(/^any<<.*\ntrue\n/);
    expect(process.exitCode).toBeUndefined();
  });
});

describe('main and post', () => {
  test('main saves the state that makes the second run the post step', async () => {
    const main = jest.fn(async () => undefined);
    const post = jest.fn(async () => undefined);
    await runAction({ main, post }, target());
    expect(main).toHaveBeenCalled();
    expect(post).not.toHaveBeenCalled();
    expect(readFileSync(files.GITHUB_STATE, 'utf8')).toMatch(/^isPost<<.*\ntrue\n/);
  });

  test('the post step runs post only, and a failure there warns instead of failing', async () => {
    process.env.STATE_isPost = 'true';
    const main = jest.fn(async () => undefined);
    await runAction(
      {
        main,
        post: async () => {
          throw new Error('TerminateSession refused');
        },
      },
      target(),
    );
    expect(main).not.toHaveBeenCalled();
    expect(printed.join('')).toContain('::warning::Cleanup failed: TerminateSession refused');
    expect(process.exitCode).toBeUndefined();
  });
});
