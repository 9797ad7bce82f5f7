// snapvm conformance test (MIT)
/*---
description: 10000 nested guest calls (plain and mutual recursion) complete without a stack overflow.
---*/
function depth(n) {
  return n === 0 ? 0 : 1 + depth(n - 1);
}
assert.sameValue(depth(10000), 10000);
function isEven(n) { return n === 0 ? true : isOdd(n - 1); }
function isOdd(n) { return n === 0 ? false : isEven(n - 1); }
assert.sameValue(isEven(10000), true);
var sumTo = (n) => (n === 0 ? 0 : n + sumTo(n - 1));
assert.sameValue(sumTo(10000), 50005000);
class Node { constructor(next) { this.next = next; } length() { return this.next ? 1 + this.next.length() : 1; } }
var list = null;
for (var i = 0; i < 10000; i++) list = new Node(list);
assert.sameValue(list.length(), 10000, 'method calls');
