// snapvm conformance test (MIT)
/*---
description: super calls and super property access use the home object, also in object literals and static methods.
---*/
class A {
  constructor(v) { this.v = v; }
  who() { return 'A' + this.v; }
  static kind() { return 'static A'; }
}
class B extends A {
  constructor() { super(1); this.w = 2; }
  who() { return 'B>' + super.who(); }
  static kind() { return 'static B>' + super.kind(); }
}
var b = new B();
assert.sameValue(b.who(), 'B>A1');
assert.sameValue(B.kind(), 'static B>static A');
assert.sameValue(b.w, 2);

var proto = { greet() { return 'proto ' + this.name; } };
var obj = {
  name: 'obj',
  greet() { return 'obj/' + super.greet(); },
};
Object.setPrototypeOf(obj, proto);
var borrowed = { name: 'other', greet: obj.greet };
assert.sameValue(obj.greet(), 'obj/proto obj');
assert.sameValue(borrowed.greet(), 'obj/proto other', 'super is bound to the home object, this to the receiver');

class Arr extends Array {}
var arr = new Arr();
arr.push(1, 2);
assert.sameValue(arr.length, 2);
assert(arr instanceof Arr, 'subclassing a built-in keeps the subclass prototype');
assert(arr.map(function (x) { return x; }) instanceof Arr, 'species creates a subclass instance');
