// The NAS-Bench-101 network (nasbench lib/model_builder.py, base_ops.py): stem 3×3 conv-BN-ReLU to
// 128 channels, 3 stacks of 3 cells, a 2×2 stride-2 max-pool and channel doubling before stacks 2 and
// 3, global average pooling and a dense layer with bias. Convs have no bias; BN has γ and β.
import { GraphBuilder, type Ref } from "../../ir/builder.js";
import { type Graph, numel } from "../../ir/graph.js";
import type { BuildOptions } from "../space.js";
import type { Nb101Cell } from "./cell.js";

export interface Nb101NetworkOptions {
  /** Stem width. Benchmark: 128. */
  readonly stemChannels?: number;
  /** Benchmark: 3. */
  readonly stacks?: number;
  /** Cells per stack. Benchmark: 3. */
  readonly cellsPerStack?: number;
}

/**
 * compute_vertex_channels: the output's channels are split over the vertices feeding it (the first
 * `remainder` of them get one more); every other interior vertex takes the largest count among the
 * interior vertices it feeds. Channels never increase along an edge, so fan-in only truncates.
 */
export function vertexChannels(
  inputChannels: number,
  outputChannels: number,
  matrix: readonly (readonly number[])[],
): number[] {
  const v = matrix.length;
  const out = new Array<number>(v).fill(0);
  out[0] = inputChannels;
  out[v - 1] = outputChannels;
  if (v === 2) return out;
  let fanIn = 0; // in-degree of the output, not counting the input's edge
  for (let r = 1; r < v - 1; r++) fanIn += matrix[r]![v - 1]!;
  const share = Math.floor(outputChannels / fanIn);
  let extra = outputChannels % fanIn;
  for (let r = 1; r < v - 1; r++) {
    if (matrix[r]![v - 1]) {
      out[r] = share + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
    }
  }
  for (let r = v - 3; r >= 1; r--) {
    if (!matrix[r]![v - 1]) {
      for (let d = r + 1; d < v - 1; d++) if (matrix[r]![d]) out[r] = Math.max(out[r]!, out[d]!);
    }
  }
  return out;
}

function convBnRelu(b: GraphBuilder, x: Ref, channels: number, kernel: number): Ref {
  // TF padding "same" with stride 1: (k-1)/2 on each side for odd k.
  return b.relu(b.batchNorm(b.conv(x, channels, kernel, { padding: (kernel - 1) / 2 })));
}

/** One cell (build_module) on `x`, producing `channels` channels. The cell must be pruned. */
export function nb101Module(b: GraphBuilder, x: Ref, cell: Nb101Cell, channels: number): Ref {
  const m = cell.matrix;
  const v = m.length;
  const vc = vertexChannels(b.shape(x)[0]!, channels, m);
  const tensors: Ref[] = [x];
  const concatIn: Ref[] = [];
  for (let t = 1; t < v - 1; t++) {
    const value = b.within(`vertex_${t}`, () => {
      const addIn: Ref[] = [];
      for (let s = 1; s < t; s++) {
        if (!m[s]![t]) continue;
        const src = tensors[s]!;
        addIn.push(b.shape(src)[0]! > vc[t]! ? b.sliceChannels(src, vc[t]!) : src);
      }
      if (m[0]![t]) addIn.push(b.within("projection", () => convBnRelu(b, x, vc[t]!, 1)));
      const input = b.add(addIn);
      switch (cell.ops[t]) {
        case "conv3x3-bn-relu":
          return convBnRelu(b, input, vc[t]!, 3);
        case "conv1x1-bn-relu":
          return convBnRelu(b, input, vc[t]!, 1);
        case "maxpool3x3":
          // TF "same" max-pooling ignores the padding, as ONNX MaxPool does.
          return b.maxPool(input, 3, { stride: 1, padding: 1 });
        default:
          throw new Error(`NB101 vertex ${t} has no interior op (${String(cell.ops[t])})`);
      }
    });
    tensors.push(value);
    if (m[t]![v - 1]) concatIn.push(value);
  }
  return b.within("output", () => {
    if (concatIn.length === 0) return b.within("projection", () => convBnRelu(b, x, channels, 1));
    const joined = b.concat(concatIn);
    if (!m[0]![v - 1]) return joined;
    return b.add([joined, b.within("projection", () => convBnRelu(b, x, channels, 1))]);
  });
}

/** The benchmark network around `cell` (pruned; any vertex order builds the same function). */
export function buildNb101(cell: Nb101Cell, options: BuildOptions & Nb101NetworkOptions): Graph {
  const stem = options.stemChannels ?? 128;
  const stacks = options.stacks ?? 3;
  const perStack = options.cellsPerStack ?? 3;
  const b = new GraphBuilder(options.inputShape);
  let x = b.within("stem", () => convBnRelu(b, b.input, stem, 3));
  let channels = stem;
  for (let s = 0; s < stacks; s++) {
    if (s > 0) {
      // 2×2/2 "same" pooling: no padding on even sizes (32 → 16 → 8). TF pads odd sizes at the
      // bottom/right only, which the IR's symmetric pads cannot express.
      const [, h, w] = b.shape(x);
      if (h! % 2 !== 0 || w! % 2 !== 0) {
        throw new Error(`NB101 downsampling needs even spatial sizes, got ${h}x${w} before stack ${s}`);
      }
      x = b.within(`downsample${s}`, () => b.maxPool(x, 2, { stride: 2 }));
      channels *= 2;
    }
    for (let i = 0; i < perStack; i++) {
      x = b.within(`stack${s}/module${i}`, () => nb101Module(b, x, cell, channels));
    }
  }
  const features = b.within("head", () => b.globalAvgPool(x));
  const logits = b.within("head", () => b.linear(features, options.numClasses));
  return b.build({ features, logits });
}

/**
 * FLOPs per sample as NASLib's NB101 table counts them (`flops_M` of naslib/data/zc_nasbench101.json,
 * from tensorwatch's torchstat compute_flops on its PyTorch network, batch size factored out):
 * conv k·k·C_in/groups·C_out per output position (+1 per output with a bias), BatchNorm 2 per element
 * (1 without affine), ReLU-type activations 1 per element, pooling k·k per output element, linear
 * in·out (its bias is not counted); additions, concatenation, slicing and global pooling count nothing.
 */
export function nb101Flops(graph: Graph): number {
  let total = 0;
  for (const node of graph.nodes) {
    const op = node.op;
    const out = numel(node.shape);
    const inShape = node.inputs.length > 0 ? graph.nodes[node.inputs[0]!]!.shape : [];
    switch (op.kind) {
      case "conv":
        total += out * ((op.kernel[0] * op.kernel[1] * inShape[0]!) / op.groups) + (op.bias ? out : 0);
        break;
      case "batchnorm":
        total += op.affine ? 2 * out : out;
        break;
      case "act":
        total += out;
        break;
      case "pool":
        total += out * op.kernel[0] * op.kernel[1];
        break;
      case "linear":
        total += out * inShape[0]!;
        break;
      default:
        break;
    }
  }
  return total;
}
