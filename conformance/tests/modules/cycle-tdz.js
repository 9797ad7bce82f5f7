// snapvm conformance test (MIT)
/*---
description: In an import cycle, a module's const, let and default-exported functions made by expressions (an arrow as its first statement too) are in TDZ while the other module evaluates; only its function declarations are made at link time.
flags: [module]
---*/
import defaultArrow, { arrow, fnExpr, decl, sawInB } from './cycle-tdz_FIXTURE.js';
assert.sameValue(sawInB.arrow, 'ReferenceError', 'export const f = () => … was in TDZ');
assert.sameValue(sawInB.fnExpr, 'ReferenceError', 'export let g = function () {} was in TDZ');
assert.sameValue(sawInB.defaultArrow, 'ReferenceError', 'export default () => … was in TDZ');
assert.sameValue(sawInB.decl, 'decl', 'a function declaration is made at link time');
assert.sameValue(arrow(), 'arrow');
assert.sameValue(fnExpr(), 'fnExpr');
assert.sameValue(defaultArrow(), 'default');
assert.sameValue(decl(), 'decl');
