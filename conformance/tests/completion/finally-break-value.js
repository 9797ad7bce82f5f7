// snapvm conformance test (MIT)
/*---
description: >
  A break or continue out of a finally block carries the finally block's own completion value, undefined
  when it has none (UpdateEmpty(F, undefined), ecma262 §14.15.3), not the try block's; a finally block that
  completes normally leaves the try block's value.
---*/
assert.sameValue(eval('99; do { -99; try { 39 } catch (e) { -1 } finally { break; -2 } } while (false);'), undefined);
assert.sameValue(eval('99; do { -99; try { 39 } catch (e) { -1 } finally { 42; break; -2 } } while (false);'), 42);
assert.sameValue(eval('99; do { -99; try { [].x.x } catch (e) { -1; } finally { continue; -3 } } while (false);'), undefined);
assert.sameValue(eval('99; l: { try { 39 } finally { break l; } }'), undefined);
assert.sameValue(eval('99; try { 39 } finally { 42 }'), 39, 'a normal finally keeps the try value');
assert.sameValue(eval('99; do { try { 39; break; } finally { 42 } } while (false);'), 39, 'a break from the try block keeps its value');
assert.sameValue(eval('99; for (var i = 0; i < 2; i++) { try { i } finally { if (i === 1) break; } }'), undefined);
