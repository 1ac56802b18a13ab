// Small networks shared by tests of the ONNX lowering and its gradient.

import type { Rng } from "../util/random.js";
import { GraphBuilder } from "./builder.js";
import { ACTIVATIONS, type Graph } from "./graph.js";

/** Every op and every conv/pool variant in one small net. */
export function everyOpNet(): Graph {
  const b = new GraphBuilder([4, 9, 9]);
  const stem = b.conv(b.input, 6, 3, { padding: 1, bias: true });
  const strided = b.conv(stem, 6, 3, { stride: 2, padding: 1 }); // 5×5
  const dilated = b.conv(stem, 6, 3, { dilation: 2, padding: 2, stride: 2, groups: 3 }); // 5×5
  const pooledIn = b.avgPool(stem, 3, { stride: 2, padding: 1, countIncludePad: true });
  const pooledEx = b.avgPool(stem, 3, { stride: 2, padding: 1, countIncludePad: false });
  const maxed = b.maxPool(stem, 3, { stride: 2, padding: 1 });
  const depthwise = b.conv(strided, 6, 3, { padding: 1, groups: 6 });
  const sum = b.add([strided, dilated, pooledIn, pooledEx, maxed, b.zero(depthwise)]);
  const acts = ACTIVATIONS.map((fn) => b.act(b.batchNorm(sum), fn));
  const cat = b.concat([b.identity(depthwise), ...acts]);
  const features = b.globalAvgPool(b.batchNorm(cat, { affine: false }));
  const flat = b.linear(b.flatten(b.avgPool(cat, 5)), 7, { bias: false });
  const logits = b.linear(b.add([flat, b.linear(features, 7)]), 3);
  return b.build({ features, logits });
}

export function randomize(weights: Map<string, Float32Array>, rng: Rng): void {
  // Non-trivial BN affine and biases, so a wrong operand order cannot hide behind γ=1, β=0.
  for (const [name, v] of weights) {
    if (/\.(gamma|beta|bias)$/.test(name)) for (let i = 0; i < v.length; i++) v[i] = 0.5 + rng.uniform();
  }
}

/**
 * The ops spaces and imported models add beyond NB201's: broadcasting mul/add (squeeze-and-
 * excitation), matmul, reshape, channel slices, flat concat, projected concat, parameterised
 * leaky ReLU, and every activation on a flat tensor.
 */
export function newOpsNet(): Graph {
  const b = new GraphBuilder([4, 6, 6]);
  const stem = b.conv(b.input, 6, 3, { padding: 1, bias: true });
  // Squeeze-and-excitation: [C,H,W] ⊙ σ(fc(gap)) as [C,1,1]; operands both ways round.
  const squeeze = b.linear(b.relu(b.linear(b.globalAvgPool(stem), 3)), 6);
  const gate = b.reshape(b.act(squeeze, "hsigmoid"), [-1, 1, 1]);
  const excited = b.mul(stem, gate);
  const gated = b.mul(b.reshape(b.act(squeeze, "sigmoid"), [6, 1, 1]), b.act(stem, "hswish"));
  // A per-position map [1,H,W] added to every channel, and a bias-like [C,1,1].
  const spatialMap = b.conv(stem, 1, 1);
  const shifted = b.addBroadcast([excited, spatialMap, gate]);
  const same = b.mul(shifted, gated); // equal shapes
  const sliced = b.sliceChannels(b.leakyRelu(same, 0.2), 4);
  const merged = b.concatProjected([sliced, b.act(stem, "relu6")], [5, 6]);
  // Per-sample matrices: [C, H·W] × [H·W, C] (a Gram matrix), then flattened.
  const m = b.reshape(b.batchNorm(merged), [11, 36]);
  const gram = b.matmul(m, b.reshape(b.conv(merged, 11, 1), [36, 11]));
  const flat = b.flatten(gram);
  const features = b.globalAvgPool(merged);
  const heads = ACTIVATIONS.map((fn) => b.act(b.linear(features, 3), fn));
  const logits = b.linear(b.concat([b.linear(flat, 4), ...heads]), 3);
  return b.build({ features, logits });
}
