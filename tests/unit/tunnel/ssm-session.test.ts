import { spawn } from 'node:child_process';
import { SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { memoryLogger, memoryState } from '@slipway/kit';
import { cleanUpSsmSession, ssmSessionSlot, ssmSessionState, startShell } from '@slipway/tunnel';

/** An SSM client that records what it was sent, and can be told to fail. */
function fakeSsm(fail?: Error) {
  const sent: unknown[] = [];
  const regions: string[] = [];
  return {
    sent,
    regions,
    factory: (region: string) => {
      regions.push(region);
      return {
        send: async (command: unknown) => {
          sent.push(command);
          if (fail) throw fail;
          return {};
        },
      } as unknown as Pick<SSMClient, 'send'>;
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the post step', () => {
  test('kills the plugin and ends the session the main step recorded but did not close', async () => {
    const store = memoryState();
    const plugin = spawn('sleep', ['30']);
    const exited = new Promise((resolve) => plugin.once('exit', (_code, signal) => resolve(signal)));
    ssmSessionState(store, 'eu-west-1').onSsmSession({ pid: plugin.pid!, sessionId: 'sess-1' });
    const ssm = fakeSsm();
    const logger = memoryLogger();

    await cleanUpSsmSession(store, { ssm: ssm.factory, logger });

    expect(await exited).toBe('SIGKILL');
    expect(ssm.regions).toEqual(['eu-west-1']);
    expect(ssm.sent).toHaveLength(1);
    expect(ssm.sent[0]).toBeInstanceOf(TerminateSessionCommand);
    expect((ssm.sent[0] as TerminateSessionCommand).input).toEqual({ SessionId: 'sess-1' });
  });

  test('does nothing once the main step closed the session itself: no kill of a reused pid, no second TerminateSession', async () => {
    const store = memoryState();
    const bystander = spawn('sleep', ['30']);
    const state = ssmSessionState(store, 'eu-west-1');
    state.onSsmSession({ pid: bystander.pid!, sessionId: 'sess-2' });
    state.onSsmSessionClosed();
    const ssm = fakeSsm();
    const kills: number[] = [];

    await cleanUpSsmSession(store, {
      ssm: ssm.factory,
      logger: memoryLogger(),
      kill: (pid) => kills.push(pid),
    });

    expect(ssmSessionSlot.load(store)).toBeUndefined();
    expect(kills).toEqual([]);
    expect(ssm.sent).toEqual([]);
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill('SIGKILL');
  });

  test('warns instead of failing when the session cannot be ended', async () => {
    const store = memoryState();
    ssmSessionState(store, 'us-east-1').onSsmSession({ pid: 2 ** 22 + 1, sessionId: 'sess-3' });
    const logger = memoryLogger();
    await cleanUpSsmSession(store, {
      ssm: fakeSsm(new Error('AccessDeniedException')).factory,
      logger,
      kill: () => {
        throw Object.assign(new Error('no such process'), { code: 'ESRCH' });
      },
    });
    expect(logger.lines.join('\n')).toMatch(/TerminateSession sess-3: AccessDeniedException/);
  });
});

describe('stopping the migration command', () => {
  const run = (command: string) => {
    const lines: string[] = [];
    const shell = startShell(command, { cwd: '/', env: process.env, onLine: (line) => lines.push(line) });
    return { shell, lines };
  };
  const started = async (lines: string[]) => {
    for (let i = 0; i < 100 && !lines.includes('started'); i++) await new Promise((r) => setTimeout(r, 20));
  };

  test('waits for it to exit on SIGTERM', async () => {
    const { shell, lines } = run('echo started; sleep 30 & wait');
    await started(lines);
    const before = Date.now();
    await shell.stop();
    expect(Date.now() - before).toBeLessThan(1_500);
    expect(await shell.exited).toBe(143);
  });

  test('escalates to SIGKILL for the whole group when SIGTERM is ignored', async () => {
    const { shell, lines } = run('trap "" TERM; echo started; sleep 30 & wait');
    await started(lines);
    const before = Date.now();
    await shell.stop(500);
    const took = Date.now() - before;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2_000);
    expect(await shell.exited).toBe(137);
  });

  test('streams whole lines and reports the exit code', async () => {
    const { shell, lines } = run('printf "one\\ntw"; sleep 0.1; printf "o\\n"; exit 3');
    expect(await shell.exited).toBe(3);
    expect(lines).toEqual(['one', 'two']);
  });
});
