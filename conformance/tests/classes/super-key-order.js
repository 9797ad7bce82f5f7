// snapvm conformance test (MIT)
/*---
description: >
  super[key] reads the home object's prototype (GetSuperBase) before the key's ToPropertyKey, for a
  read, a call and a plain store; a read-modify-write converts the key once.
---*/
var log = [];
var proto = { p: "ok", f: function () { return "f ok"; }, set q(v) { log.push("proto q " + v); } };
var proto2 = { p: "bad", f: function () { return "f bad"; }, set q(v) { log.push("proto2 q " + v); } };
function key(name) {
  return { toString: function () { log.push("toString " + name); Object.setPrototypeOf(obj, proto2); return name; } };
}
var obj = {
  __proto__: proto,
  get() { return super[key("p")]; },
  call() { return super[key("f")](); },
  put() { super[key("q")] = 1; },
  add(k) { return super[k] += 1; },
};
function reset() { Object.setPrototypeOf(obj, proto); log = []; }
reset();
assert.sameValue(obj.get(), "ok", "get");
reset();
assert.sameValue(obj.call(), "f ok", "call");
reset();
obj.put();
assert.sameValue(log.join(), "toString q,proto q 1", "plain store");
reset();
proto.n = 1;
var count = 0;
assert.sameValue(obj.add({ toString: function () { count++; return "n"; } }), 2, "compound");
assert.sameValue(count, 1, "a compound assignment converts the key once");
var home = { m() { return super[{ toString: function () { throw new Error("not reached"); } }]; } };
Object.setPrototypeOf(home, null);
assert.throws(TypeError, function () { home.m(); }, "a null super base throws before ToPropertyKey");
