// snapvm conformance test (MIT)
/*---
description: Top-level await in a dependency delays the importer until the dependency finishes.
flags: [module, async]
includes: [compareArray.js]
---*/
import { value, log } from './top-level-await_FIXTURE.js';
log.push('importer body');
assert.sameValue(value, 'ready');
var awaited = await Promise.resolve('awaited here too');
assert.sameValue(awaited, 'awaited here too');
assert.compareArray(log, ['fixture before await', 'fixture after await', 'importer body']);
$DONE();
