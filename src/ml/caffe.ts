// Caffe network descriptions (deploy.prototxt) → ONNX models with the real layer shapes and SEEDED
// RANDOM WEIGHTS (no pretrained Caffe weights are available here). Each Caffe layer becomes one ONNX
// node named after it, or a few nodes named `layer`, `layer#part` (InnerProduct = Flatten + Gemm,
// Scale = Mul + Add), so a partition can group them back into the layer the IONN profiles time.
import { GraphBuilder, float } from './builder';
import { field, fields, parsePrototxt, type TextMessage } from './prototxt';
import { sizeOf, type Model } from './onnx';

/** One Caffe layer as converted: its output shape and the bytes of its (random) parameters. */
export interface CaffeLayerInfo {
  name: string;
  type: string;
  /** ONNX tensor holding the layer's output. */
  output: string;
  dims: number[];
  weightBytes: number;
}

export interface CaffeModel {
  name: string;
  model: Model;
  input: { name: string; dims: number[] };
  output: { name: string; dims: number[] };
  layers: CaffeLayerInfo[];
  seed: number;
}

export interface CaffeOptions {
  /** Seed of the weight generator (same seed → same bytes). Default 1. */
  seed?: number;
  /** Batch size of the input (Caffe deploy files often say 10). Default 1. */
  batch?: number;
  /** File name for error messages. */
  file?: string;
}

/** A small fast seeded generator (mulberry32) with normal samples by Box–Muller. */
export class SeededRandom {
  private state: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  uniform(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Uniform samples with this standard deviation (Caffe's xavier/msra fillers are uniform too). */
  scaled(n: number, std: number): Float32Array {
    const a = std * Math.sqrt(3);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = a * (2 * this.uniform() - 1);
    return out;
  }
  normals(n: number, std: number, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }
  uniforms(n: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }
}

/** Convert a Caffe deploy prototxt (text) into an ONNX model with seeded random weights. */
export function caffeToOnnx(prototxt: string, opts: CaffeOptions = {}): CaffeModel {
  const file = opts.file ?? 'prototxt';
  const net = parsePrototxt(prototxt, file);
  const seed = opts.seed ?? 1;
  const batch = opts.batch ?? 1;
  const rng = new SeededRandom(seed);
  const netName = field<string>(net, 'name', 'net');
  const g = new GraphBuilder(netName, 13);
  const blobs = new Map<string, { tensor: string; dims: number[] }>();
  const layers: CaffeLayerInfo[] = [];
  let input: CaffeModel['input'] | undefined;

  const defineInput = (name: string, dims: number[]) => {
    if (dims.length) dims[0] = batch;
    g.input(name, dims);
    blobs.set(name, { tensor: name, dims });
    input ??= { name, dims };
  };
  // Old-style inputs: `input: "data"` with `input_dim` ×4 or `input_shape { dim … }`.
  const netInputs = fields<string>(net, 'input');
  netInputs.forEach((name, k) => {
    const shapes = fields<TextMessage>(net, 'input_shape');
    const dims = shapes.length ? fields<number>(shapes[k], 'dim') : fields<number>(net, 'input_dim').slice(4 * k, 4 * k + 4);
    defineInput(name, [...dims]);
  });

  for (const layer of fields<TextMessage>(net, 'layer').concat(fields<TextMessage>(net, 'layers'))) {
    const name = field<string>(layer, 'name', '');
    const type = field<string>(layer, 'type', '');
    const where = `${file}: layer ${name} (${type})`;
    const bottoms = fields<string>(layer, 'bottom').map((b) => {
      const blob = blobs.get(b);
      if (!blob) throw new Error(`${where}: bottom ${b} is not defined by an earlier layer`);
      return blob;
    });
    const top = fields<string>(layer, 'top')[0];
    if (type === 'Input') {
      const shape = field<TextMessage>(field<TextMessage>(layer, 'input_param'), 'shape');
      defineInput(top ?? name, [...fields<number>(shape, 'dim')]);
      continue;
    }
    if (!top) throw new Error(`${where}: no top`);
    const x = bottoms[0];
    if (!x) throw new Error(`${where}: no bottom`);
    let out: { tensor: string; dims: number[] };
    let weightBytes = 0;
    const weight = (suffix: string, dims: number[], data: Float32Array) => {
      weightBytes += data.byteLength;
      return g.weight(`${name}/${suffix}`, dims, data);
    };
    const tensorName = () => g.fresh(name);
    const [n, c, h, w] = x.dims as [number, number, number, number];
    switch (type) {
      case 'Convolution': {
        const p = field<TextMessage>(layer, 'convolution_param');
        const o = field<number>(p, 'num_output', 0);
        const group = field<number>(p, 'group', 1);
        const kh = field<number>(p, 'kernel_h') ?? field<number>(p, 'kernel_size', 1);
        const kw = field<number>(p, 'kernel_w') ?? field<number>(p, 'kernel_size', 1);
        const sh = field<number>(p, 'stride_h') ?? field<number>(p, 'stride', 1);
        const sw = field<number>(p, 'stride_w') ?? field<number>(p, 'stride', 1);
        const ph = field<number>(p, 'pad_h') ?? field<number>(p, 'pad', 0);
        const pw = field<number>(p, 'pad_w') ?? field<number>(p, 'pad', 0);
        const dil = field<number>(p, 'dilation', 1);
        const bias = field<boolean>(p, 'bias_term', true);
        if (!o || c % group || o % group) throw new Error(`${where}: num_output ${o} / group ${group} do not fit ${c} channels`);
        const fanIn = (c / group) * kh * kw;
        const inputs = [x.tensor, weight('W', [o, c / group, kh, kw], rng.scaled(o * fanIn, Math.sqrt(2 / fanIn)))];
        if (bias) inputs.push(weight('b', [o], rng.normals(o, 0.01)));
        const oh = Math.floor((h + 2 * ph - (dil * (kh - 1) + 1)) / sh) + 1;
        const ow = Math.floor((w + 2 * pw - (dil * (kw - 1) + 1)) / sw) + 1;
        const t = g.node('Conv', inputs, { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph, pw, ph, pw], dilations: [dil, dil], group }, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: [n, o, oh, ow] };
        break;
      }
      case 'ReLU': {
        const slope = field<number>(field<TextMessage>(layer, 'relu_param'), 'negative_slope', 0);
        const t = slope ? g.node('LeakyRelu', [x.tensor], { alpha: float(slope) }, { name, outputs: [tensorName()] }) : g.node('Relu', [x.tensor], {}, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: x.dims };
        break;
      }
      case 'LRN': {
        const p = field<TextMessage>(layer, 'lrn_param');
        if (field<string>(p, 'norm_region', 'ACROSS_CHANNELS') !== 'ACROSS_CHANNELS') throw new Error(`${where}: only ACROSS_CHANNELS LRN is supported`);
        const t = g.node(
          'LRN',
          [x.tensor],
          {
            size: field<number>(p, 'local_size', 5),
            alpha: float(field<number>(p, 'alpha', 1)),
            beta: float(field<number>(p, 'beta', 0.75)),
            bias: float(field<number>(p, 'k', 1)),
          },
          { name, outputs: [tensorName()] },
        );
        out = { tensor: t, dims: x.dims };
        break;
      }
      case 'Pooling': {
        const p = field<TextMessage>(layer, 'pooling_param');
        const max = field<string>(p, 'pool', 'MAX') === 'MAX';
        if (field<boolean>(p, 'global_pooling', false)) {
          const t = g.node(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.tensor], {}, { name, outputs: [tensorName()] });
          out = { tensor: t, dims: [n, c, 1, 1] };
          break;
        }
        const k = field<number>(p, 'kernel_size', 1);
        const s = field<number>(p, 'stride', 1);
        const pad = field<number>(p, 'pad', 0);
        // Caffe rounds pooled sizes up (ceil_mode), dropping a last window that starts in the padding.
        const size = (len: number) => {
          let o = Math.ceil((len + 2 * pad - k) / s) + 1;
          if (pad > 0 && (o - 1) * s >= len + pad) o--;
          return o;
        };
        const attrs: Record<string, number | number[]> = { kernel_shape: [k, k], strides: [s, s], pads: [pad, pad, pad, pad], ceil_mode: 1 };
        if (!max && pad > 0) attrs.count_include_pad = 1; // Caffe averages over the padded window
        const t = g.node(max ? 'MaxPool' : 'AveragePool', [x.tensor], attrs, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: [n, c, size(h), size(w)] };
        break;
      }
      case 'InnerProduct': {
        const p = field<TextMessage>(layer, 'inner_product_param');
        const o = field<number>(p, 'num_output', 0);
        const bias = field<boolean>(p, 'bias_term', true);
        const fanIn = sizeOf(x.dims.slice(1));
        const flat = x.dims.length > 2 ? g.node('Flatten', [x.tensor], { axis: 1 }, { name: `${name}#flatten`, outputs: [g.fresh(`${name}#flatten`)] }) : x.tensor;
        const inputs = [flat, weight('W', [o, fanIn], rng.scaled(o * fanIn, Math.sqrt(2 / fanIn)))];
        if (bias) inputs.push(weight('b', [o], rng.normals(o, 0.01)));
        const t = g.node('Gemm', inputs, { transB: 1 }, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: [n, o] };
        break;
      }
      case 'Dropout': {
        // Inference: identity (onnxruntime removes it), kept so the layer list matches Caffe's.
        const t = g.node('Dropout', [x.tensor], {}, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: x.dims };
        break;
      }
      case 'Softmax': {
        const axis = field<number>(field<TextMessage>(layer, 'softmax_param'), 'axis', 1);
        const t = g.node('Softmax', [x.tensor], { axis }, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: x.dims };
        break;
      }
      case 'Concat': {
        const p = field<TextMessage>(layer, 'concat_param');
        const axis = field<number>(p, 'axis') ?? field<number>(p, 'concat_dim', 1);
        const dims = [...x.dims];
        dims[axis] = bottoms.reduce((a, b) => a + b.dims[axis]!, 0);
        const t = g.node(
          'Concat',
          bottoms.map((b) => b.tensor),
          { axis },
          { name, outputs: [tensorName()] },
        );
        out = { tensor: t, dims };
        break;
      }
      case 'Eltwise': {
        const op = field<string>(field<TextMessage>(layer, 'eltwise_param'), 'operation', 'SUM');
        const onnxOp = ({ SUM: 'Sum', PROD: 'Mul', MAX: 'Max' } as Record<string, string>)[op];
        if (!onnxOp) throw new Error(`${where}: Eltwise operation ${op} is not supported`);
        const t = g.node(
          onnxOp,
          bottoms.map((b) => b.tensor),
          {},
          { name, outputs: [tensorName()] },
        );
        out = { tensor: t, dims: x.dims };
        break;
      }
      case 'BatchNorm': {
        // Inference statistics (mean, variance); the affine part is Caffe's separate Scale layer.
        const eps = field<number>(field<TextMessage>(layer, 'batch_norm_param'), 'eps', 1e-5);
        const ones = new Float32Array(c).fill(1);
        const inputs = [
          x.tensor,
          g.weight(`${name}/one`, [c], ones),
          g.weight(`${name}/zero`, [c], new Float32Array(c)),
          weight('mean', [c], rng.normals(c, 0.1)),
          weight('var', [c], rng.uniforms(c, 0.5, 1.5)),
        ];
        const t = g.node('BatchNormalization', inputs, { epsilon: float(eps) }, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: x.dims };
        break;
      }
      case 'Scale': {
        const bias = field<boolean>(field<TextMessage>(layer, 'scale_param'), 'bias_term', false);
        const shape = [c, ...x.dims.slice(2).map(() => 1)];
        let t = g.node('Mul', [x.tensor, weight('gamma', shape, rng.uniforms(c, 0.8, 1.2))], {}, { name: bias ? `${name}#mul` : name, outputs: [g.fresh(bias ? `${name}#mul` : name)] });
        if (bias) t = g.node('Add', [t, weight('beta', shape, rng.normals(c, 0.1))], {}, { name, outputs: [tensorName()] });
        out = { tensor: t, dims: x.dims };
        break;
      }
      default:
        throw new Error(`${where}: Caffe layer type ${type} is not supported`);
    }
    if (out.dims.some((d) => !(d > 0))) throw new Error(`${where}: output shape [${out.dims}] is empty`);
    blobs.set(top, out);
    layers.push({ name, type, output: out.tensor, dims: out.dims, weightBytes });
  }
  if (!input) throw new Error(`${file}: no input`);
  const last = layers[layers.length - 1];
  if (!last) throw new Error(`${file}: no layers`);
  g.output(last.output, last.dims);
  const model = g.build(`${netName} from Caffe ${file}: real layer shapes, seeded random weights (seed ${seed})`);
  return { name: netName, model, input, output: { name: last.output, dims: last.dims }, layers, seed };
}
