#!/usr/bin/env node
// Installed from its tarball, the package carries the bundles beside this file (dist/); in a Slipway
// checkout they are the repository's dist/ (npm run bundle).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const packed = join(__dirname, '..', 'dist', 'cli', 'index.js');
require(existsSync(packed) ? packed : join(__dirname, '..', '..', '..', 'dist', 'cli', 'index.js'));
