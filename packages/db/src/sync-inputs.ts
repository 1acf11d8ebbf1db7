import {
  ConfigurationError,
  Grammar,
  INVALID_INPUT,
  InputSource,
  Secrets,
  conflict,
  input,
  onlyWith,
  parseInputs,
  pattern as grammarOf,
  region,
  sameRegion,
  secretId,
  sqlIdentifier,
  sqlTableName,
  ssmParameter,
  url,
  workspacePath,
} from '@slipway/kit';
import { DB } from './codes';
import { CredentialSources, DbTarget, targetFromUrl } from './connection';
import type { SyncOptions, SyncSource } from './sync';
import { DEFAULT_KEEP_SNAPSHOTS } from './sync-result';

const postgresUrl = url(['postgres', 'postgresql']);
const databaseUrl: Grammar = {
  expected: 'a postgres://user:password@host:port/database URL',
  parse: (text) => {
    postgresUrl.parse(text);
    return text;
  },
};

/** A snapshot an earlier sync took: its sync id (a UUID), or "previous". */
const snapshotId = grammarOf(
  "a sync id (a UUID, from an earlier sync's output) or previous",
  /^(previous|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
  'is not a sync id',
);

/** sync-prompts' inputs, as action.yml declares them (the action and the CLI parse with this). */
export const syncInputs = {
  // Masked before any input is parsed: a URL holds the password.
  'source-url': input.value(databaseUrl, { secret: true }),
  'source-secret-id': input.value(secretId),
  'source-parameters': input.list({ default: [], item: ssmParameter, unique: true }),
  'source-dir': input.string(),
  restore: input.value(snapshotId),
  'target-url': input.value(databaseUrl, { secret: true }),
  'target-secret-id': input.value(secretId),
  'target-parameters': input.list({ default: [], item: ssmParameter, unique: true }),
  table: input.value(sqlTableName, { default: 'prompts' }),
  'key-columns': input.list({ default: ['name'], item: sqlIdentifier, unique: true }),
  columns: input.list({ item: sqlIdentifier, unique: true }),
  mode: input.choice(['overwrite', 'upsert'], { default: 'upsert' }),
  force: input.boolean({ default: false }),
  'dry-run': input.boolean({ default: false }),
  environment: input.value(
    grammarOf(
      'an environment name (letters, digits and _ . -)',
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
      'is not an environment name',
    ),
  ),
  'target-name-pattern': input.string(),
  'keep-snapshots': input.integer({ default: DEFAULT_KEEP_SNAPSHOTS, min: 1, max: 10000 }),
  'delete-referenced': input.boolean({ default: false }),
  region: input.value(region),
};

/** A sync whose databases are still named by URL, secret or parameters, not yet resolved. */
export interface SyncRequest {
  target: CredentialSources;
  source: Exclude<SyncSource, { kind: 'database' }> | { kind: 'database'; database: CredentialSources };
  options: Omit<SyncOptions, 'logger' | 'source'>;
  region?: string;
}

/** Parses the inputs; connection URLs are registered as secrets before anything could print them. */
export function readSyncRequest(source: InputSource, workspace: string, secrets: Secrets): SyncRequest {
  const i = parseInputs(source, syncInputs, { secrets });
  sameRegion(
    source,
    (['source-secret-id', 'target-secret-id', 'source-parameters', 'target-parameters'] as const).flatMap(
      (name) => [i[name]].flat().map((value): [string, string | undefined] => [name, value]),
    ),
  );
  onlyWith(
    source,
    syncInputs,
    ['target-name-pattern'],
    'environment: production',
    i.environment === 'production',
    'only a production sync checks the target name',
  );
  const overlap = i.columns?.find((column) => i['key-columns'].includes(column));
  if (overlap) {
    throw conflict(
      `Inputs "columns" and "key-columns" both name "${overlap}": key columns identify a row and are never copied over.`,
      'Drop it from "columns".',
    );
  }
  const database = (side: 'source' | 'target'): CredentialSources | undefined => {
    const url = i[`${side}-url`];
    const secretId = i[`${side}-secret-id`];
    const parameters = i[`${side}-parameters`];
    if (!url && !secretId && !parameters.length) return undefined;
    secrets.register(url);
    const given: Partial<DbTarget> = url ? targetFromUrl(url) : {};
    secrets.register(given.password);
    return {
      given,
      secretId,
      parameters,
      inputs: `Give "${side}-url", or "${side}-secret-id" (RDS secret JSON: username, password, host, port, dbname) or "${side}-parameters" that hold every field.`,
    };
  };
  const target = database('target');
  if (!target) {
    throw new ConfigurationError(
      DB.SYNC_DATABASE_UNCLEAR,
      'No target: give "target-url", "target-secret-id" or "target-parameters".',
      {
        remedy: 'Name the database to sync into.',
      },
    );
  }
  return {
    target,
    source: syncSource(database('source'), i['source-dir'], i.restore, workspace),
    options: {
      table: i.table,
      keyColumns: i['key-columns'],
      columns: i.columns?.length ? i.columns : undefined,
      mode: i.mode,
      force: i.force,
      dryRun: i['dry-run'],
      environment: i.environment,
      targetNamePattern: pattern(i['target-name-pattern']),
      keepSnapshots: i['keep-snapshots'],
      deleteReferenced: i['delete-referenced'],
    },
    region: i.region,
  };
}

function syncSource(
  database: CredentialSources | undefined,
  dir: string | undefined,
  restore: string | undefined,
  workspace: string,
): SyncRequest['source'] {
  const given = [database && 'a source database', dir && '"source-dir"', restore && '"restore"'].filter(
    Boolean,
  );
  if (given.length !== 1) {
    throw new ConfigurationError(
      DB.SYNC_DATABASE_UNCLEAR,
      given.length
        ? `${given.join(' and ')} were both given; a sync has one source.`
        : 'No source: give "source-url", "source-dir" or "restore".',
      {
        remedy:
          'Set exactly one source: a database ("source-url", "source-secret-id" or "source-parameters"), "source-dir" (prompt files) or "restore".',
      },
    );
  }
  if (database) return { kind: 'database', database };
  if (dir) return { kind: 'files', dir: workspacePath('source-dir', dir, workspace, 'directory') };
  return { kind: 'snapshot', syncId: restore! };
}

function pattern(raw: string | undefined): RegExp | undefined {
  if (!raw) return undefined;
  try {
    return new RegExp(raw);
  } catch (error) {
    throw new ConfigurationError(
      INVALID_INPUT,
      `Input "target-name-pattern" is not a regular expression: ${(error as Error).message}.`,
      {
        remedy: 'For example ^app_prod$.',
      },
    );
  }
}
