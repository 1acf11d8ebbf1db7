// npm pack's prepack: copies the bundles (the repository's dist/, or SLIPWAY_DIST_DIR) and every
// action.yml into this package, so its tarball runs `slipway <action>` with no Slipway checkout.
// postpack (--clean) removes the copies again.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const copies = [join(pkg, 'dist'), join(pkg, 'actions')];

for (const copy of copies) rmSync(copy, { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  const dist = resolve(repo, process.env.SLIPWAY_DIST_DIR ?? 'dist');
  if (!existsSync(join(dist, 'cli', 'index.js'))) {
    console.error(`No CLI bundle in ${dist}: run npm run bundle first.`);
    process.exit(1);
  }
  cpSync(dist, join(pkg, 'dist'), { recursive: true });
  for (const action of readdirSync(join(repo, 'actions'))) {
    const spec = join(repo, 'actions', action, 'action.yml');
    if (existsSync(spec)) cpSync(spec, join(pkg, 'actions', action, 'action.yml'));
  }
}
