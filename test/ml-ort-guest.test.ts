// The guest-facing `ort` API (onnxruntime-web style) on onnxruntime-node, CPU: guest programs as
// { code, expected } cases, each an async program that leaves its answer in `result`. Safety cases
// check that every value the API hands out is a guest-realm value (DESIGN.md, principle 3).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/interpreter/index';
import { ortService, GraphBuilder, caffeZooModel, encodeModel, patternInput, ort } from '../src/ml/index';

/** y = relu(x + w) for x [n, 4]; z = sum over the last axis (int64 and bool paths: `count` = Cast(y > 0)). */
function smallModel(): Uint8Array {
  const g = new GraphBuilder('small');
  const x = g.input('x', ['n', 4]);
  const y = g.node('Relu', [g.node('Add', [x, g.weight('w', [1, 4], Float32Array.from([1, -2, 3, -4]))])], {}, { outputs: ['y'] });
  g.output(y);
  const positive = g.node('Greater', [y, g.weight('zero', [1], Float32Array.from([0]))], {}, { outputs: ['positive'] });
  g.output(positive, undefined, 9);
  g.output(g.node('ReduceSum', [g.node('Cast', [positive], { to: 7 }), g.ints('axes', [1])], { keepdims: 0 }, { outputs: ['count'] }), undefined, 7);
  g.output(g.node('Mul', [y, g.weight('two', [1], Float32Array.from([2]))], {}, { outputs: ['double'] }));
  return g.bytes();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-ort-'));
fs.writeFileSync(path.join(dir, 'small.onnx'), smallModel());
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-outside-'));
fs.writeFileSync(path.join(outside, 'secret.onnx'), smallModel());
fs.symlinkSync(path.join(outside, 'secret.onnx'), path.join(dir, 'link.onnx'));
t.teardown(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

async function runGuest(code: string, opts: { modelRoot?: string } = {}): Promise<unknown> {
  const notes: string[] = [];
  const engine = new Engine({ services: [ortService({ modelRoot: opts.modelRoot, onNote: (l) => notes.push(l) })], onConsole: () => {} });
  const g = engine.realm.global as any;
  g.modelBytes = new g.Uint8Array(smallModel());
  engine.evaluateScript(`var result = 'not set'; (async () => { ${code} })().then((v) => { result = v; }, (e) => { result = 'rejected: ' + (e && e.name) + ': ' + (e && e.message); });`, 'case.js');
  await engine.runEventLoop();
  return engine.evaluateScript('result', 'read.js');
}

/** In guest code: the type of `process` through the Function constructor reached from `x`. */
const probe = (x: string) => `${x}.constructor.constructor('return typeof process')()`;

const cases: { name: string; code: string; expected: unknown; modelRoot?: string }[] = [
  {
    name: 'create from bytes, names, run, values',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 1, 1, 1, -5, 5, 0, 10]), [2, 4]) });
      return [s.inputNames.join(), s.outputNames.join(), Array.from(r.y.data).join(' '), r.y.dims.join('x'), r.y.type, r.y.size].join('|');`,
    expected: 'x|y,positive,count,double|2 0 4 0 0 3 3 6|2x4|float32|8',
  },
  {
    name: 'int64 and bool results',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const r = await s.run({ x: new ort.Tensor(new Float32Array([1, 1, 1, 1, -5, 5, 0, 10]), [2, 4]) }, ['count', 'positive']);
      return [Object.keys(r).join(), r.count.type, r.count.data instanceof BigInt64Array, Array.from(r.count.data).join(), r.positive.type, Array.from(r.positive.data).join('')].join('|');`,
    expected: 'count,positive|int64|true|2,3|bool|10100111',
  },
  {
    name: 'an ArrayBuffer with offset and length, options, plain-array data',
    code: `
      const buf = new ArrayBuffer(modelBytes.length + 8); new Uint8Array(buf, 8).set(modelBytes);
      const s = await ort.InferenceSession.create(buf, 8, modelBytes.length, { executionProviders: ['wasm'], graphOptimizationLevel: 'basic' });
      const r = await s.run({ x: new ort.Tensor('float32', [0, 0, 0, 0], [1, 4]) });
      return Array.from(r.double.data).join();`,
    expected: '2,0,6,0',
  },
  {
    name: 'a path under the model folder',
    modelRoot: dir,
    code: `
      const s = await ort.InferenceSession.create('small.onnx');
      return s.outputNames.length;`,
    expected: 4,
  },
  {
    name: 'paths outside the model folder are refused',
    modelRoot: dir,
    code: `
      try { await ort.InferenceSession.create('../../etc/passwd'); } catch (e) { return e.constructor === TypeError && e.message; }`,
    expected: "InferenceSession.create('../../etc/passwd'): outside the model folder",
  },
  {
    name: 'symbolic links out of the model folder are refused; errors show no host path',
    modelRoot: dir,
    code: `
      const out = [];
      for (const p of ['link.onnx', 'missing.onnx']) try { await ort.InferenceSession.create(p); out.push('opened'); } catch (e) { out.push(e.message); }
      return out.join('\\n');`,
    expected: "InferenceSession.create: 'link.onnx' leads outside the model folder\nInferenceSession.create: cannot read model 'missing.onnx' (ENOENT)",
  },
  {
    name: 'without a model folder no path opens',
    code: `
      try { await ort.InferenceSession.create('small.onnx'); } catch (e) { return e.message; }`,
    expected: "InferenceSession.create('small.onnx'): this engine opens no model files; pass the model's bytes",
  },
  {
    name: 'concurrent runs',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const rs = await Promise.all([1, 2, 3].map((k) => s.run({ x: new ort.Tensor('float32', new Float32Array(4).fill(k), [1, 4]) })));
      return rs.map((r) => r.y.data[0]).join();`,
    expected: '2,3,4',
  },
  {
    name: 'the input is copied: changing it during the run changes nothing',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const data = new Float32Array([1, 1, 1, 1]);
      const p = s.run({ x: new ort.Tensor('float32', data, [1, 4]) });
      data.fill(100);
      return (await p).y.data.join();`,
    expected: '2,0,4,0',
  },
  {
    name: 'reshape, getData, dispose',
    code: `
      const t = new ort.Tensor('int32', new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
      const u = t.reshape([3, 2]);
      return [u.dims.join(), u.data === t.data, (await u.getData()) === t.data, t.dispose(), u instanceof ort.Tensor].join('|');`,
    expected: '3,2|true|true||true',
  },
  {
    name: 'string tensors',
    code: `
      const t = new ort.Tensor('string', ['a', 'bc'], [2]); return t.type + t.size + t.data.join('');`,
    expected: 'string2abc',
  },
  {
    name: 'tensor errors',
    code: `
      const errors = [];
      for (const f of [() => new ort.Tensor('float32', [1, 2, 3], [2, 2]), () => new ort.Tensor('float16', new Uint16Array(1)),
        () => new ort.Tensor('int32', new Float32Array(2)), () => ort.Tensor('float32', [1]), () => new ort.Tensor('float32', [1, 2], [2, -1]),
        () => new ort.Tensor({}), () => new ort.Tensor('float32', [1, 2]).reshape([3])]) {
        try { f(); errors.push('no error'); } catch (e) { errors.push(e.constructor === TypeError ? e.message : 'HOST ' + e); }
      }
      return errors.join('\\n');`,
    expected: [
      'ort.Tensor: 3 values do not fit dims [2,2]',
      "ort.Tensor: unsupported type 'float16'",
      'ort.Tensor: a int32 tensor cannot hold a Float32Array',
      "Class constructor Tensor cannot be invoked without 'new'",
      'ort.Tensor: dims[1] is not a non-negative integer',
      'ort.Tensor: data must be a typed array or an array',
      'Tensor.reshape: dims [3] do not fit 2 values',
    ].join('\n'),
  },
  {
    name: 'session errors',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const errors = [];
      for (const f of [() => s.run({}), () => s.run({ x: {} }), () => s.run({ x: new ort.Tensor('float32', [1, 2, 3, 4], [1, 4]) }, ['nope']),
        () => s.run({ x: new ort.Tensor('int32', new Int32Array(4), [1, 4]) }), () => ort.InferenceSession.create(new Uint8Array([1, 2, 3])),
        () => ort.InferenceSession.create(42), () => new ort.InferenceSession(), () => ort.InferenceSession.create(modelBytes, { graphOptimizationLevel: 'max' }),
        async () => { await s.release(); return s.run({ x: new ort.Tensor('float32', [1, 2, 3, 4], [1, 4]) }); }]) {
        try { await f(); errors.push('no error'); } catch (e) { errors.push((e instanceof Error) + ' ' + e.name + ': ' + e.message.split(':').slice(0, 2).join(':')); }
      }
      return errors.join('\\n');`,
    expected: [
      "true TypeError: session.run: input 'x' is missing in feeds",
      "true TypeError: session.run: feeds['x'] is not an ort.Tensor",
      "true TypeError: session.run: 'nope' is not an output of this model",
      'true Error: session.run: Unexpected input data type. Actual',
      'true Error: InferenceSession.create: Failed to load model because protobuf parsing failed.',
      'true TypeError: InferenceSession.create: the model must be a path, an ArrayBuffer or a Uint8Array',
      'true TypeError: use ort.InferenceSession.create(model, options) to make a session',
      "true TypeError: InferenceSession.create: graphOptimizationLevel 'max' is not one of disabled, basic, extended, all",
      'true TypeError: session.run: the session was released',
    ].join('\n'),
  },
  {
    name: 'the event loop waits for a run and wakes when it settles, not at the next timer',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const order = [];
      const timer = setTimeout(() => order.push('timer'), 30000);
      const t0 = Date.now();
      await s.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) });
      order.push('run');
      clearTimeout(timer);
      return order.join() + (Date.now() - t0 < 15000 ? ' (woken)' : ' (slept until a timer)');`,
    expected: 'run (woken)',
  },
  // ---- safety: everything is a guest-realm value ----
  {
    name: 'results, tensors, arrays, promises and errors are guest values',
    code: `
      const p = ort.InferenceSession.create(modelBytes);
      const s = await p;
      const r = await s.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) });
      let err; try { await s.run({}); } catch (e) { err = e; }
      let loadErr; try { await ort.InferenceSession.create(new Uint8Array(3)); } catch (e) { loadErr = e; }
      return [p instanceof Promise, Object.getPrototypeOf(r) === Object.prototype, r.y.data instanceof Float32Array, Array.isArray(r.y.dims) && r.y.dims instanceof Array,
        s.inputNames instanceof Array, err instanceof TypeError, loadErr instanceof Error, ort.InferenceSession.create instanceof Function,
        ${probe('r')}, ${probe('r.y')}, ${probe('r.y.data')}, ${probe('r.y.dims')}, ${probe('s')}, ${probe('s.run')}, ${probe('err')}, ${probe('loadErr')}, ${probe('p')},
        ${probe('ort.env')}, ${probe('ort.Tensor')}, ${probe('r.y.data.buffer')}].join();`,
    expected: 'true,true,true,true,true,true,true,true,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined',
  },
  {
    name: 'getters and proxies on feeds and options run as guest code, and see only guest values',
    code: `
      const leaks = [];
      const options = new Proxy({}, { get(t, k, r) { leaks.push(${probe('t')}, r === options ? 'undefined' : 'other receiver', typeof k === 'string' ? 'undefined' : 'key ' + String(k)); return undefined; } });
      const s = await ort.InferenceSession.create(modelBytes, options);
      const feeds = new Proxy({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4]) }, { get(t, k, r) { leaks.push(${probe('t')}, r === feeds ? 'undefined' : 'other receiver'); return t[k]; } });
      await s.run(feeds);
      const dims = [1, 4]; Object.defineProperty(dims, 1, { get() { leaks.push(${probe('this')}); return 4; } });
      new ort.Tensor('float32', new Float32Array(4), dims);
      return leaks.length > 3 && leaks.every((x) => x === 'undefined') ? 'safe' : leaks.join();`,
    expected: 'safe',
  },
  {
    name: 'a typed array whose buffer getter is redefined is read by its internal slots',
    code: `
      const s = await ort.InferenceSession.create(modelBytes);
      const data = new Float32Array([1, 1, 1, 1]);
      let called = false;
      Object.defineProperty(data, 'buffer', { get() { called = true; return new ArrayBuffer(16); } });
      Object.defineProperty(data, 'length', { get() { called = true; return 4; } });
      const r = await s.run({ x: new ort.Tensor('float32', data, [1, 4]) });
      return called + ' ' + r.y.data.join();`,
    expected: 'false 2,0,4,0',
  },
  {
    name: 'replacing the guest built-ins after install changes nothing ort makes',
    code: `
      const F32 = Float32Array;
      const s = await ort.InferenceSession.create(modelBytes);
      globalThis.Float32Array = function () { throw new Error('replaced'); };
      Object.create = () => { throw new Error('replaced'); }; Object.freeze = () => { throw new Error('replaced'); };
      Object.defineProperty = () => { throw new Error('replaced'); }; Array.isArray = () => false;
      const r = await s.run({ x: new ort.Tensor('float32', new F32([1, 1, 1, 1]), [1, 4]) });
      return [r.y.data.join(), r.y.data instanceof F32, Object.isFrozen(r.y.dims)].join('|');`,
    expected: '2,0,4,0|true|true',
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(await runGuest(c.code, { modelRoot: c.modelRoot }), c.expected);
  });
}

t.test('guest MobileNet (seeded random weights) gives the same numbers as onnxruntime-node directly', async (t) => {
  const m = caffeZooModel('mobilenet');
  const bytes = encodeModel(m.model);
  const input = patternInput(m.input.dims);
  const direct = await (await ort.InferenceSession.create(bytes)).run({ data: input });
  const engine = new Engine({ services: [ortService()] });
  const g = engine.realm.global as any;
  g.modelBytes = new g.Uint8Array(bytes);
  g.input = new g.Float32Array(input.data as Float32Array);
  engine.evaluateScript(
    `var out; ort.InferenceSession.create(modelBytes).then((s) => s.run({ data: new ort.Tensor('float32', input, [1, 3, 224, 224]) })).then((r) => { out = r.prob.data; });`,
    'mobilenet.js',
  );
  await engine.runEventLoop();
  const out = g.out as Float32Array;
  t.equal(out.length, 1000);
  t.same(Array.from(out), Array.from(direct.prob!.data as Float32Array), 'bit-identical');
});

t.test('an engine without the service has no ort', async (t) => {
  t.equal(new Engine().evaluateScript('typeof ort'), 'undefined');
});
