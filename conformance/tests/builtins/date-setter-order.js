// snapvm conformance test (MIT)
/*---
description: >
  Date.prototype setters read the date value first, then convert every argument present in order,
  even for an invalid date (ES2025; src/interpreter/builtins/date-setters.ts).
---*/
var log = [];
function arg(name, v) { return { valueOf: function () { log.push(name); return v; } }; }
var invalid = new Date(NaN);
assert.sameValue(invalid.setUTCHours(arg("h", 1), arg("m", 2), arg("s", 3), arg("ms", 4)), NaN);
assert.sameValue(log.join(), "h,m,s,ms", "all four converted for an invalid date");
log = [];
assert.sameValue(invalid.setMonth(arg("mo", 1), arg("d", 2)), NaN);
assert.sameValue(log.join(), "mo,d");
assert.sameValue(invalid.getTime(), NaN, "an invalid date stays invalid");

var d = new Date(0);
var changer = { valueOf: function () { d.setTime(1000 * 60 * 60 * 24 * 365); return 5; } };
d.setUTCSeconds(changer);
assert.sameValue(d.getTime(), 5000, "the date value is read before ToNumber of the arguments");

var y = new Date(NaN);
y.setUTCFullYear(2000, arg("m", 0));
assert.sameValue(y.getTime(), Date.UTC(2000, 0, 1), "setUTCFullYear starts an invalid date from +0");
var e;
try { Date.prototype.setHours.call({}, 1); } catch (x) { e = x; }
assert(e instanceof TypeError, "a non-Date this is a TypeError");
assert.sameValue(Date.prototype.setUTCHours.length, 4);
assert.sameValue(Date.prototype.setMonth.name, "setMonth");
