import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');

/** The e2e tests run the committed bundles, so a stale bundle would test yesterday's code. */
test('every committed dist/<action> bundle matches a fresh build of the sources', async () => {
  const fresh = await mkdtemp(join(tmpdir(), 'slipway-dist-'));
  try {
    await promisify(execFile)('node', ['scripts/bundle.mjs'], {
      cwd: root,
      env: { ...process.env, SLIPWAY_DIST_DIR: fresh },
      maxBuffer: 16 * 1024 * 1024,
    });
    const actions = await readdir(fresh);
    expect(actions.length).toBeGreaterThan(0);
    // Nothing committed that a build no longer makes: a removed action or a dropped asset.
    expect((await readdir(join(root, 'dist'))).sort()).toEqual(actions.sort());
    for (const action of actions) {
      const files = await readdir(join(fresh, action));
      expect(files.sort()).toEqual(['index.js', 'licenses.txt']);
      expect((await readdir(join(root, 'dist', action))).sort()).toEqual(files);
      for (const file of files) {
        const committed = await readFile(join(root, 'dist', action, file), 'utf8').catch(() => 'missing');
        const built = await readFile(join(fresh, action, file), 'utf8');
        if (committed !== built)
          throw new Error(`dist/${action}/${file} is stale: run "npm run bundle" and commit dist/.`);
      }
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}, 300_000);
