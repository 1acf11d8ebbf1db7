import type { ECRClient } from '@aws-sdk/client-ecr';
import { Logger, Secrets, SlipwayError, onDemand, runCommand } from '@slipway/kit';
import { ECS } from './codes';
import type { TaskDefinitionInput } from './taskdef';

/**
 * Deploys land in the order they were pushed: a deploy never replaces the commit a service runs with
 * an older one (an ancestor of it in git), unless it asks to (`allow-older`, as a rollback does).
 *
 * A commit is read from an image's `sha-<hex>` tag, the one sha- tag its digest carries in ECR, or its
 * `org.opencontainers.image.revision` label in the registry (@slipway/ecr's imageRevision). When either
 * commit is unknown there is nothing to compare (info). When both are
 * known but git cannot tell their order — no checkout, a shallow clone that lacks one of them — the
 * deploy goes on with a warning: refusing would block every deploy from a job without a full checkout,
 * and the warning says what to fix (actions/checkout with fetch-depth: 0).
 */
export interface OrderingContext {
  logger: Logger;
  /** The git checkout to ask (default GITHUB_WORKSPACE, else the working directory). */
  repository?: string;
  /** Where registry tokens are registered for masking (default: kept here only). */
  secrets?: Secrets;
  /** The commit an image was built from, or undefined (default: its sha- tag, else its revision label). */
  revisionOf?: (image: string) => Promise<string | undefined>;
}

export interface ServiceImages {
  service: string;
  live: TaskDefinitionInput;
  target: TaskDefinitionInput;
}

/** `unchecked`: a commit is not known, nothing to compare; `undecided`: both known, git cannot order them. */
export type Order = 'older' | 'same' | 'newer' | 'diverged' | 'undecided' | 'unchecked';

export interface OrderingVerdict {
  service: string;
  container: string;
  from: { image: string; commit?: string };
  to: { image: string; commit?: string };
  order: Order;
  /** Why the order is unknown, or what was found. */
  note: string;
}

type Ordered = 'older' | 'same' | 'newer' | 'diverged';

const COMMIT = /^[0-9a-f]{7,64}$/;
/**
 * Checks every container whose image changes and throws SLW-ECS-028 naming both commits when one
 * would go back to an older commit, before anything is registered or updated.
 */
export async function checkOrdering(
  services: ServiceImages[],
  allowOlder: boolean,
  context: OrderingContext,
): Promise<OrderingVerdict[]> {
  const revisionOf = context.revisionOf ?? defaultRevisionReader(context.logger, context.secrets);
  const git = new GitAncestry(context.repository ?? process.env.GITHUB_WORKSPACE ?? process.cwd());
  const verdicts: OrderingVerdict[] = [];
  for (const { service, live, target } of services) {
    const running = new Map((live.containerDefinitions ?? []).map((c) => [c.name, c.image]));
    for (const container of target.containerDefinitions ?? []) {
      const from = running.get(container.name);
      const to = container.image;
      if (!from || !to || from === to) continue;
      verdicts.push(await compare(service, container.name ?? '', from, to, revisionOf, git));
    }
  }
  const older = verdicts.filter((v) => v.order === 'older');
  for (const v of verdicts) {
    const where = `${v.service} (container ${v.container})`;
    if (v.order === 'undecided') context.logger.warning(`${where}: deploy order not checked: ${v.note}`);
    else if (v.order === 'older' && allowOlder)
      context.logger.warning(
        `${where}: going back from ${short(v.from.commit)} to the older ${short(v.to.commit)}, as "allow-older" asks.`,
      );
    else context.logger.info(`${where}: ${v.note}`);
  }
  if (older.length && !allowOlder) {
    throw new SlipwayError(
      ECS.OLDER_COMMIT,
      `${older
        .map(
          (v) =>
            `Service "${v.service}" (container ${v.container}) runs commit ${v.from.commit} (${v.from.image}); ${v.to.image} is commit ${v.to.commit}, an older one.`,
        )
        .join(' ')} Nothing was registered or updated.`,
      {
        remedy:
          'A newer push has deployed already, so this run is stale and can be left failed. To go back on purpose, deploy with "allow-older: true" (the rollback workflow does).',
      },
    );
  }
  return verdicts;
}

async function compare(
  service: string,
  container: string,
  fromImage: string,
  toImage: string,
  revisionOf: (image: string) => Promise<string | undefined>,
  git: GitAncestry,
): Promise<OrderingVerdict> {
  const verdict = (order: Order, note: string, from?: string, to?: string): OrderingVerdict => ({
    service,
    container,
    from: { image: fromImage, commit: from },
    to: { image: toImage, commit: to },
    order,
    note,
  });
  const to = await revisionOf(toImage);
  if (!to)
    return verdict(
      'unchecked',
      `no commit known for ${toImage} (no sha- tag or revision label): order not compared`,
    );
  const from = await revisionOf(fromImage);
  if (!from)
    return verdict(
      'unchecked',
      `no commit known for the running ${fromImage}: order not compared`,
      undefined,
      to,
    );
  const order = await git.order(from, to);
  const notes: Record<Ordered, string> = {
    older: `${short(to)} is older than the running ${short(from)}`,
    same: `${short(to)} is the commit already running`,
    newer: `${short(to)} is newer than the running ${short(from)}`,
    diverged: `${short(to)} and the running ${short(from)} are on diverged histories; neither is older`,
  };
  return typeof order === 'string'
    ? verdict(order, notes[order], from, to)
    : verdict('undecided', order.why, from, to);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 200) ?? '';
}

function short(commit: string | undefined): string {
  return commit ? commit.slice(0, 12) : '?';
}

/** `git merge-base --is-ancestor` in a checkout, with commits validated as hex and resolved first. */
export class GitAncestry {
  constructor(private readonly repository: string) {}

  async order(from: string, to: string): Promise<Ordered | { why: string }> {
    if (!COMMIT.test(from) || !COMMIT.test(to)) return { why: `"${from}" or "${to}" is not a commit id` };
    const [a, b] = await Promise.all([this.resolve(from), this.resolve(to)]);
    if ('why' in a) return a;
    if ('why' in b) return b;
    if (a.commit === b.commit) return 'same';
    const toIsAncestor = await this.git(['merge-base', '--is-ancestor', b.commit, a.commit]);
    if (toIsAncestor.exitCode === 0) return 'older';
    const fromIsAncestor = await this.git(['merge-base', '--is-ancestor', a.commit, b.commit]);
    if (toIsAncestor.exitCode !== 1 || fromIsAncestor.exitCode > 1)
      return { why: `git merge-base failed in ${this.repository}: ${toIsAncestor.stderr.trim()}` };
    return fromIsAncestor.exitCode === 0 ? 'newer' : 'diverged';
  }

  private async resolve(commit: string): Promise<{ commit: string } | { why: string }> {
    const answer = await this.git([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${commit}^{commit}`,
    ]);
    if (answer.exitCode === 0) return { commit: answer.stdout.trim() };
    const inside = await this.git(['rev-parse', '--is-shallow-repository']);
    if (inside.exitCode !== 0)
      return {
        // git's own words too: "dubious ownership" (safe.directory) reads like a missing checkout.
        why: `${this.repository} is not a git checkout git can read (${lastLine(inside.stderr)}), so the order of ${short(commit)} cannot be told (check out the repository with fetch-depth: 0 before this step)`,
      };
    const shallow = inside.stdout.trim() === 'true';
    return {
      why: `commit ${short(commit)} is not in the checkout at ${this.repository}${shallow ? ' (a shallow clone: check out with fetch-depth: 0)' : ' (fetch it, or check out with fetch-depth: 0)'}`,
    };
  }

  private git(args: string[]) {
    return runCommand('git', args, { cwd: this.repository }).catch((error: Error) => ({
      exitCode: 128,
      stdout: '',
      stderr: error.message,
    }));
  }
}

/**
 * The commit of an image as @slipway/ecr reads it (loaded on first use, with ECR's client: a deploy
 * whose images do not change never loads them). A registry that cannot be read is a warning and an
 * unknown commit, never a failed deploy.
 */
export function defaultRevisionReader(
  logger: Logger,
  secrets = new Secrets(),
): (image: string) => Promise<string | undefined> {
  const clients = new Map<string, () => Promise<ECRClient>>();
  const ecr = (region: string) => {
    if (!clients.has(region))
      clients.set(
        region,
        onDemand(async () => (await import('@aws-sdk/client-ecr')).ECRClient, { region }),
      );
    return clients.get(region)!();
  };
  return async (image) => {
    try {
      const { imageRevision } = await import('@slipway/ecr');
      return await imageRevision(image, { ecr, secrets });
    } catch (error) {
      logger.warning(`Could not read the commit of ${image} from its registry: ${(error as Error).message}`);
      return undefined;
    }
  };
}
