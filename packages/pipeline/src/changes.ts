import { createHash } from 'node:crypto';
import { SlipwayError, runCommand } from '@slipway/kit';
import { PIPELINE, pathMatcher, type ServiceSpec } from './services';

const NO_COMMIT = /^0{40}$/;

/** What changed between two commits; `all` when there is no usable base, with the reason why. */
export interface ChangeSet {
  files: string[] | 'all';
  /** Why every file counts as changed (no base given, or a base this checkout does not hold). */
  reason?: string;
}

async function git(args: string[], cwd: string) {
  return runCommand('git', args, { cwd });
}

/** Files changed between two commits, or `all` when there is no base to compare with. */
export async function changedFiles(base: string | undefined, head: string, cwd: string): Promise<ChangeSet> {
  if (!base || NO_COMMIT.test(base)) return { files: 'all', reason: 'there is no base commit' };
  // A force push's `before` is no longer in the repository (and a shallow checkout holds no history):
  // with nothing to compare, every service is selected, and the summary says why.
  const known = await git(['cat-file', '-e', '--end-of-options', `${base}^{commit}`], cwd);
  if (known.exitCode !== 0) {
    return {
      files: 'all',
      reason: `the base commit ${base.slice(0, 7)} is not in this checkout (a force push rewrote the branch, or the checkout is shallow)`,
    };
  }
  const diff = await git(['diff', '--name-only', '--end-of-options', base, head, '--'], cwd);
  if (diff.exitCode !== 0) {
    throw new SlipwayError(
      PIPELINE.GIT_DIFF_FAILED,
      `git diff ${base.slice(0, 7)}..${head.slice(0, 7)} failed: ${diff.stderr.trim()}`,
      {
        remedy:
          'Check out with enough history to hold the base commit (actions/checkout with fetch-depth: 0).',
      },
    );
  }
  return { files: diff.stdout.split('\n').filter(Boolean) };
}

/**
 * A key for the sources each service is built from at a commit: a hash over the service's build settings
 * and the blob ids of the files its paths match. A merge or squash of staging into main, and a
 * fast-forward, reproduce the files and so the key; the reusable deploy workflow promotes by it.
 */
export async function sourceKeys(
  services: ServiceSpec[],
  head: string,
  cwd: string,
): Promise<Map<string, string>> {
  const tree = await git(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', head], cwd);
  if (tree.exitCode !== 0) {
    throw new SlipwayError(
      PIPELINE.GIT_DIFF_FAILED,
      `git ls-tree ${head.slice(0, 7)} failed: ${tree.stderr.trim()}`,
      { remedy: 'Check out the commit being deployed (actions/checkout) before this step.' },
    );
  }
  // "<mode> <type> <object>\t<path>" entries, NUL-separated, in git's path order.
  const entries = tree.stdout
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      return { meta: entry.slice(0, tab), path: entry.slice(tab + 1) };
    });
  const keys = new Map<string, string>();
  for (const spec of services) {
    const matches = pathMatcher(spec.paths);
    const hash = createHash('sha256').update(
      JSON.stringify([spec.context, spec.dockerfile ?? '', spec.paths]),
    );
    for (const { meta, path } of entries) if (matches(path)) hash.update(`${meta}\t${path}\0`);
    keys.set(spec.service, hash.digest('hex').slice(0, 40));
  }
  return keys;
}
