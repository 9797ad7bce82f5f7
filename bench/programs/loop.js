// A 5 M-step counting loop: locals, arithmetic, a compare and a branch per step.
function benchRun() {
  var sum = 0;
  for (var i = 0; i < 5000000; i++) {
    sum = (sum + (i & 255) * 3) | 0;
  }
  return sum;
}
