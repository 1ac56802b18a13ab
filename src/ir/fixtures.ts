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
