// snapvm conformance test (MIT)
/*---
description: A guest Error.prepareStackTrace formats stacks from call sites (V8's API, used by common libraries).
---*/
var seen;
Error.prepareStackTrace = function (error, callSites) {
  seen = { error: error, sites: callSites };
  return 'custom ' + error.message + ' ' + callSites.length;
};
function named() { return new Error('msg'); }
var e = named();
var stack = e.stack;
assert.sameValue(seen.error, e);
assert(Array.isArray(seen.sites), 'call sites come as an array');
assert.sameValue(stack, 'custom msg ' + seen.sites.length);
var top = seen.sites[0];
assert.sameValue(top.getFunctionName(), 'named');
assert.sameValue(typeof top.getLineNumber(), 'number');
assert.sameValue(typeof top.getColumnNumber(), 'number');
assert(String(top.getFileName()).indexOf('prepare-stack-trace.js') >= 0, 'file name: ' + top.getFileName());
Error.prepareStackTrace = undefined;
assert(/^Error: again\n    at /.test(new Error('again').stack), 'removing the hook restores the default format');
