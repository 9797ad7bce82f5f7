// snapvm conformance fixture (MIT)
pendingLog.push('fixture start');
await new Promise(function (resolve) { setTimeout(resolve, 30); });
pendingLog.push('fixture end');
export var value = 'done';
