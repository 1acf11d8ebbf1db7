import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..', '..');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The e2e tests run the committed bundles, so a stale bundle would test yesterday's code. */
test(
  'the committed dist/ is exactly what a fresh build of the sources makes',
  async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'slipway-dist-'));
    try {
      await promisify(execFile)(process.execPath, ['scripts/bundle.mjs'], {
        cwd: root,
        env: { ...process.env, SLIPWAY_DIST_DIR: fresh },
      });
      const built = await filesUnder(fresh);
      expect(built).toContain('slipway/index.js');
      // Nothing committed that a build no longer makes, and nothing built that is not committed.
      expect(await filesUnder(join(root, 'dist'))).toEqual(built);
      const stale: string[] = [];
      for (const file of built) {
        const [committed, rebuilt] = await Promise.all([
          readFile(join(root, 'dist', file), 'utf8'),
          readFile(join(fresh, file), 'utf8'),
        ]);
        if (committed !== rebuilt) stale.push(`dist/${file}`);
      }
      if (stale.length) throw new Error(`Stale: ${stale.join(', ')}. Run "npm run bundle" and commit dist/.`);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  },
  // One ncc pass takes well under a minute on 2 idle cores; the bound only stops a hung build.
  30 * 60_000,
);
