// snapvm conformance test (MIT)
/*---
description: Referring to a private name no enclosing class declares is an early SyntaxError.
negative:
  phase: parse
  type: SyntaxError
---*/
$DONOTEVALUATE();
class C {
  m() { return this.#missing; }
}
