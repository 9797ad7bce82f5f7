// snapvm conformance test (MIT)
/*---
description: Function name and length follow the spec for every syntactic form.
---*/
var anon = function () {};
var arrow = () => {};
let named = function inner() {};
var sym = Symbol('desc');
var o = { m() {}, [sym]() {}, get g() { return 1; }, ['comp' + 'uted']: function () {}, 0: () => {} };
class C { static st() {} #priv() {} static getPriv() { return new C().#priv; } }
assert.sameValue(anon.name, 'anon');
assert.sameValue(arrow.name, 'arrow');
assert.sameValue(named.name, 'inner');
assert.sameValue(o.m.name, 'm');
assert.sameValue(o[sym].name, '[desc]');
assert.sameValue(Object.getOwnPropertyDescriptor(o, 'g').get.name, 'get g');
assert.sameValue(o.computed.name, 'computed');
assert.sameValue(o[0].name, '0');
assert.sameValue(C.st.name, 'st');
assert.sameValue(C.getPriv().name, '#priv');
assert.sameValue((function (a, b = 1, c) {}).length, 1);
assert.sameValue((function (...rest) {}).length, 0);
assert.sameValue((function ({ a }, [b]) {}).length, 2);
var d = Object.getOwnPropertyDescriptor(anon, 'name');
assert.sameValue(d.writable, false);
assert.sameValue(d.configurable, true);
