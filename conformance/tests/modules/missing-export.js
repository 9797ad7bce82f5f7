// snapvm conformance test (MIT)
/*---
description: Importing a name the module does not export is a SyntaxError during resolution (linking).
flags: [module]
negative:
  phase: resolution
  type: SyntaxError
---*/
$DONOTEVALUATE();
import { notExported } from './live-binding_FIXTURE.js';
