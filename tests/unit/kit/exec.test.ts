import { runCommand } from '@slipway/kit';

test('stdout, stderr and stdin pass through; the exit code is kept', async () => {
  const result = await runCommand('/bin/sh', ['-c', 'read line; echo "got $line"; echo oops >&2; exit 3'], {
    stdin: 'pw\n',
  });
  expect(result).toEqual({ exitCode: 3, stdout: 'got pw\n', stderr: 'oops\n' });
});

test('a command killed by a signal is a failure (128 + signal)', async () => {
  expect((await runCommand('/bin/sh', ['-c', 'kill -KILL $$'])).exitCode).toBe(137);
});

test('aborting stops the command and what it started, at once', async () => {
  const cancel = new AbortController();
  const started = Date.now();
  const running = runCommand('/bin/sh', ['-c', 'sleep 30; echo done'], { signal: cancel.signal });
  setTimeout(() => cancel.abort(), 200);
  const result = await running;
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(result.exitCode).toBe(143);
  expect(result.stdout).toBe('');
});
