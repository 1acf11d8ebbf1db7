import { SlipwayError, runCommand } from '@slipway/kit';
import { PIPELINE } from './services';

const NO_COMMIT = /^0{40}$/;

/** Files changed between two commits, or `all` when there is no base to compare with. */
export async function changedFiles(
  base: string | undefined,
  head: string,
  cwd: string,
): Promise<string[] | 'all'> {
  if (!base || NO_COMMIT.test(base)) return 'all';
  const diff = await runCommand('git', ['diff', '--name-only', base, head], { cwd });
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
  return diff.stdout.split('\n').filter(Boolean);
}
