// snapvm conformance test (MIT)
/*---
description: An imported binding is live (reflects later assignments in the exporter) and immutable for the importer.
flags: [module]
---*/
import { count, increment, counter as renamed } from './live-binding_FIXTURE.js';
import * as ns from './live-binding_FIXTURE.js';
assert.sameValue(count, 0);
increment();
increment();
assert.sameValue(count, 2, 'the import sees the exporter\'s update');
assert.sameValue(renamed, 2, 'a renamed export is the same binding');
assert.sameValue(ns.count, 2);
assert.throws(TypeError, function () { count = 10; }, 'an import binding is immutable');
assert.sameValue(count, 2);
