// Bubble sort of 3000 pseudo-random numbers: array reads and writes, about 4.5 M compares.
function makeNumbers(n) {
  var seed = 12345;
  var numbers = [];
  for (var i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    numbers.push(seed % 100000);
  }
  return numbers;
}

function bubbleSort(a) {
  var n = a.length;
  for (var i = 0; i < n - 1; i++) {
    for (var j = 0; j < n - 1 - i; j++) {
      if (a[j] > a[j + 1]) {
        var t = a[j];
        a[j] = a[j + 1];
        a[j + 1] = t;
      }
    }
  }
  return a;
}

function benchRun() {
  var a = bubbleSort(makeNumbers(3000));
  for (var i = 1; i < a.length; i++) {
    if (a[i - 1] > a[i]) throw new Error('not sorted at ' + i);
  }
  return a[0] + ',' + a[1500] + ',' + a[2999];
}
