import type { Client } from 'pg';
import {
  Clock,
  ConfigurationError,
  SlipwayError,
  done,
  failed,
  notYet,
  systemClock,
  waitUntil,
} from '@slipway/kit';
import { DB } from './codes';
import { INIT_INPUTS } from './inputs';
import { reason } from './reason';

export interface DbTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl?: boolean;
}

/** Where a database's connection comes from; resolved by @slipway/tunnel's resolveCredentials. */
export interface CredentialSources {
  /** Values given as inputs; they fill what the secret or parameters leave out. */
  given: Partial<DbTarget>;
  secretId?: string;
  /** Parameter names, or one path prefix ending in `/`. */
  parameters: string[];
  /** The inputs that set these, named in the error when a field is missing. */
  inputs?: string;
}

/** How a target is named in messages and logs: host:port/database, never the credentials. */
export function describeTarget(target: DbTarget, database = target.database): string {
  return `${target.host}:${target.port}/${database}`;
}

/**
 * postgresql://user:password@host:port/database, each part URL-encoded: the scheme both libpq and
 * SQLAlchemy ≥ 1.4 (so alembic) accept, where SQLAlchemy refuses postgres://.
 */
export function connectionUrl(target: DbTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const credentials = `${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}`;
  const url = `postgresql://${credentials}@${host}:${target.port}/${encodeURIComponent(target.database)}`;
  return target.ssl ? `${url}?sslmode=require` : url;
}

/**
 * Every form in which the password can reach a log: as given, URL-encoded, and the whole URL that holds it.
 * Callers register them all as secrets before the target is used.
 */
export function secretForms(target: Partial<DbTarget>): string[] {
  if (!target.password) return [];
  const forms = [target.password, encodeURIComponent(target.password)];
  if (target.host && target.user && target.database && target.port)
    forms.push(connectionUrl(target as DbTarget));
  return forms;
}

/** What a migration command needs to reach the target: DATABASE_URL and libpq's PG* variables. */
export function pgEnv(target: DbTarget): Record<string, string> {
  return {
    DATABASE_URL: connectionUrl(target),
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGUSER: target.user,
    PGPASSWORD: target.password,
    PGDATABASE: target.database,
    ...(target.ssl ? { PGSSLMODE: 'require' } : {}),
  };
}

/** The inverse of connectionUrl; `sslmode=require` (or verify-*) turns ssl on. */
export function targetFromUrl(url: string): DbTarget {
  // The URL holds a password, so no message repeats it.
  const invalid = (why: string) =>
    new ConfigurationError(DB.INVALID_URL, `The database URL ${why}.`, {
      remedy: 'Use postgres://user:password@host:port/database, with special characters URL-encoded.',
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalid('does not start with postgres://');
  }
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw invalid('has a malformed %-escape');
    }
  };
  const target = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port || 5432),
    user: decode(parsed.username),
    password: decode(parsed.password),
    database: decode(parsed.pathname.slice(1)),
    ssl: /^(require|verify-ca|verify-full)$/.test(parsed.searchParams.get('sslmode') ?? ''),
  };
  if (!target.host || !target.user || !target.database) throw invalid('needs a host, a user and a database');
  return target;
}

export interface ConnectOptions {
  applicationName: string;
  /** Another database on the same server, e.g. the maintenance database. */
  database?: string;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
}

/** Opens a session, or throws a SlipwayError that tells waiting (UNREACHABLE) from being refused. */
export async function connect(target: DbTarget, options: ConnectOptions): Promise<Client> {
  const database = options.database ?? target.database;
  // pg is loaded by the first connection: a step reads its inputs and credentials without it.
  const { Client, DatabaseError } = await import('pg');
  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs,
    // libpq's sslmode=require: encrypted but unverified, as through a tunnel the name never matches.
    ssl: target.ssl ? { rejectUnauthorized: false } : false,
  });
  // A session the server ends (a reset's DROP ... WITH (FORCE), a tunnel going down) also emits 'error'
  // outside any query; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    throw connectionError(target, database, error, error instanceof DatabaseError ? error.code : undefined);
  }
}

const UNREACHABLE_REMEDY =
  'Check that the tunnel is up and the database accepts connections from the bastion.';

function connectionError(
  target: DbTarget,
  database: string,
  error: unknown,
  sqlState: string | undefined,
): SlipwayError {
  if (sqlState === '3D000') {
    return new SlipwayError(
      DB.DATABASE_MISSING,
      `Database "${database}" does not exist on ${target.host}:${target.port}.`,
      { remedy: `Check the database name, or set "${INIT_INPUTS.createIfMissing}: true".`, cause: error },
    );
  }
  if (sqlState?.startsWith('28')) {
    return new SlipwayError(
      DB.LOGIN_REJECTED,
      `${describeTarget(target, database)} refused the login of user "${target.user}": ${reason(error)}.`,
      { remedy: 'Check the user and password (or the secret they come from).', cause: error },
    );
  }
  return new SlipwayError(
    DB.UNREACHABLE,
    `Could not connect to ${describeTarget(target, database)}: ${reason(error)}.`,
    { remedy: UNREACHABLE_REMEDY, cause: error },
  );
}

export interface WaitOptions {
  timeoutMs: number;
  applicationName?: string;
  clock?: Clock;
}

/**
 * Ready means a session opens and `SELECT 1` answers, retried with backoff until timeoutMs. A refused
 * login or a missing database fails at once: waiting would not change it.
 */
export async function waitForDatabase(target: DbTarget, options: WaitOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  let lastError: unknown;
  let tried = 0;
  const waited = await waitUntil(
    async ({ attempt, remainingMs }) => {
      // At the deadline no session has time to open; the last real error is the one to report.
      if (attempt > 0 && remainingMs === 0) return notYet(lastError);
      // A tunnel that accepts TCP but forwards nothing yet must not use up the whole wait in one attempt.
      const attemptMs = Math.max(1, Math.min(remainingMs, 5_000));
      tried++;
      try {
        const client = await connect(target, {
          applicationName: options.applicationName ?? 'slipway',
          connectTimeoutMs: attemptMs,
          queryTimeoutMs: attemptMs,
        });
        try {
          await client.query('SELECT 1');
          return done(true);
        } finally {
          await client.end().catch(() => undefined);
        }
      } catch (error) {
        if (error instanceof SlipwayError && error.code !== DB.UNREACHABLE) return failed(error);
        lastError = error instanceof SlipwayError ? error.cause : error;
        return notYet(lastError);
      }
    },
    { deadline: clock.now() + options.timeoutMs, clock, backoff: { baseMs: 100, capMs: 1_000 } },
  );
  if (waited.kind === 'done') return;
  throw new SlipwayError(
    DB.UNREACHABLE,
    `${describeTarget(target)} did not answer SELECT 1 within ${options.timeoutMs} ms ` +
      `(${tried} attempts); last error: ${reason(lastError)}.`,
    { remedy: UNREACHABLE_REMEDY },
  );
}
