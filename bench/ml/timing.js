// What the overhead benches share: time spent inside onnxruntime's InferenceSession.run (call →
// settled), counted for both sides, so that what a call costs beyond it — the API's own overhead,
// which a loaded machine's noise does not hide — can be told apart.
const ort = require('onnxruntime-node');

const now = () => Number(process.hrtime.bigint()) / 1e6;
let insideOrt = 0;
{
  const proto = ort.InferenceSession.prototype;
  const run = proto.run;
  proto.run = async function (...args) {
    const t0 = now();
    try {
      return await run.apply(this, args);
    } finally {
      insideOrt += now() - t0;
    }
  };
}

/** Per call: the side's time, and its time outside onnxruntime's run. */
async function timed(side, calls) {
  const before = insideOrt;
  const perCall = await side(calls);
  return { perCall, outside: perCall - (insideOrt - before) / calls };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

module.exports = { now, timed, median, pause };
