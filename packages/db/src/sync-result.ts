import { ConfigurationError } from '@slipway/kit';
import { DB } from './codes';
import type { SyncMode } from './sync';
import type { SyncCounts, SyncPlan } from './sync-plan';

export const DEFAULT_KEEP_SNAPSHOTS = 10;

/** What a plan lists of each kind: as many keys as a step's outputs show. */
export const PLAN_LIST_LIMIT = 1000;

export interface SyncResult {
  syncId: string;
  /** False for a dry run. */
  applied: boolean;
  /** A snapshot was taken, under syncId: an applied sync that changed rows. */
  snapshot: boolean;
  table: string;
  mode: SyncMode;
  /** The target, as host:port/database. */
  where: string;
  counts: SyncCounts;
  /** The source rows' checksum, which the target's synced rows were verified to have. */
  checksum: string;
  plan: SyncPlan;
}

/** Changing or removing rows without `force`: thrown after the plan is made, nothing changed. */
export class SyncNeedsForceError extends ConfigurationError {
  constructor(readonly result: SyncResult) {
    const { changed, removed } = result.counts;
    super(
      DB.SYNC_NEEDS_FORCE,
      `Syncing "${result.table}" into ${result.where} would change ${changed} and remove ${removed} existing ` +
        'row(s); nothing was changed.',
      { remedy: 'Check the plan in the job summary, then run again with "force: true".' },
    );
  }
}
