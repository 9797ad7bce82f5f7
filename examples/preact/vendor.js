// Vendors preact, preact/hooks and htm (npm dependencies) into vendor/ as ES modules the page loads
// from its own folder (a page reads only its app's files). Run by `npm run build`; vendor/ is not
// committed. hooks.mjs imports "preact" by its bare name: rewritten to the vendored file.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..', 'node_modules');
const out = path.join(__dirname, 'vendor');
const files = [
  ['preact/dist/preact.mjs', 'preact.mjs'],
  ['preact/hooks/dist/hooks.mjs', 'hooks.mjs'],
  ['htm/dist/htm.mjs', 'htm.mjs'],
];
fs.mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  const file = path.join(root, from);
  if (!fs.existsSync(file)) throw new Error(`examples/preact: ${from} is missing: run npm install`);
  const text = fs.readFileSync(file, 'utf8').replace(/from\s*"preact"/g, 'from"./preact.mjs"');
  fs.writeFileSync(path.join(out, to), text);
}
