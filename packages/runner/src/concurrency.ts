/** One job's (or run's) stay in a concurrency group. */
export interface ConcurrencyRecord {
  group: string;
  job: string;
  cancelInProgress: boolean;
  /** ran; cancelled while running by a newer one; or cancelled while pending, replaced by a newer one. */
  outcome: 'ran' | 'cancelled-running' | 'cancelled-pending';
  /** The job that held the group when this one asked for it. */
  waitedFor?: string;
  start: number;
  end?: number;
}

interface Holder {
  record: ConcurrencyRecord;
  cancel: () => void;
  released: Promise<void>;
  release: () => void;
}

/**
 * GitHub's concurrency groups: one job runs per group; one more waits, and a newer one replaces it;
 * with cancel-in-progress the running one is cancelled. Share one instance between runs to check
 * groups across them.
 */
export class Concurrency {
  readonly records: ConcurrencyRecord[] = [];
  private running = new Map<string, Holder>();
  private pending = new Map<string, { record: ConcurrencyRecord; resolve: (ok: boolean) => void }>();

  /** Waits for the group; resolves to a release function, or undefined when this job was replaced while pending. */
  async acquire(
    group: string,
    job: string,
    cancelInProgress: boolean,
    cancel: () => void,
  ): Promise<(() => void) | undefined> {
    const record: ConcurrencyRecord = { group, job, cancelInProgress, outcome: 'ran', start: Date.now() };
    this.records.push(record);
    for (;;) {
      const holder = this.running.get(group);
      if (!holder) break;
      record.waitedFor ??= holder.record.job;
      if (cancelInProgress) {
        holder.record.outcome = 'cancelled-running';
        holder.cancel();
      }
      const previous = this.pending.get(group);
      if (previous && previous.record !== record) {
        previous.record.outcome = 'cancelled-pending';
        previous.record.end = Date.now();
        previous.resolve(false);
      }
      const go = await new Promise<boolean>((resolve) => {
        this.pending.set(group, { record, resolve });
        void holder.released.then(() => resolve(true));
      });
      if (this.pending.get(group)?.record === record) this.pending.delete(group);
      if (!go) return undefined;
    }
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.running.set(group, { record, cancel, released, release });
    return () => {
      record.end = Date.now();
      this.running.delete(group);
      release();
    };
  }
}
