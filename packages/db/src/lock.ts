import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { Clock, Logger, SlipwayError, done, notYet, systemClock, waitUntil } from '@slipway/kit';
import { DB } from './codes';

/** The advisory-lock key of a history table: runs that share a history table share the lock. */
export function migrationLockKey(historyTable: string): bigint {
  return createHash('sha256').update(`slipway-migrate:${historyTable}`).digest().readBigInt64BE(0);
}

export interface LockOptions {
  timeoutMs: number;
  /** What the lock guards, for messages (default "the migration lock"). */
  what?: string;
  /** host:port/database, for messages. */
  where: string;
  logger: Logger;
  clock?: Clock;
}

/**
 * Takes the session-level advisory lock, polling pg_try_advisory_lock so the wait is bounded (a plain
 * pg_advisory_lock would wait forever behind a stuck session). The session keeps it until it ends.
 */
export async function acquireAdvisoryLock(client: Client, key: bigint, options: LockOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const what = options.what ?? 'the migration lock';
  const waited = await waitUntil(
    async ({ attempt, remainingMs }) => {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [key.toString()],
      );
      if (rows[0]?.locked) return done(true);
      if (attempt === 0 && remainingMs > 0) {
        options.logger.info(
          `Waiting up to ${options.timeoutMs} ms for ${what}, held by ${await describeHolder(client, key)}.`,
        );
      }
      return notYet(false);
    },
    { deadline: clock.now() + options.timeoutMs, clock, backoff: () => 250 },
  );
  if (waited.kind === 'done') return;
  throw new SlipwayError(
    DB.LOCK_TIMEOUT,
    `Gave up after ${options.timeoutMs} ms waiting for ${what} on ${options.where}, ` +
      `held by ${await describeHolder(client, key)}.`,
    {
      remedy:
        'Another run is still going, or a stuck session holds the lock: let it finish, or end ' +
        'that session with SELECT pg_terminate_backend(<pid>).',
    },
  );
}

interface Holder {
  pid: number;
  application_name: string | null;
  usename: string | null;
  client_addr: string | null;
  state: string | null;
  query_start: Date | null;
}

/** Who holds the lock, from pg_locks and pg_stat_activity (fields other roles' sessions hide read "?"). */
async function describeHolder(client: Client, key: bigint): Promise<string> {
  // A bigint advisory key is stored as its high and low 32 bits, with objsubid 1.
  const high = (key >> 32n) & 0xffffffffn;
  const low = key & 0xffffffffn;
  const { rows } = await client.query<Holder>(
    `SELECT a.pid, a.application_name, a.usename, host(a.client_addr) AS client_addr, a.state, a.query_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = $1::oid AND l.objid = $2::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [high.toString(), low.toString()],
  );
  const holder = rows[0];
  if (!holder) return 'a session that has just released it';
  const known = (value: string | null | undefined) => value || '?';
  return (
    `pid ${holder.pid} (application "${known(holder.application_name)}", user "${known(holder.usename)}", ` +
    `client ${known(holder.client_addr)}, state ${known(holder.state)}, ` +
    `query started ${known(holder.query_start?.toISOString())})`
  );
}
