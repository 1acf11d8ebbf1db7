// Pins a release: rewrites every `uses:` of Slipway's own actions and reusable workflows in
// .github/workflows/*.yml to the release tag, so a caller pinned to the release runs exactly what was
// released. The release workflow runs it in the commit it tags; main keeps its @v1 refs.
// Usage: node scripts/pin-release.mjs v1.2.3 [root]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const VERSION = /^v\d+\.\d+\.\d+$/;
/** A `uses:` of ours: the action or workflow path, then its ref. */
const OURS =
  /^(\s*(?:-\s+)?uses:\s*['"]?)(slipway-dev\/slipway\/(?:actions\/[\w-]+|\.github\/workflows\/[\w-]+\.ya?ml))@([^\s'"#]+)/gm;

/** The text with every ref of ours set to the version, and the refs it changed. */
export function pinText(text, version) {
  const changed = [];
  const pinned = text.replace(OURS, (_match, prefix, target, ref) => {
    if (ref !== version) changed.push(`${target}@${ref}`);
    return `${prefix}${target}@${version}`;
  });
  return { text: pinned, changed };
}

/** Rewrites the workflow files under root; returns the files changed. */
export function pinRelease(root, version) {
  if (!VERSION.test(version)) throw new Error(`version must look like v1.2.3, got '${version}'`);
  const dir = join(root, '.github', 'workflows');
  const touched = [];
  for (const file of readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()) {
    const path = join(dir, file);
    const { text, changed } = pinText(readFileSync(path, 'utf8'), version);
    if (changed.length) {
      writeFileSync(path, text);
      touched.push(join('.github', 'workflows', file));
    }
  }
  return touched;
}

const script = process.argv[1] ? resolve(process.argv[1]) : '';
if (basename(script) === 'pin-release.mjs') {
  try {
    const touched = pinRelease(
      resolve(process.argv[3] ?? join(dirname(script), '..')),
      process.argv[2] ?? '',
    );
    console.log(touched.length ? `Pinned ${touched.join(', ')} to ${process.argv[2]}.` : 'Nothing to pin.');
  } catch (error) {
    console.error(`::error::${error.message}`);
    process.exitCode = 1;
  }
}
