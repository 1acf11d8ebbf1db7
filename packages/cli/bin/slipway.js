#!/usr/bin/env node
// Installed from its tarball, the package carries the CLI's bundle in dist/cli/ beside the actions'
// bundles. A Slipway checkout has no CLI bundle (dist/ holds only what runners download): there the CLI
// runs from its sources through tsx, a devDependency, and the actions from the repository's dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const packed = join(__dirname, '..', 'dist', 'cli', 'index.js');
const cli = existsSync(packed)
  ? require(packed)
  : require('tsx/cjs/api').require('../src/entry.ts', __filename);
void cli.run();
