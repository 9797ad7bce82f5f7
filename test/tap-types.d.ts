// `Tap.Test`: the type of a tap test (`t` in a `t.test` callback), as the test files name it (tap
// declares it as the global `tap.Test`). Type-checked with the tests by tsconfig.test.json.
declare namespace Tap {
  type Test = tap.Test;
}
