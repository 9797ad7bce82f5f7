// WebNN for guest code on onnxruntime-node (CPU): each operation against a reference written in
// plain guest JavaScript or hand-computed values, errors as the spec names them, MLTensor dispatch
// order, a small CNN built through WebNN against the same ONNX model run directly. Every case also
// runs through snapshot → restore → the same case again in the restored engine.
import t from 'tap';
import { Engine } from '../src/index';
import { webnnService, GraphBuilder, ort, float } from '../src/ml/index';

async function runGuest(code: string, globals: Record<string, Float32Array> = {}, notes: string[] = [], engine?: Engine): Promise<unknown> {
  // a restored engine has the prelude's helpers already (they came back with the snapshot)
  const prelude = engine ? '' : PRELUDE;
  engine ??= new Engine({ services: [webnnService({ onNote: (l) => notes.push(l) })], onConsole: () => {} });
  const g = engine.realm.global as any;
  for (const [k, v] of Object.entries(globals)) g[k] = new g.Float32Array(v);
  engine.evaluateScript(
    `${prelude}\nvar result = 'not set'; (async () => { ${code} })().then((v) => { result = v; }, (e) => { result = 'rejected: ' + (e && e.name) + ': ' + (e && e.message); });`,
    'case.js',
  );
  await engine.runEventLoop();
  return engine.evaluateScript('result', 'read.js');
}

/** The case once, then snapshot → restore → the same case again in the restored engine. */
async function runThroughSnapshot(code: string): Promise<unknown[]> {
  const engine = new Engine({ services: [webnnService()], onConsole: () => {} });
  engine.evaluateScript(PRELUDE, 'prelude.js');
  const first = await runGuest(code, {}, [], engine);
  const restored = Engine.restore(engine.snapshot().code, { services: [webnnService()], onConsole: () => {} });
  return [first, restored.evaluateScript('result', 'read.js'), await runGuest(code, {}, [], restored)];
}

/** Guest helpers: build-and-compute, and reference operations in plain JavaScript (NCHW, OIHW). */
const PRELUDE = `
const ARRAYS = { float32: Float32Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, int8: Int8Array, uint8: Uint8Array };
const prod = (s) => s.reduce((a, b) => a * b, 1);
const seq = (n, k = 0.37, p = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + p));
const f32 = (shape) => ({ dataType: 'float32', shape });
async function compute(build) {
  const ctx = await navigator.ml.createContext();
  const b = new MLGraphBuilder(ctx);
  const { outputs, feeds } = build(b);
  const g = await b.build(outputs);
  const res = {};
  for (const k of Object.keys(outputs)) res[k] = new ARRAYS[outputs[k].dataType](prod(outputs[k].shape));
  await ctx.compute(g, feeds || {}, res);
  return res;
}
function maxDiff(a, b) {
  if (a.length !== b.length) return 'lengths ' + a.length + ' and ' + b.length;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const near = (a, b, eps = 1e-5) => { const d = maxDiff(a, b); return typeof d === 'number' && d <= eps ? 'ok' : 'differs by ' + d; };
const show = (a) => Array.from(a, (v) => Math.round(v * 1e4) / 1e4).join(' ');
function transposeRef(x, shape, perm) {
  const out = new Float32Array(x.length);
  const oshape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => prod(shape.slice(i + 1)));
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < x.length; o++) {
    let r = o, src = 0;
    for (let d = oshape.length - 1; d >= 0; d--) { const c = r % oshape[d]; r = (r - c) / oshape[d]; src += c * strides[perm[d]]; }
    out[o] = x[src];
  }
  return out;
}
function conv2dRef(x, [N, C, H, W], w, [O, I, KH, KW], { pad = [0, 0, 0, 0], stride = [1, 1], dil = [1, 1], groups = 1, bias = null } = {}) {
  const OH = Math.floor((H + pad[0] + pad[1] - ((KH - 1) * dil[0] + 1)) / stride[0]) + 1;
  const OW = Math.floor((W + pad[2] + pad[3] - ((KW - 1) * dil[1] + 1)) / stride[1]) + 1;
  const out = new Float32Array(N * O * OH * OW);
  const og = O / groups;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    let s = bias ? bias[o] : 0;
    const g = Math.floor(o / og);
    for (let c = 0; c < I; c++) for (let u = 0; u < KH; u++) for (let v = 0; v < KW; v++) {
      const y = i * stride[0] - pad[0] + u * dil[0], z = j * stride[1] - pad[2] + v * dil[1];
      if (y < 0 || y >= H || z < 0 || z >= W) continue;
      s += x[((n * C + g * I + c) * H + y) * W + z] * w[((o * I + c) * KH + u) * KW + v];
    }
    out[((n * O + o) * OH + i) * OW + j] = s;
  }
  return { data: out, shape: [N, O, OH, OW] };
}
function convTransposeRef(x, [N, C, H, W], w, [I, OG, KH, KW], { pad = [0, 0, 0, 0], stride = [1, 1], dil = [1, 1], outPad = [0, 0], groups = 1 } = {}) {
  const OH = (H - 1) * stride[0] + (KH - 1) * dil[0] + 1 - pad[0] - pad[1] + outPad[0];
  const OW = (W - 1) * stride[1] + (KW - 1) * dil[1] + 1 - pad[2] - pad[3] + outPad[1];
  const O = OG * groups, cg = C / groups;
  const out = new Float32Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const g = Math.floor(c / cg);
    for (let oc = 0; oc < OG; oc++) for (let u = 0; u < KH; u++) for (let v = 0; v < KW; v++) {
      const y = i * stride[0] - pad[0] + u * dil[0], z = j * stride[1] - pad[2] + v * dil[1];
      if (y < 0 || y >= OH || z < 0 || z >= OW) continue;
      out[((n * O + g * OG + oc) * OH + y) * OW + z] += x[((n * C + c) * H + i) * W + j] * w[((c * OG + oc) * KH + u) * KW + v];
    }
  }
  return { data: out, shape: [N, O, OH, OW] };
}
function poolRef(kind, x, [N, C, H, W], { win, pad = [0, 0, 0, 0], stride = [1, 1], dil = [1, 1], ceil = false }) {
  const r = ceil ? Math.ceil : Math.floor;
  const OH = r((H + pad[0] + pad[1] - ((win[0] - 1) * dil[0] + 1)) / stride[0]) + 1;
  const OW = r((W + pad[2] + pad[3] - ((win[1] - 1) * dil[1] + 1)) / stride[1]) + 1;
  const out = new Float32Array(N * C * OH * OW);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    let m = -Infinity, s = 0, k = 0;
    for (let u = 0; u < win[0]; u++) for (let v = 0; v < win[1]; v++) {
      const y = i * stride[0] - pad[0] + u * dil[0], z = j * stride[1] - pad[2] + v * dil[1];
      if (y < 0 || y >= H || z < 0 || z >= W) continue;
      const e = x[((n * C + c) * H + y) * W + z];
      m = Math.max(m, e); s += e; k++;
    }
    out[((n * C + c) * OH + i) * OW + j] = kind === 'max' ? m : s / k;
  }
  return { data: out, shape: [N, C, OH, OW] };
}
function matmulRef(a, [M, K], b, [K2, N]) {
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { let s = 0; for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j]; out[i * N + j] = s; }
  return out;
}
`;

const cases: { name: string; code: string; expected: unknown }[] = [
  {
    name: 'element-wise binary operations with broadcasting',
    code: `
      const r = await compute((b) => {
        const x = b.input('x', f32([2, 3])), y = b.input('y', f32([3]));
        return { outputs: { add: b.add(x, y), sub: b.sub(x, y), mul: b.mul(x, y), div: b.div(x, y), max: b.max(x, y), min: b.min(x, y), pow: b.pow(x, b.constant('float32', 2)) },
          feeds: { x: new Float32Array([1, 2, 3, 4, 5, 6]), y: new Float32Array([2, 4, 8]) } };
      });
      return Object.keys(r).map((k) => k + ':' + show(r[k])).join('|');`,
    expected: 'add:3 6 11 6 9 14|sub:-1 -2 -5 2 1 -2|mul:2 8 24 8 20 48|div:0.5 0.5 0.375 2 1.25 0.75|max:2 4 8 4 5 8|min:1 2 3 2 4 6|pow:1 4 9 16 25 36',
  },
  {
    name: 'relu, sigmoid, tanh, gelu',
    code: `
      const xs = [-2, -1, 0, 0.5, 1, 3];
      const r = await compute((b) => { const x = b.input('x', f32([6])); return { outputs: { relu: b.relu(x), sigmoid: b.sigmoid(x), tanh: b.tanh(x), gelu: b.gelu(x) }, feeds: { x: new Float32Array(xs) } }; });
      return [near(r.relu, xs.map((v) => Math.max(v, 0))), near(r.sigmoid, xs.map((v) => 1 / (1 + Math.exp(-v)))), near(r.tanh, xs.map(Math.tanh)),
        near(r.gelu, [-0.0455003, -0.1586553, 0, 0.3457312, 0.8413447, 2.9959502])].join();`,
    expected: 'ok,ok,ok,ok',
  },
  {
    name: 'softmax along an axis',
    code: `
      const x = seq(12);
      const r = await compute((b) => { const i = b.input('x', f32([3, 4])); return { outputs: { last: b.softmax(i, 1), first: b.softmax(i, 0) }, feeds: { x } }; });
      const want = (axis) => { const out = new Float32Array(12);
        for (let k = 0; k < (axis ? 3 : 4); k++) { const at = (j) => axis ? k * 4 + j : j * 4 + k; const n = axis ? 4 : 3;
          let s = 0; for (let j = 0; j < n; j++) s += Math.exp(x[at(j)]); for (let j = 0; j < n; j++) out[at(j)] = Math.exp(x[at(j)]) / s; }
        return out; };
      return near(r.last, want(1)) + ',' + near(r.first, want(0));`,
    expected: 'ok,ok',
  },
  {
    name: 'conv2d: padding, strides, dilations, groups, bias; nchw/oihw against nhwc/hwio/ohwi/ihwo',
    code: `
      const x = seq(2 * 4 * 7 * 6), w = seq(6 * 2 * 3 * 3, 0.71, 1), bias = new Float32Array([0.1, -0.2, 0.3, 0, 1, -1]);
      const opts = { padding: [1, 2, 0, 1], strides: [2, 1], dilations: [1, 2], groups: 2 };
      const ref = conv2dRef(x, [2, 4, 7, 6], w, [6, 2, 3, 3], { pad: opts.padding, stride: opts.strides, dil: opts.dilations, groups: 2, bias });
      const out = [];
      for (const [layout, perm] of [['oihw', null], ['hwio', [2, 3, 1, 0]], ['ohwi', [0, 2, 3, 1]], ['ihwo', [1, 2, 3, 0]]]) {
        const wshape = perm ? perm.map((p) => [6, 2, 3, 3][p]) : [6, 2, 3, 3];
        const wdata = perm ? transposeRef(w, [6, 2, 3, 3], perm) : w;
        const nhwc = layout !== 'oihw';
        const r = await compute((b) => {
          const i = b.input('x', f32(nhwc ? [2, 7, 6, 4] : [2, 4, 7, 6]));
          const y = b.conv2d(i, b.constant(f32(wshape), wdata), { ...opts, inputLayout: nhwc ? 'nhwc' : 'nchw', filterLayout: layout, bias: b.constant(f32([6]), bias) });
          out.push(y.shape.join('x'));
          return { outputs: { y }, feeds: { x: nhwc ? transposeRef(x, [2, 4, 7, 6], [0, 2, 3, 1]) : x } };
        });
        out.push(near(nhwc ? transposeRef(r.y, [2, ...ref.shape.slice(2), 6], [0, 3, 1, 2]) : r.y, ref.data, 1e-4));
      }
      return out.join(' ');`,
    expected: '2x6x4x3 ok 2x4x3x6 ok 2x4x3x6 ok 2x4x3x6 ok',
  },
  {
    name: 'convTranspose2d: strides, padding, outputPadding / outputSizes, groups, layouts',
    code: `
      const x = seq(1 * 4 * 3 * 3), w = seq(4 * 3 * 2 * 3, 0.53, 2);
      const o = { pad: [1, 0, 0, 1], stride: [2, 3], dil: [1, 1], outPad: [1, 2], groups: 2 };
      const ref = convTransposeRef(x, [1, 4, 3, 3], w, [4, 3, 2, 3], o);
      const r = await compute((b) => {
        const i = b.input('x', f32([1, 4, 3, 3]));
        const f = b.constant(f32([4, 3, 2, 3]), w);
        const a = b.convTranspose2d(i, f, { padding: o.pad, strides: o.stride, outputPadding: o.outPad, groups: 2 });
        const s = b.convTranspose2d(i, f, { padding: o.pad, strides: o.stride, outputSizes: ref.shape.slice(2), groups: 2 });
        const hwoi = b.convTranspose2d(b.transpose(i, { permutation: [0, 2, 3, 1] }), b.constant(f32([2, 3, 3, 4]), transposeRef(w, [4, 3, 2, 3], [2, 3, 1, 0])),
          { padding: o.pad, strides: o.stride, outputPadding: o.outPad, groups: 2, inputLayout: 'nhwc', filterLayout: 'hwoi' });
        return { outputs: { a, s, hwoi }, feeds: { x } };
      });
      return [ref.shape.join('x'), near(r.a, ref.data, 1e-4), near(r.s, ref.data, 1e-4), near(transposeRef(r.hwoi, [1, ...ref.shape.slice(2), 6], [0, 3, 1, 2]), ref.data, 1e-4)].join(' ');`,
    expected: '1x6x6x10 ok ok ok',
  },
  {
    name: 'maxPool2d / averagePool2d: windows, padding, strides, dilations, ceil rounding, nhwc, global',
    code: `
      const x = seq(2 * 3 * 7 * 8);
      const o = { windowDimensions: [3, 3], padding: [1, 1, 0, 0], strides: [2, 2], roundingType: 'ceil' };
      const refMax = poolRef('max', x, [2, 3, 7, 8], { win: [3, 3], pad: [1, 1, 0, 0], stride: [2, 2], ceil: true });
      const refAvg = poolRef('avg', x, [2, 3, 7, 8], { win: [3, 3], pad: [1, 1, 0, 0], stride: [2, 2], ceil: true });
      const refDil = poolRef('max', x, [2, 3, 7, 8], { win: [2, 2], dil: [2, 3] });
      const refAvgDil = poolRef('avg', x, [2, 3, 7, 8], { win: [2, 2], dil: [2, 3] });
      const refGlobal = poolRef('avg', x, [2, 3, 7, 8], { win: [7, 8] });
      const r = await compute((b) => {
        const i = b.input('x', f32([2, 3, 7, 8]));
        return { outputs: { max: b.maxPool2d(i, o), avg: b.averagePool2d(i, o), dil: b.maxPool2d(i, { windowDimensions: [2, 2], dilations: [2, 3] }),
          avgDil: b.averagePool2d(i, { windowDimensions: [2, 2], dilations: [2, 3] }), global: b.averagePool2d(i),
          nhwc: b.maxPool2d(b.transpose(i, { permutation: [0, 2, 3, 1] }), { ...o, layout: 'nhwc' }),
          sized: b.averagePool2d(i, { windowDimensions: [3, 3], padding: [1, 1, 0, 0], strides: [2, 2], outputSizes: refAvg.shape.slice(2) }) }, feeds: { x } };
      });
      return [refMax.shape.join('x'), near(r.max, refMax.data), near(r.avg, refAvg.data), near(r.dil, refDil.data), near(r.avgDil, refAvgDil.data), near(r.global, refGlobal.data),
        near(transposeRef(r.nhwc, [2, 4, 4, 3], [0, 3, 1, 2]), refMax.data), near(r.sized, refAvg.data)].join(' ');`,
    expected: '2x3x4x4 ok ok ok ok ok ok ok',
  },
  {
    name: 'matmul (batched, broadcast) and gemm (transposes, alpha, beta, c)',
    code: `
      const a = seq(2 * 3 * 4), bm = seq(4 * 5, 0.9, 1), c = seq(5, 1.3, 2);
      const r = await compute((b) => {
        const A = b.input('a', f32([2, 3, 4])), B = b.constant(f32([4, 5]), bm);
        const a2 = b.reshape(A, [6, 4]);
        return { outputs: { mm: b.matmul(A, B), gemm: b.gemm(b.transpose(a2), b.transpose(B), { aTranspose: true, bTranspose: true, alpha: 2, beta: 0.5, c: b.constant(f32([5]), c) }) }, feeds: { a } };
      });
      const ref = new Float32Array(30);
      ref.set(matmulRef(a.subarray(0, 12), [3, 4], bm, [4, 5]), 0); ref.set(matmulRef(a.subarray(12), [3, 4], bm, [4, 5]), 15);
      const g = Float32Array.from(ref, (v, i) => 2 * v + 0.5 * c[i % 5]);
      return near(r.mm, ref) + ' ' + near(r.gemm, g);`,
    expected: 'ok ok',
  },
  {
    name: 'batchNormalization (axis 1 and a last axis, scale/bias optional) and layerNormalization (default and unsorted axes)',
    code: `
      const x = seq(2 * 3 * 4), mean = new Float32Array([0.1, -0.2, 0.3]), variance = new Float32Array([1, 0.5, 2]), scale = new Float32Array([1, 2, 3]), bias = new Float32Array([0, 1, -1]);
      const r = await compute((b) => {
        const i = b.input('x', f32([2, 3, 4]));
        const k = (v, n = 3) => b.constant(f32([n]), v);
        return { outputs: {
          bn: b.batchNormalization(i, k(mean), k(variance), { scale: k(scale), bias: k(bias), epsilon: 1e-3 }),
          bnPlain: b.batchNormalization(i, k(mean), k(variance)),
          bnLast: b.batchNormalization(b.transpose(i, { permutation: [0, 2, 1] }), k(mean), k(variance), { axis: 2, scale: k(scale) }),
          ln: b.layerNormalization(i, { scale: b.constant(f32([3, 4]), seq(12, 0.2, 1)), bias: b.constant(f32([3, 4]), seq(12, 0.3, 2)) }),
          ln2: b.layerNormalization(i, { axes: [2, 0], scale: b.constant(f32([4, 2]), seq(8, 0.4, 1)), epsilon: 0.01 }),
        }, feeds: { x } };
      });
      const bn = (eps, sc, bi) => Float32Array.from(x, (v, j) => { const c = Math.floor(j / 4) % 3; return (v - mean[c]) / Math.sqrt(variance[c] + eps) * (sc ? sc[c] : 1) + (bi ? bi[c] : 0); });
      const ln = new Float32Array(24), ls = seq(12, 0.2, 1), lb = seq(12, 0.3, 2);
      for (let n = 0; n < 2; n++) { const s = x.subarray(n * 12, n * 12 + 12); const m = s.reduce((p, q) => p + q) / 12; const v = s.reduce((p, q) => p + (q - m) ** 2, 0) / 12;
        for (let j = 0; j < 12; j++) ln[n * 12 + j] = (s[j] - m) / Math.sqrt(v + 1e-5) * ls[j] + lb[j]; }
      const ln2 = new Float32Array(24), s2 = seq(8, 0.4, 1);
      for (let c = 0; c < 3; c++) { const idx = []; for (let n = 0; n < 2; n++) for (let w = 0; w < 4; w++) idx.push([n, w]);
        const vals = idx.map(([n, w]) => x[n * 12 + c * 4 + w]); const m = vals.reduce((p, q) => p + q) / 8; const v = vals.reduce((p, q) => p + (q - m) ** 2, 0) / 8;
        idx.forEach(([n, w], k) => { ln2[n * 12 + c * 4 + w] = (vals[k] - m) / Math.sqrt(v + 0.01) * s2[w * 2 + n]; }); }
      return [near(r.bn, bn(1e-3, scale, bias)), near(r.bnPlain, bn(1e-5)), near(transposeRef(r.bnLast, [2, 4, 3], [0, 2, 1]), bn(1e-5, scale)), near(r.ln, ln), near(r.ln2, ln2)].join(' ');`,
    expected: 'ok ok ok ok ok',
  },
  {
    name: 'reshape, transpose, concat, slice (strides), split (count and sizes), clamp',
    code: `
      const x = Float32Array.from({ length: 24 }, (_, i) => i);
      const r = await compute((b) => {
        const i = b.input('x', f32([2, 3, 4]));
        const [p, q] = b.split(i, 2, { axis: 2 });
        const parts = b.split(i, [1, 2], { axis: 1 });
        return { outputs: { reshape: b.reshape(i, [4, 6]), transpose: b.transpose(b.reshape(i, [4, 6])), perm: b.transpose(i, { permutation: [1, 0, 2] }),
          concat: b.concat([b.reshape(p, [2, 6]), b.reshape(q, [2, 6])], 0), slice: b.slice(i, [1, 0, 1], [1, 3, 3], { strides: [1, 2, 2] }),
          split1: parts[1], clamp: b.clamp(i, { minValue: 3, maxValue: 20.5 }), clampLow: b.clamp(b.sub(i, b.constant('float32', 10)), { maxValue: 0 }) }, feeds: { x } };
      });
      return Object.keys(r).map((k) => k + ':' + show(r[k])).join('|');`,
    expected:
      'reshape:0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23|transpose:0 6 12 18 1 7 13 19 2 8 14 20 3 9 15 21 4 10 16 22 5 11 17 23|' +
      'perm:0 1 2 3 12 13 14 15 4 5 6 7 16 17 18 19 8 9 10 11 20 21 22 23|concat:0 1 4 5 8 9 12 13 16 17 20 21 2 3 6 7 10 11 14 15 18 19 22 23|slice:13 15 21 23|' +
      'split1:4 5 6 7 8 9 10 11 16 17 18 19 20 21 22 23|clamp:3 3 3 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 20.5 20.5 20.5|clampLow:-10 -9 -8 -7 -6 -5 -4 -3 -2 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
  },
  {
    name: 'resample2d: nearest-neighbor by scales, linear by sizes, axes [1, 2]',
    code: `
      const x = new Float32Array([1, 2, 3, 4]);
      const r = await compute((b) => {
        const i = b.input('x', f32([1, 1, 2, 2]));
        return { outputs: { nearest: b.resample2d(i, { scales: [2, 2] }), linear: b.resample2d(i, { mode: 'linear', sizes: [4, 4] }),
          axes: b.resample2d(b.reshape(i, [1, 2, 2, 1]), { scales: [1, 2], axes: [1, 2] }) }, feeds: { x } };
      });
      return Object.keys(r).map((k) => k + ':' + show(r[k])).join('|');`,
    expected: 'nearest:1 1 2 2 1 1 2 2 3 3 4 4 3 3 4 4|linear:1 1.25 1.75 2 1.5 1.75 2.25 2.5 2.5 2.75 3.25 3.5 3 3.25 3.75 4|axes:1 1 2 2 3 3 4 4',
  },
  {
    name: 'integer operands: int32 add, int64 constants, uint8 clamp',
    code: `
      const r = await compute((b) => {
        const i = b.input('i', { dataType: 'int32', shape: [3] });
        const l = b.constant({ dataType: 'int64', shape: [2] }, new BigInt64Array([5n, -7n]));
        return { outputs: { i: b.add(i, b.constant('int32', 10)), l: b.mul(l, b.constant('int64', 3)), u: b.clamp(b.input('u', { dataType: 'uint8', shape: [3] }), { minValue: 10, maxValue: 200 }) },
          feeds: { i: new Int32Array([1, -2, 3]), u: new Uint8Array([0, 100, 255]) } };
      });
      return [Array.from(r.i).join(), Array.from(r.l).join(), Array.from(r.u).join()].join('|');`,
    expected: '11,8,13|15,-21|10,100,200',
  },
  {
    name: 'MLTensor: dispatch in order with writes, readTensor into a view, the operand and tensor attributes',
    code: `
      const ctx = await navigator.ml.createContext({ deviceType: 'cpu' });
      const b = new MLGraphBuilder(ctx);
      const x = b.input('x', f32([2, 2]));
      const y = b.matmul(x, b.constant(f32([2, 2]), new Float32Array([0, 1, 1, 0])));
      const g = await b.build({ y });
      const tx = await ctx.createTensor({ dataType: 'float32', shape: [2, 2], writable: true });
      const ty = await ctx.createTensor({ dataType: 'float32', shape: [2, 2], readable: true });
      const out = [x.dataType, y.shape.join('x'), tx.writable, tx.readable, ty.readable, ty.shape.join('x'), Object.prototype.toString.call(g)];
      ctx.writeTensor(tx, new Float32Array([1, 2, 3, 4]));
      ctx.dispatch(g, { x: tx }, { y: ty });
      const first = ctx.readTensor(ty);
      ctx.writeTensor(tx, new Float32Array([5, 6, 7, 8]).buffer);
      ctx.dispatch(g, { x: tx }, { y: ty });
      const view = new Float32Array(4);
      const second = ctx.readTensor(ty, view);
      out.push(Array.from(new Float32Array(await first)).join(), String(await second), Array.from(view).join());
      return out.join('|');`,
    expected: 'float32|2x2|true|false|true|2x2|[object Object]|2,1,4,3|undefined|6,5,8,7',
  },
  {
    name: 'errors: TypeErrors naming what was wrong',
    code: `
      const ctx = await navigator.ml.createContext();
      const b = new MLGraphBuilder(ctx);
      const x = b.input('x', f32([2, 3]));
      const other = new MLGraphBuilder(ctx).input('x', f32([2, 3]));
      const tries = [
        () => b.add(x, b.input('y', f32([4]))),
        () => b.input('x', f32([1])),
        () => b.input('z', { dataType: 'float64', shape: [1] }),
        () => b.conv2d(x, x),
        () => b.reshape(x, [4, 2]),
        () => b.add(x, other),
        () => b.constant(f32([2]), new Float32Array(3)),
        () => b.constant(f32([2]), new Int32Array(2)),
        () => b.transpose(x, { permutation: [0, 0] }),
        () => b.split(x, 4, { axis: 1 }),
        () => b.maxPool2d(b.input('p', f32([1, 1, 2, 2])), { windowDimensions: [3, 3] }),
        () => b.softmax(x, 2),
        () => new MLGraphBuilder({}),
        () => MLGraphBuilder(ctx),
        () => b.constant('int64', NaN),
      ];
      const out = tries.map((f) => { try { f(); return 'no error'; } catch (e) { return (e instanceof TypeError ? '' : 'NOT A TypeError ') + e.message; } });
      const g = await b.build({ y: b.relu(x) });
      out.push(await ctx.compute(g, { x: new Float32Array(5) }, { y: new Float32Array(6) }).then(() => 'no error', (e) => e.message));
      out.push(await ctx.compute(g, {}, { y: new Float32Array(6) }).then(() => 'no error', (e) => e.message));
      out.push(await b.build({ y: x }).then(() => 'no error', (e) => e.name + ': ' + e.message));
      const gone = await ctx.createTensor({ dataType: 'float32', shape: [2], readable: true });
      gone.destroy();
      out.push(await ctx.readTensor(gone).then(() => 'no error', (e) => e.name + ': ' + e.message));
      out.push(await navigator.ml.createContext({ deviceType: 'tpu' }).then(() => 'no error', (e) => e.message));
      return out.join('\\n');`,
    expected: [
      'add: shapes [2,3] and [4] do not broadcast',
      "input: an input named 'x' exists already",
      "input('z'): dataType 'float64' is not an MLOperandDataType",
      'conv2d: input and filter must be 4-D (shapes [2,3] and [2,3])',
      'reshape: [2,3] has 6 elements, [4,2] holds 8',
      'add: b comes from another MLGraphBuilder',
      'constant: 12 bytes given, the float32 tensor holds 8',
      'constant: a float32 tensor takes a Float32Array, not a Int32Array',
      'transpose: [0,0] is not a permutation of 2 axes',
      'split: 4 does not divide axis 1 of size 3',
      'maxPool2d: window [3,3] does not fit the input [2, 2]',
      'softmax: axis 2 is not in [0, 2)',
      "MLGraphBuilder's argument is not an MLContext",
      "Failed to construct 'MLGraphBuilder': use new",
      'constant: NaN is not a valid int64 value',
      "compute: inputs['x']: 20 bytes given, the float32 tensor holds 24",
      "compute: inputs: 'x' is missing",
      'InvalidStateError: build: the builder has already built its graph',
      'InvalidStateError: readTensor: tensor was destroyed',
      "createContext: deviceType 'tpu' is not one of cpu, gpu, npu",
    ].join('\n'),
  },
  {
    name: 'guest code reaches no host object',
    code: `
      const ctx = await navigator.ml.createContext();
      const b = new MLGraphBuilder(ctx);
      const x = b.input('x', f32([2]));
      const g = await b.build({ y: b.relu(x) });
      const t = await ctx.createTensor({ dataType: 'float32', shape: [2], readable: true });
      const buf = await ctx.readTensor(t);
      const things = [navigator.ml, ctx, b, x, x.shape, g, t, buf, navigator.ml.createContext, b.add, Object.getOwnPropertyDescriptor(MLOperand.prototype, 'shape').get,
        await ctx.compute(g, { x: new Float32Array(2) }, { y: new Float32Array(2) }), ctx.readTensor(t)];
      return things.map((v) => v.constructor.constructor('return typeof process')()).join();`,
    expected: Array(13).fill('undefined').join(),
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(await runThroughSnapshot(c.code), [c.expected, c.expected, c.expected], 'run, read after restore, run again after restore');
  });
}

t.test('a GPU request falls back to CPU with one line saying why', async (t) => {
  const notes: string[] = [];
  const r = await runGuest(
    `const a = await navigator.ml.createContext({ deviceType: 'gpu' }); const b = await navigator.ml.createContext({ deviceType: 'gpu' });
    const x = new MLGraphBuilder(a); const g = await x.build({ y: x.add(x.input('x', f32([1])), x.constant('float32', 1)) });
    const y = new Float32Array(1); await a.compute(g, { x: new Float32Array([41]) }, { y }); return y[0];`,
    {},
    notes,
  );
  t.equal(r, 42);
  t.equal(notes.length, 1, 'one line per engine');
  t.match(notes[0], /^WebNN: deviceType 'gpu': (running on (cuda|webgpu)|GPU asked for but not usable \(.+\); running on CPU)$/);
});

/** The same small CNN as an ONNX model written directly (the reference) and through WebNN in guest code. */
t.test('a small CNN through WebNN equals the same model on onnxruntime-node', async (t) => {
  const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
  const weights = {
    w1: rand(8 * 3 * 3 * 3, 1),
    b1: rand(8, 2),
    mean: rand(8, 3),
    variance: Float32Array.from(rand(8, 4), (v) => 1 + Math.abs(v)),
    gamma: rand(8, 5),
    beta: rand(8, 6),
    w2: rand(16 * 8 * 3 * 3, 7),
    fc: rand(16 * 10, 8),
    fcb: rand(10, 9),
    image: rand(2 * 3 * 16 * 16, 10),
  };
  const g = new GraphBuilder('cnn', 13);
  let x = g.input('image', [2, 3, 16, 16]);
  x = g.node('Conv', [x, g.weight('w1', [8, 3, 3, 3], weights.w1), g.weight('b1', [8], weights.b1)], { pads: [1, 1, 1, 1] });
  x = g.node('BatchNormalization', [x, g.weight('gamma', [8], weights.gamma), g.weight('beta', [8], weights.beta), g.weight('mean', [8], weights.mean), g.weight('variance', [8], weights.variance)], {
    epsilon: float(1e-5),
  });
  x = g.node('MaxPool', [g.node('Relu', [x])], { kernel_shape: [2, 2], strides: [2, 2] });
  x = g.node('Conv', [x, g.weight('w2', [16, 8, 3, 3], weights.w2)], { strides: [2, 2], pads: [1, 1, 1, 1], group: 1 });
  x = g.node('GlobalAveragePool', [g.node('Relu', [x])]);
  x = g.node('Gemm', [g.node('Flatten', [x]), g.weight('fc', [16, 10], weights.fc), g.weight('fcb', [10], weights.fcb)]);
  g.output(g.node('Softmax', [x], { axis: 1 }, { outputs: ['probs'] }));
  const session = await ort.InferenceSession.create(g.bytes());
  const want = (await session.run({ image: new ort.Tensor('float32', weights.image, [2, 3, 16, 16]) })).probs!.data as Float32Array;
  const got = await runGuest(
    `
    const ctx = await navigator.ml.createContext();
    const b = new MLGraphBuilder(ctx);
    const k = (v, shape) => b.constant(f32(shape), v);
    let x = b.input('image', f32([2, 3, 16, 16]));
    x = b.conv2d(x, k(w1, [8, 3, 3, 3]), { padding: [1, 1, 1, 1], bias: k(b1, [8]) });
    x = b.batchNormalization(x, k(mean, [8]), k(variance, [8]), { scale: k(gamma, [8]), bias: k(beta, [8]) });
    x = b.maxPool2d(b.relu(x), { windowDimensions: [2, 2], strides: [2, 2] });
    x = b.averagePool2d(b.relu(b.conv2d(x, k(w2, [16, 8, 3, 3]), { strides: [2, 2], padding: [1, 1, 1, 1] })));
    const probs = b.softmax(b.gemm(b.reshape(x, [2, 16]), k(fc, [16, 10]), { c: k(fcb, [10]) }), 1);
    const g = await b.build({ probs });
    const out = new Float32Array(20);
    await ctx.compute(g, { image }, { probs: out });
    return Array.from(out).join();`,
    weights,
  );
  const values = String(got).split(',').map(Number);
  t.equal(values.length, 20, String(got).slice(0, 200));
  const diff = Math.max(...values.map((v, i) => Math.abs(v - want[i]!)));
  t.ok(diff <= 1e-6, `largest difference ${diff}`);
});
