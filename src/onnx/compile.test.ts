import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { everyOpNet, newOpsNet, randomize } from "../ir/fixtures.js";
import { batchNormNodes, type Graph } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { batchMeanName, batchVarName, compileToOnnx, runningMeanName, runningVarName } from "./compile.js";
import { OnnxSession } from "./runtime.js";

function assertClose(actual: Float32Array, expected: Float64Array, what: string, tol = 2e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    assert.ok(
      err <= tol * (1 + scale),
      `${what}[${i}]: ORT ${actual[i]} vs reference ${expected[i]} (scale ${scale})`,
    );
  }
}

async function checkAgainstReference(graph: Graph, batch: number, seed: number): Promise<void> {
  const rng = new Rng(seed, "test");
  const weights = initWeights(graph, "kaiming_normal", seed);
  randomize(weights, rng);
  const input = Float32Array.from({ length: batch * graph.inputShape.reduce((a, b) => a * b) }, () =>
    rng.normal(),
  );
  const runningStats = new Map(
    batchNormNodes(graph).map((bn) => {
      const c = bn.shape[0]!;
      return [
        bn.name,
        {
          mean: Float64Array.from({ length: c }, () => rng.normal() * 0.1),
          variance: Float64Array.from({ length: c }, () => 0.5 + rng.uniform()),
        },
      ];
    }),
  );
  for (const bnMode of ["inference", "train"] as const) {
    const compiled = compileToOnnx(graph, { bnMode });
    const session = await OnnxSession.create(compiled.bytes, { threads: 1 });
    const feeds: Record<string, { data: Float32Array; dims: number[] }> = {
      input: { data: input, dims: [batch, ...graph.inputShape] },
    };
    for (const p of graph.nodes.flatMap((n) => n.params))
      feeds[p.name] = { data: weights.get(p.name)!, dims: [...p.shape] };
    if (bnMode === "inference") {
      for (const bn of batchNormNodes(graph)) {
        const s = runningStats.get(bn.name)!;
        feeds[runningMeanName(bn)] = { data: Float32Array.from(s.mean), dims: [s.mean.length] };
        feeds[runningVarName(bn)] = { data: Float32Array.from(s.variance), dims: [s.variance.length] };
      }
    }
    assert.deepEqual(
      [...compiled.weightInputs].sort(),
      Object.keys(feeds)
        .filter((k) => k !== "input")
        .sort(),
    );
    const out = await session.run(feeds);
    const ref = referenceForward(graph, weights, input, batch, { bnMode, runningStats });
    assertClose(out.features!.data, ref[graph.features]!, `${bnMode} features`);
    assertClose(out.logits!.data, ref[graph.logits]!, `${bnMode} logits`);
    if (bnMode === "train") {
      // The batch statistics the graph exports are those of the BN input.
      const bn = batchNormNodes(graph)[0]!;
      const x = ref[bn.inputs[0]!]!;
      const c = bn.shape[0]!;
      const hw = x.length / batch / c;
      const mean = new Float64Array(c);
      for (let i = 0; i < x.length; i++) mean[Math.floor(i / hw) % c]! += x[i]! / (batch * hw);
      const variance = new Float64Array(c);
      for (let i = 0; i < x.length; i++) {
        const ch = Math.floor(i / hw) % c;
        variance[ch]! += (x[i]! - mean[ch]!) ** 2 / (batch * hw);
      }
      assertClose(out[batchMeanName(bn)]!.data, mean, "batch mean");
      assertClose(out[batchVarName(bn)]!.data, variance, "batch variance");
    }
    await session.release();
  }
}

test("ONNX Runtime matches the plain-TS reference on a net with every op", async () => {
  await checkAgainstReference(everyOpNet(), 3, 1);
});

test("ONNX Runtime matches the reference on a small NB201 network", async () => {
  const arch = parseNb201(
    "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
  );
  const graph = buildNb201(arch, { inputShape: [3, 8, 8], numClasses: 5, channels: 4, cellsPerStage: 1 });
  await checkAgainstReference(graph, 4, 2);
});

test("baked initializers give the same outputs as fed weights", async () => {
  const graph = everyOpNet();
  const weights = initWeights(graph, "variance_scaling", 3);
  const input = Float32Array.from({ length: 2 * 4 * 81 }, (_, i) => Math.sin(i));
  const fed = compileToOnnx(graph, { bnMode: "train" });
  const baked = compileToOnnx(graph, { bnMode: "train", initializers: weights });
  assert.equal(baked.weightInputs.length, 0);
  const feeds = Object.fromEntries(
    graph.nodes
      .flatMap((n) => n.params)
      .map((p) => [p.name, { data: weights.get(p.name)!, dims: [...p.shape] }]),
  );
  const a = await (await OnnxSession.create(fed.bytes)).run({
    ...feeds,
    input: { data: input, dims: [2, 4, 9, 9] },
  });
  const b = await (await OnnxSession.create(baked.bytes)).run({ input: { data: input, dims: [2, 4, 9, 9] } });
  assertClose(b.logits!.data, Float64Array.from(a.logits!.data), "logits", 1e-6);
});

test("sliceChannels lowers to a Slice on the channel axis that matches the reference", async () => {
  const b = new GraphBuilder([5, 6, 6]);
  const stem = b.conv(b.input, 7, 3, { padding: 1, bias: true });
  const kept = b.sliceChannels(b.relu(stem), 4);
  assert.deepEqual(b.shape(kept), [4, 6, 6]);
  const features = b.globalAvgPool(b.batchNorm(b.conv(kept, 6, 1)));
  const logits = b.linear(b.sliceChannels(b.linear(features, 8), 3), 3);
  const graph = b.build({ features, logits });
  assert.equal(graph.nodes[kept]!.params.length, 0);
  await checkAgainstReference(graph, 3, 4);
});

test("ONNX Runtime matches the reference on the broadcasting, matmul, reshape and activation ops", async () => {
  await checkAgainstReference(newOpsNet(), 3, 5);
});
