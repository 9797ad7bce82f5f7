#!/usr/bin/env node
// V8's code cache for the package's modules first (src/cli/code-cache.ts: start-up), then the command.
require('../dist/src/cli/code-cache.js').installCodeCache(require('node:path').join(__dirname, '..'));
require('../dist/src/cli/main.js').cli();
