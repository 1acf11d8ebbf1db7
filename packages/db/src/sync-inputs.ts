import { resolve } from 'node:path';
import { ConfigurationError, INVALID_INPUT, InputSource, Secrets, input, parseInputs } from '@slipway/kit';
import { DB } from './codes';
import { CredentialSources, DbTarget, targetFromUrl } from './connection';
import type { SyncOptions, SyncSource } from './sync';
import { DEFAULT_KEEP_SNAPSHOTS } from './sync-result';

/** sync-prompts' inputs, as action.yml declares them (the action and the CLI parse with this). */
export const syncInputs = {
  'source-url': input.string(),
  'source-secret-id': input.string(),
  'source-parameters': input.list({ default: [] }),
  'source-dir': input.string(),
  restore: input.string(),
  'target-url': input.string(),
  'target-secret-id': input.string(),
  'target-parameters': input.list({ default: [] }),
  table: input.string({ default: 'prompts' }),
  'key-columns': input.list({ default: ['name'] }),
  columns: input.list(),
  mode: input.choice(['overwrite', 'upsert'], { default: 'upsert' }),
  force: input.boolean({ default: false }),
  'dry-run': input.boolean({ default: false }),
  environment: input.string(),
  'target-name-pattern': input.string(),
  'keep-snapshots': input.integer({ default: DEFAULT_KEEP_SNAPSHOTS, min: 1 }),
  'delete-referenced': input.boolean({ default: false }),
  region: input.string(),
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
  const i = parseInputs(source, syncInputs);
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
  if (dir) return { kind: 'files', dir: resolve(workspace, dir) };
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
