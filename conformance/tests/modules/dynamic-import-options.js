// snapvm conformance test (MIT)
/*---
description: >
  import()'s second argument: evaluated after the specifier, before any loading; a non-object, a
  non-object `with` or a non-string attribute value rejects with a TypeError; an unknown attribute key
  with a SyntaxError; an empty `with` loads the module.
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
asyncTest(async function () {
  var log = [];
  var p = import((log.push('specifier'), './dynamic-import_FIXTURE.js'), (log.push('options'), undefined));
  assert.compareArray(log, ['specifier', 'options']);
  assert.sameValue((await p).answer, 42);
  async function reason(promise) {
    try {
      await promise;
    } catch (e) {
      return e.constructor;
    }
    return 'fulfilled';
  }
  assert.sameValue(await reason(import('./dynamic-import_FIXTURE.js', 1)), TypeError, 'options 1');
  assert.sameValue(await reason(import('./dynamic-import_FIXTURE.js', { with: 'json' })), TypeError, 'with: a string');
  assert.sameValue(await reason(import('./dynamic-import_FIXTURE.js', { with: { type: 1 } })), TypeError, 'a number value');
  assert.sameValue(await reason(import('./dynamic-import_FIXTURE.js', { with: { colour: 'red' } })), SyntaxError, 'an unknown key');
  var got = await import('./dynamic-import_FIXTURE.js', { with: {} });
  assert.sameValue(got.answer, 42);
  var seen = [];
  var options = { get with() { seen.push('with'); return undefined; } };
  await import('./dynamic-import_FIXTURE.js', options);
  assert.compareArray(seen, ['with'], 'with is read once');
});
