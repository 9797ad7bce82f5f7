// Closures: counters, composed functions, and callbacks passed to Array.prototype methods.
function makeCounter(step) {
  var count = 0;
  return function () {
    count += step;
    return count;
  };
}

function compose(f, g) {
  return function (x) {
    return f(g(x));
  };
}

function makeAdder(n) {
  return function (x) {
    return x + n;
  };
}

function benchRun() {
  var total = 0;
  for (var round = 0; round < 200; round++) {
    var counters = [];
    for (var i = 0; i < 50; i++) counters.push(makeCounter(i));
    for (var j = 0; j < 20; j++) {
      for (var c = 0; c < counters.length; c++) total = (total + counters[c]()) | 0;
    }
    var f = makeAdder(1);
    for (var k = 2; k < 12; k++) f = compose(f, makeAdder(k));
    var values = [];
    for (var v = 0; v < 200; v++) values.push(v);
    var mapped = values.map(f).filter(function (x) {
      return x % 2 === 0;
    });
    total = (total + mapped.reduce(function (acc, x) {
      return acc + x;
    }, 0)) | 0;
  }
  return total;
}
