#!/usr/bin/env node
// The CLI is bundled with the actions (npm run bundle): this runs the committed bundle.
require('../../../dist/cli/index.js');
