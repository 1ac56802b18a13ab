// A plain-TypeScript forward pass over the IR, written for clarity not speed. It is the independent
// computation that ONNX lowering and ONNX Runtime are checked against.
import type { Activation, Graph, Node } from "./graph.js";
import { numel } from "./graph.js";

export interface ReferenceOptions {
  readonly bnMode: "inference" | "train";
  /** For inference-mode BN: running statistics by BN node name. */
  readonly runningStats?: ReadonlyMap<string, { mean: Float64Array; variance: Float64Array }>;
}

function activate(fn: Activation, x: number): number {
  switch (fn) {
    case "relu":
      return Math.max(x, 0);
    case "tanh":
      return Math.tanh(x);
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
    case "gelu":
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case "swish":
      return x / (1 + Math.exp(-x));
    case "elu":
      return x > 0 ? x : Math.exp(x) - 1;
    case "softplus":
      return Math.log1p(Math.exp(x));
    case "leaky_relu":
      return x > 0 ? x : 0.01 * x;
    case "erf":
      return erf(x);
    case "identity":
      return x;
  }
}

/** erf by Abramowitz–Stegun 7.1.26 refined with a series for small |x| (abs error < 1e-7). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a < 0.5) {
    // Maclaurin series: 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a;
    let sum = a;
    for (let n = 1; n < 12; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** Runs the graph on a batch; returns every node's output (batch-major, float64). */
export function referenceForward(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  input: Float32Array,
  batch: number,
  options: ReferenceOptions,
): Float64Array[] {
  const values: Float64Array[] = [];
  const w = (name: string) => {
    const v = weights.get(name);
    if (!v) throw new Error(`missing weight ${name}`);
    return v;
  };
  for (const node of graph.nodes) {
    const out = new Float64Array(batch * numel(node.shape));
    const inShape = node.inputs.length > 0 ? graph.nodes[node.inputs[0]!]!.shape : graph.inputShape;
    const x = node.inputs.length > 0 ? values[node.inputs[0]!]! : Float64Array.from(input);
    const op = node.op;
    const per = numel(node.shape);
    switch (op.kind) {
      case "input":
      case "identity":
      case "flatten":
        out.set(x);
        break;
      case "zero":
        break;
      case "act":
        for (let i = 0; i < out.length; i++) out[i] = activate(op.fn, x[i]!);
        break;
      case "add":
        for (const id of node.inputs) {
          const v = values[id]!;
          for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
        }
        break;
      case "concat": {
        let offset = 0;
        const hw = numel(node.shape.slice(1));
        for (const id of node.inputs) {
          const part = graph.nodes[id]!.shape[0]! * hw;
          for (let b = 0; b < batch; b++) {
            out.set(values[id]!.subarray(b * part, (b + 1) * part), b * per + offset);
          }
          offset += part;
        }
        break;
      }
      case "sliceChannels": {
        const inPer = numel(inShape);
        for (let b = 0; b < batch; b++) out.set(x.subarray(b * inPer, b * inPer + per), b * per);
        break;
      }
      case "conv": {
        const [cin, h, wd] = inShape as [number, number, number];
        const [cout, oh, ow] = node.shape as [number, number, number];
        const kernel = w(`${node.name}.weight`);
        const bias = op.bias ? w(`${node.name}.bias`) : undefined;
        const [kh, kw] = op.kernel;
        const cinPerGroup = cin / op.groups;
        const coutPerGroup = cout / op.groups;
        for (let b = 0; b < batch; b++)
          for (let co = 0; co < cout; co++) {
            const g = Math.floor(co / coutPerGroup);
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                let s = bias ? bias[co]! : 0;
                for (let ci = 0; ci < cinPerGroup; ci++)
                  for (let ky = 0; ky < kh; ky++) {
                    const iy = oy * op.stride[0] - op.pads[0] + ky * op.dilation[0];
                    if (iy < 0 || iy >= h) continue;
                    for (let kx = 0; kx < kw; kx++) {
                      const ix = ox * op.stride[1] - op.pads[1] + kx * op.dilation[1];
                      if (ix < 0 || ix >= wd) continue;
                      const xi = ((b * cin + g * cinPerGroup + ci) * h + iy) * wd + ix;
                      s += x[xi]! * kernel[((co * cinPerGroup + ci) * kh + ky) * kw + kx]!;
                    }
                  }
                out[((b * cout + co) * oh + oy) * ow + ox] = s;
              }
          }
        break;
      }
      case "pool": {
        const [c, h, wd] = inShape as [number, number, number];
        const [, oh, ow] = node.shape as [number, number, number];
        for (let b = 0; b < batch; b++)
          for (let ch = 0; ch < c; ch++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                let acc = op.mode === "max" ? Number.NEGATIVE_INFINITY : 0;
                let count = 0;
                for (let ky = 0; ky < op.kernel[0]; ky++)
                  for (let kx = 0; kx < op.kernel[1]; kx++) {
                    const iy = oy * op.stride[0] - op.pads[0] + ky;
                    const ix = ox * op.stride[1] - op.pads[1] + kx;
                    const inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
                    if (inside) {
                      const v = x[((b * c + ch) * h + iy) * wd + ix]!;
                      acc = op.mode === "max" ? Math.max(acc, v) : acc + v;
                      count++;
                    } else if (op.countIncludePad) count++;
                  }
                out[((b * c + ch) * oh + oy) * ow + ox] = op.mode === "max" ? acc : acc / count;
              }
        break;
      }
      case "globalAvgPool": {
        const [c, h, wd] = inShape as [number, number, number];
        for (let b = 0; b < batch; b++)
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let i = 0; i < h * wd; i++) s += x[(b * c + ch) * h * wd + i]!;
            out[b * c + ch] = s / (h * wd);
          }
        break;
      }
      case "linear": {
        const inF = inShape[0]!;
        const weight = w(`${node.name}.weight`);
        const bias = op.bias ? w(`${node.name}.bias`) : undefined;
        for (let b = 0; b < batch; b++)
          for (let o = 0; o < op.outFeatures; o++) {
            let s = bias ? bias[o]! : 0;
            for (let i = 0; i < inF; i++) s += x[b * inF + i]! * weight[o * inF + i]!;
            out[b * op.outFeatures + o] = s;
          }
        break;
      }
      case "batchnorm":
        batchNorm(node, x, out, batch, weights, options, op.eps, op.affine);
        break;
    }
    values.push(out);
  }
  return values;
}

function batchNorm(
  node: Node,
  x: Float64Array,
  out: Float64Array,
  batch: number,
  weights: ReadonlyMap<string, Float32Array>,
  options: ReferenceOptions,
  eps: number,
  affine: boolean,
): void {
  const c = node.shape[0]!;
  const hw = numel(node.shape.slice(1));
  let mean: Float64Array;
  let variance: Float64Array;
  if (options.bnMode === "train") {
    mean = new Float64Array(c);
    variance = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let b = 0; b < batch; b++) for (let i = 0; i < hw; i++) s += x[(b * c + ch) * hw + i]!;
      const m = s / (batch * hw);
      let v = 0;
      for (let b = 0; b < batch; b++) for (let i = 0; i < hw; i++) v += (x[(b * c + ch) * hw + i]! - m) ** 2;
      mean[ch] = m;
      variance[ch] = v / (batch * hw);
    }
  } else {
    const stats = options.runningStats?.get(node.name);
    mean = stats?.mean ?? new Float64Array(c);
    variance = stats?.variance ?? new Float64Array(c).fill(1);
  }
  const gamma = affine ? weights.get(`${node.name}.gamma`) : undefined;
  const beta = affine ? weights.get(`${node.name}.beta`) : undefined;
  for (let b = 0; b < batch; b++)
    for (let ch = 0; ch < c; ch++) {
      const scale = (gamma ? gamma[ch]! : 1) / Math.sqrt(variance[ch]! + eps);
      const shift = beta ? beta[ch]! : 0;
      for (let i = 0; i < hw; i++) {
        const idx = (b * c + ch) * hw + i;
        out[idx] = (x[idx]! - mean[ch]!) * scale + shift;
      }
    }
}
