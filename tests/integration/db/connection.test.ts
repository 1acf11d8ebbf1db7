/**
 * Readiness against a real PostgreSQL: waitForDatabase waits for what may still come, and fails at
 * once on what will not.
 */
import net from 'node:net';
import { DB, DbTarget, targetFromUrl, waitForDatabase } from '@slipway/db';
import { freePort } from '../../helpers/ports';
import { startPostgres, type PgServer } from '../../helpers/postgres';

let server: PgServer;
let target: DbTarget;

beforeAll(async () => {
  server = await startPostgres('db-connect');
  target = targetFromUrl(server.url);
});
afterAll(async () => {
  await server?.stop();
});

test('returns once SELECT 1 answers', async () => {
  await expect(waitForDatabase(target, { timeoutMs: 5_000 })).resolves.toBeUndefined();
});

test('keeps trying until a late tunnel starts forwarding', async () => {
  const port = await freePort();
  const tunnel = net.createServer((socket) => {
    const upstream = net.connect(target.port, target.host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  const opened = new Promise<void>((resolve) =>
    setTimeout(() => tunnel.listen(port, '127.0.0.1', resolve), 700),
  );
  try {
    const started = Date.now();
    await waitForDatabase({ ...target, port }, { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  } finally {
    await opened;
    await new Promise((resolve) => tunnel.close(resolve));
  }
});

test.each([
  ['a wrong password', { password: 'not-the-password' }, DB.LOGIN_REJECTED, 'password authentication failed'],
  ['a missing database', { database: 'no_such_db' }, DB.DATABASE_MISSING, '"no_such_db" does not exist'],
])('%s fails at once, without waiting for the timeout', async (_label, change, code, text) => {
  const started = Date.now();
  const waiting = waitForDatabase({ ...target, ...change }, { timeoutMs: 20_000 });
  const error = (await waiting.catch((e: unknown) => e)) as Error;
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(error).toMatchObject({ code, message: expect.stringContaining(text) });
  expect(error.message).not.toContain(target.password);
  expect(error.message).not.toContain('not-the-password');
});
