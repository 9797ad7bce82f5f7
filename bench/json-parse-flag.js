// V8's JSON.parse with and without --harmony-json-parse-with-source (which the guest realm turns on in
// Node 20, interpreter/realm.ts): CPU ms of 10 parses of a ~6 MB document, plain and with a reviver.
// Run:  for i in 1 2 3 4 5; do node bench/json-parse-flag.js rev; node --harmony-json-parse-with-source bench/json-parse-flag.js rev; done
const arr = [];
for (let i = 0; i < 100000; i++) arr.push({ id: i, name: 'item' + i, v: i * 1.5, tags: ['a', 'b'], ok: i % 2 === 0 });
const text = JSON.stringify(arr);
const reviver = process.argv[2] === 'rev';
const t0 = process.cpuUsage();
for (let k = 0; k < 10; k++) reviver ? JSON.parse(text, (_k, v) => v) : JSON.parse(text);
const u = process.cpuUsage(t0);
console.log(((u.user + u.system) / 1000).toFixed(0));
