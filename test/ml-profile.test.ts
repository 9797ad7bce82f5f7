// Per-layer profiles: bytes and onnxruntime-node times per chain layer, the IONN authors' device
// profiles read and aligned onto the same chain (one format for every device).
import t from 'tap';
import { caffeZooModel, layerChain, profileChain, addIonnDeviceProfiles, readIonnProfile, formatIonnProfile, patternInput, GraphBuilder } from '../src/ml/index';

t.test('GoogLeNet: feature and weight bytes, measured time, ODROID and GPU server times per chain layer', async (t) => {
  const m = caffeZooModel('googlenet');
  const chain = layerChain(m.model);
  const p = await profileChain(chain, { model: 'googlenet', weights: 'seeded random weights (seed 1)', feeds: { data: patternInput(m.input.dims) }, runs: 2 });
  t.equal(p.layers.length, chain.layers.length);
  t.equal(p.layers[0]!.inputBytes, 3 * 224 * 224 * 4);
  t.equal(p.layers[0]!.outputBytes, 64 * 112 * 112 * 4, 'conv1/7x7_s2 output');
  t.equal(p.layers[0]!.weightBytes, (64 * 3 * 7 * 7 + 64) * 4);
  for (let k = 1; k < p.layers.length; k++) t.equal(p.layers[k]!.inputBytes, p.layers[k - 1]!.outputBytes);
  t.equal(p.layers.at(-1)!.outputBytes, 1000 * 4);
  // The chain's weight bytes add up to the Caffe layers' parameters.
  t.equal(
    p.layers.reduce((s, l) => s + l.weightBytes, 0),
    m.layers.reduce((s, l) => s + l.weightBytes, 0),
  );
  t.ok(
    p.layers.every((l) => l.ms['ort-cpu']! > 0 && l.loadMs['ort-cpu']! > 0),
    'every layer timed, run and load',
  );
  const { unmatched } = addIonnDeviceProfiles(p, 'googlenet');
  t.same(unmatched, []);
  t.ok(Math.abs(p.wholeMs['odroid-xu4']! - 1340) < 5, `ODROID-XU4 total ${p.wholeMs['odroid-xu4']} ms (README: ≈ 1340)`);
  const sum = p.layers.reduce((s, l) => s + l.ms['odroid-xu4']!, 0);
  t.ok(Math.abs(sum - p.wholeMs['odroid-xu4']!) < 1e-6, 'every Caffe layer time lands in one chain layer');
  const inception = p.layers.find((l) => l.name.startsWith('inception_3a'))!;
  t.ok(inception.members.includes('inception_3a/5x5') && inception.ms['gpu-server']! > 0);
  const text = formatIonnProfile(p, 'odroid-xu4');
  t.equal(readIonnProfile(text).length, p.layers.length, 'the text format reads back');
});

t.test('IONN profile text errors name the file and line', async (t) => {
  t.throws(() => readIonnProfile('0 data 0.1\n1 conv1\n', 'x.client.txt'), /x.client.txt:2: expected 'index layer_name ms', found '1 conv1'/);
});

t.test('a layer without weights and a chain of one', async (t) => {
  const g = new GraphBuilder('one');
  g.output(g.node('Relu', [g.input('x', [1, 8])], {}, { name: 'r', outputs: ['y'] }));
  const p = await profileChain(layerChain(g.build()), { model: 'one', weights: 'none', feeds: { x: patternInput([1, 8]) }, runs: 1 });
  t.same(
    p.layers.map((l) => [l.name, l.weightBytes, l.inputBytes, l.outputBytes]),
    [['r', 0, 32, 32]],
  );
});
