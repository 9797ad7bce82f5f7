// Recursive calls: fib(27), about 630 000 calls per run.
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function benchRun() {
  return fib(27);
}
