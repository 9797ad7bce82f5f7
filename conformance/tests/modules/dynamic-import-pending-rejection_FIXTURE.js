// snapvm conformance fixture (MIT)
await new Promise(function (resolve) { setTimeout(resolve, 20); });
throw new RangeError('fixture failed after a timer');
