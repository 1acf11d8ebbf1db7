// Bundles every action (a folder of actions/ with an action.yml) into dist/<action>/index.js with ncc,
// and the CLI (packages/cli) into dist/cli/index.js.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const ncc = createRequire(import.meta.url)('@vercel/ncc');
const only = process.argv[2];
const droppedAssets = new Set(['pagent.exe']);
const out = process.env.SLIPWAY_DIST_DIR ?? 'dist';
const entries = [
  ...readdirSync('actions')
    .filter((name) => existsSync(join('actions', name, 'action.yml')))
    .map((name) => [name, join('actions', name, 'index.ts')]),
  ['cli', join('packages', 'cli', 'src', 'entry.ts')],
];

for (const [action, entry] of entries.filter(([name]) => !only || name === only)) {
  const { code, assets } = await ncc(join(process.cwd(), entry), {
    minify: true,
    license: 'licenses.txt',
    quiet: true,
    sourceMap: false,
    target: 'es2022',
    // Types are checked once, by `npm run build`; bundling only transpiles.
    transpileOnly: true,
  }).catch((error) => {
    console.error(`${action}: ${String(error.message ?? error).slice(0, 2000)}`);
    process.exit(1);
  });
  // A bundle is pure JS: index.js and its licence file. ssh2 carries a Windows Pageant helper we never
  // run (keys are passed to ssh2 directly, never through an agent), so it is left out.
  for (const file of Object.keys(assets).filter((file) => droppedAssets.has(file))) delete assets[file];
  const foreign = Object.keys(assets).filter((file) => file !== 'licenses.txt');
  if (foreign.length)
    throw new Error(`${action}: the bundle would need files besides index.js: ${foreign.join(', ')}`);
  const dir = join(out, action);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), asset.source);
  }
  console.log(`dist/${action}/index.js  ${(code.length / 1024).toFixed(0)} KiB`);
}
