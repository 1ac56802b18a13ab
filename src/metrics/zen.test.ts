import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSet } from "../data/imageSet.js";
import { batchNormNodes, numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { withoutResidualShortcuts } from "../ir/transform.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { preGapNode, ZEN_DEFAULTS, zen, zenInputs, zenScore } from "./zen.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const tiny = (arch: string) =>
  buildNb201(parseNb201(arch), { inputShape: [3, 8, 8], numClasses: 3, channels: 4, cellsPerStage: 1 });

/** Zen's formula on the plain-TS forward (fp64), running variances carried over the repeats. */
function bruteForce(arch: string, seed: number, batch: number, repeats: number) {
  const net = withoutResidualShortcuts(tiny(arch));
  const pre = preGapNode(net);
  const bns = batchNormNodes(net);
  const running = new Map(bns.map((bn) => [bn.id, new Float64Array(bn.shape[0]!).fill(1)]));
  let total = 0;
  for (let r = 0; r < repeats; r++) {
    const weights = initWeights(net, "standard_normal", seed, "zen", r);
    const { x, mixed } = zenInputs(batch * numel(net.inputShape), ZEN_DEFAULTS.gamma, seed, r);
    const passes = [x, mixed].map((input) =>
      referenceForward(net, weights, input, batch, { bnMode: "train" }),
    );
    const [f0, f1] = passes.map((p) => p[pre]!);
    let delta = 0;
    for (let i = 0; i < f0!.length; i++) delta += Math.abs(f0![i]! - f1![i]!);
    let bnTerm = 0;
    for (const bn of bns) {
      const c = bn.shape[0]!;
      const hw = numel(bn.shape.slice(1));
      const n = batch * hw;
      const rv = running.get(bn.id)!;
      for (const p of passes) {
        const v = p[bn.inputs[0]!]!;
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          let s2 = 0;
          for (let b = 0; b < batch; b++)
            for (let i = 0; i < hw; i++) {
              const e = v[(b * c + ch) * hw + i]!;
              s += e;
              s2 += e * e;
            }
          const mean = s / n;
          const unbiased = (s2 / n - mean * mean) * (n / (n - 1));
          rv[ch] = 0.9 * rv[ch]! + 0.1 * unbiased;
        }
      }
      bnTerm += Math.log(Math.sqrt(rv.reduce((a, b) => a + b, 0) / c));
    }
    total += Math.log(delta / batch) + bnTerm;
  }
  return total / repeats;
}

test("Zen from ONNX Runtime equals the reference formula on the plain-TS forward", async () => {
  for (const repeats of [1, 2]) {
    const got = await zenScore(tiny(ARCH), { seed: 4, batchSize: 6, repeats }, { threads: 1 });
    const want = bruteForce(ARCH, 4, 6, repeats);
    assert.equal(got.perRepeat.length, repeats);
    assert.ok(Math.abs(got.score - want) < 1e-4, `repeats ${repeats}: ${got.score} vs ${want}`);
  }
});

test("residual shortcuts are removed by default; the option keeps them", async () => {
  const graph = tiny(ARCH);
  const removed = await zenScore(graph, { seed: 1, batchSize: 4 }, { threads: 1 });
  const same = await zenScore(withoutResidualShortcuts(graph), { seed: 1, batchSize: 4 }, { threads: 1 });
  const kept = await zenScore(graph, { seed: 1, batchSize: 4, removeResidual: false }, { threads: 1 });
  assert.equal(removed.score, same.score);
  assert.notEqual(removed.score, kept.score);
});

test("the metric: same seed, same value; features blind to the input give NaN with a reason", async () => {
  const data: ImageSet = {
    name: "unused",
    images: new Float32Array(192),
    labels: new Int32Array(1),
    count: 1,
    channels: 3,
    height: 8,
    width: 8,
    numClasses: 10,
  };
  const input = { graph: tiny(ARCH), data, seed: 3, runtime: { threads: 1 } };
  const a = await zen.compute(input, { batchSize: 8 });
  assert.deepEqual(await zen.compute(input, { batchSize: 8 }), a);
  assert.ok(Number.isFinite(a.values.zen));
  assert.notEqual((await zen.compute({ ...input, seed: 4 }, { batchSize: 8 })).values.zen, a.values.zen);
  const dead = await zen.compute(
    { ...input, graph: tiny("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|") },
    { batchSize: 8 },
  );
  assert.ok(Number.isNaN(dead.values.zen));
  assert.match(dead.reason!, /do not respond/);
});
