// npm pack's prepack: copies the actions' bundles (the repository's dist/, or SLIPWAY_DIST_DIR) and every
// action.yml into this package, and bundles the CLI itself into dist/cli/ (it is not in the repository's
// dist/, which every runner downloads), so the tarball runs `slipway <action>` with no Slipway checkout.
// postpack (--clean) removes them again.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../../scripts/bundle.mjs';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const copies = [join(pkg, 'dist'), join(pkg, 'actions')];

for (const copy of copies) rmSync(copy, { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  const dist = resolve(repo, process.env.SLIPWAY_DIST_DIR ?? 'dist');
  if (!existsSync(join(dist, 'slipway', 'index.js'))) {
    console.error(`No bundles in ${dist}: run npm run bundle first.`);
    process.exit(1);
  }
  cpSync(dist, join(pkg, 'dist'), { recursive: true });
  for (const action of readdirSync(join(repo, 'actions'))) {
    const spec = join(repo, 'actions', action, 'action.yml');
    if (existsSync(spec)) cpSync(spec, join(pkg, 'actions', action, 'action.yml'));
  }
  const cli = join(pkg, 'dist', 'cli');
  // A dist/ built before the CLI left it may still carry an older one.
  rmSync(cli, { recursive: true, force: true });
  mkdirSync(cli);
  for (const [file, source] of Object.entries(await bundle(join(pkg, 'src', 'entry.ts'))))
    writeFileSync(join(cli, file), source);
}
