#!/usr/bin/env node
// The process's V8 flags for its command (src/cli/v8-flags.ts) and V8's code cache for the package's modules
// first (src/cli/code-cache.ts: start-up), then the command.
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist', 'src', 'cli');
let cli;
try {
  require(path.join(dist, 'v8-flags.js')).setV8FlagsFor(process.argv.slice(2));
  require(path.join(dist, 'code-cache.js')).installCodeCache(path.join(__dirname, '..'));
  cli = require(path.join(dist, 'main.js')).cli;
} catch (e) {
  // only our own files (a missing dependency names itself in the first line: not ours to explain)
  if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).split('\n')[0].includes(dist)) throw e;
  process.stderr.write(`snapvm: the compiled engine is missing (${path.join(dist, 'main.js')}); run \`npm run build\` first\n`);
  process.exit(2);
}
cli();
