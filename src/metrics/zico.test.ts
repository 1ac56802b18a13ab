import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ImageSet } from "../data/imageSet.js";
import { GraphBuilder } from "../ir/builder.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { getMetric } from "./index.js";
import { Memo } from "./metric.js";
import { gaussianImages } from "./testData.js";
import { perBatchGradients, ZICO_DEFAULTS, zico, zicoFromTerms, zicoLayerTerm } from "./zico.js";

const runtime = { threads: 1 };

test("the layer term: Σ mean|g|/σ over entries that vary across batches; layers without any are skipped", () => {
  // Entry 0: |1|,|3| → mean 2, σ 1 → 2. Entries 1 and 2 do not vary. Entry 3: 3, −1 → mean|g| 2, σ 2 → 1.
  const two = zicoLayerTerm([Float32Array.of(1, 2, 0, 3), Float32Array.of(3, 2, 0, -1)]);
  assert.deepEqual(two, { ratioSum: 3, varying: 2 });
  // Three batches 0, 0, 3: mean|g| 1, σ = √2 (population).
  const three = zicoLayerTerm([Float32Array.of(0, 5), Float32Array.of(0, 5), Float32Array.of(3, 5)]);
  assert.equal(three.varying, 1);
  assert.ok(Math.abs(three.ratioSum - 1 / Math.SQRT2) < 1e-15);
  const still = zicoLayerTerm([Float32Array.of(0, 1), Float32Array.of(0, 1)]);
  assert.deepEqual(still, { ratioSum: 0, varying: 0 });
  assert.equal(zicoFromTerms([two, still, three]), Math.log(3) + Math.log(1 / Math.SQRT2));
});

// Logistic regression: ∂(mean CE)/∂W = (1/B) Σ_n (softmax(W x_n + b) − y_n) x_nᵀ, in closed form.
test("known answer: one linear layer, its gradients per batch in closed form (float64)", async () => {
  const b = new GraphBuilder([2, 2, 2]);
  const features = b.flatten(b.input);
  const graph = b.build({ features, logits: b.linear(features, 3) });
  const batch = 6;
  for (const batches of [2, 3]) {
    const data = gaussianImages(batch * batches, [2, 2, 2], 3, 5);
    const weights = initWeights(graph, "kaiming_uniform", 7, "init");
    const [wName, bName] = graph.nodes[graph.logits]!.params.map((p) => p.name);
    const w = weights.get(wName!)!;
    const bias = weights.get(bName!)!;
    const perBatch = Array.from({ length: batches }, (_, k) => {
      const g = new Float64Array(24);
      for (let n = k * batch; n < (k + 1) * batch; n++) {
        const x = data.images.subarray(n * 8, n * 8 + 8);
        const z = [0, 1, 2].map((c) => bias[c]! + x.reduce((s, xi, i) => s + w[c * 8 + i]! * xi, 0));
        const max = Math.max(...z);
        const e = z.map((v) => Math.exp(v - max));
        const sum = e[0]! + e[1]! + e[2]!;
        for (let c = 0; c < 3; c++) {
          const d = e[c]! / sum - (data.labels[n] === c ? 1 : 0);
          for (let i = 0; i < 8; i++) g[c * 8 + i]! += (d * x[i]!) / batch;
        }
      }
      return g;
    });
    let ratios = 0;
    for (let i = 0; i < 24; i++) {
      const gs = perBatch.map((g) => g[i]!);
      const mean = gs.reduce((s, v) => s + v, 0) / batches;
      const meanAbs = gs.reduce((s, v) => s + Math.abs(v), 0) / batches;
      const sd = Math.sqrt(gs.reduce((s, v) => s + (v - mean) ** 2, 0) / batches);
      ratios += meanAbs / sd;
    }
    const got = await zico.compute({ graph, data, seed: 7, runtime }, { batchSize: batch, batches });
    assert.ok(
      Math.abs(got.values.zico! - Math.log(ratios)) < 1e-4,
      `${batches}: ${got.values.zico} vs ${Math.log(ratios)}`,
    );
    assert.equal(got.diagnostics?.zico_layers, 1);
  }
});

const tinyNb201 = (arch: string) =>
  buildNb201(parseNb201(arch), { inputShape: [3, 8, 8], numClasses: 3, channels: 4, cellsPerStage: 1 });
const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";

test("each batch's gradients are those of its own slice of the data (float64 finite differences)", async () => {
  const b = new GraphBuilder([2, 4, 4]);
  const a = b.relu(b.batchNorm(b.conv(b.input, 2, 3, { padding: 1 })));
  const features = b.globalAvgPool(a);
  const graph = b.build({ features, logits: b.linear(features, 3) });
  const batch = 4;
  const data = gaussianImages(2 * batch, [2, 4, 4], 3, 1);
  const o = { ...ZICO_DEFAULTS, batchSize: batch };
  const input = { graph, data, seed: 2, runtime, memo: new Memo() };
  const grads = await perBatchGradients(input, o);
  const weights = initWeights(graph, o.init, 2, "init");
  const name = graph.nodes.find((n) => n.op.kind === "conv")!.params[0]!.name;
  const loss = (k: number, w: Float32Array) => {
    const images = data.images.subarray(k * batch * 32, (k + 1) * batch * 32);
    const logits = referenceForward(graph, new Map([...weights, [name, w]]), images, batch, {
      bnMode: "train",
    })[graph.logits]!;
    let total = 0;
    for (let n = 0; n < batch; n++) {
      const row = Array.from(logits.subarray(n * 3, n * 3 + 3));
      const max = Math.max(...row);
      total +=
        max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[data.labels[k * batch + n]!]!;
    }
    return total / batch;
  };
  const w = weights.get(name)!;
  for (let k = 0; k < 2; k++)
    for (let i = 0; i < w.length; i++) {
      const plus = Float32Array.from(w);
      const minus = Float32Array.from(w);
      plus[i] = w[i]! + 1e-3;
      minus[i] = w[i]! - 1e-3;
      const fd = (loss(k, plus) - loss(k, minus)) / (plus[i]! - minus[i]!);
      const g = grads.get(name)![k]![i]!;
      assert.ok(Math.abs(g - fd) < 1e-4 + 1e-3 * Math.abs(fd), `batch ${k} [${i}]: ${g} vs ${fd}`);
    }
});

test("invariants: seeded, symmetric in the batches, a dead network scores 0, no layers fails", async () => {
  const data = gaussianImages(16, [3, 8, 8], 3, 4);
  const input = { graph: tinyNb201(ARCH), data, seed: 3, runtime };
  const o = { batchSize: 8 };
  const a = await zico.compute(input, o);
  assert.ok(Number.isFinite(a.values.zico) && a.values.zico! > 0);
  assert.deepEqual(await zico.compute(input, o), a);
  assert.notEqual((await zico.compute({ ...input, seed: 4 }, o)).values.zico, a.values.zico);
  // The same two batches in the other order: mean|g| and σ do not depend on the order.
  const half = 8 * 192;
  const swapped: ImageSet = {
    ...data,
    images: Float32Array.from([...data.images.subarray(half), ...data.images.subarray(0, half)]),
    labels: Int32Array.from([...data.labels.subarray(8), ...data.labels.subarray(0, 8)]),
  };
  const b = await zico.compute({ ...input, data: swapped }, o);
  assert.ok(
    Math.abs(b.values.zico! - a.values.zico!) < 1e-3 * a.values.zico!,
    `${b.values.zico} vs ${a.values.zico}`,
  );
  // Every edge `none`: the head sees zero features, so no weight's gradient varies (reference: 0).
  const dead = await zico.compute(
    { ...input, graph: tinyNb201("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|") },
    o,
  );
  assert.equal(dead.values.zico, 0);
  assert.equal(dead.diagnostics?.zico_layers, 0);
  const pb = new GraphBuilder([3, 1, 1]);
  const flat = pb.flatten(pb.input);
  const bare = await zico.compute({ ...input, graph: pb.build({ features: flat, logits: flat }) }, o);
  assert.ok(Number.isNaN(bare.values.zico));
  assert.match(bare.reason!, /no conv or linear/);
  assert.equal(getMetric("zico"), zico);
  assert.equal(zico.images(zico.defaults), 256);
  assert.throws(() => zico.resolve({ batches: 1 }), /zico\.batches=1: must be an integer ≥ 2/);
});

const PYTHON = "/usr/bin/python3";
const TOOL = resolve(fileURLToPath(import.meta.url), "../../../bench/torch_zico.py");
const torchMissing = (): string | undefined =>
  !existsSync(PYTHON)
    ? `${PYTHON} not found`
    : spawnSync(PYTHON, ["-c", "import torch"]).status === 0
      ? undefined
      : `torch not importable by ${PYTHON} (Debian python3-torch)`;
const skip = torchMissing();
if (skip) process.stdout.write(`# SKIP zico against bench/torch_zico.py: ${skip}\n`);

// The same weights and images in PyTorch. Per-batch gradients agree to float32 round-off, but ZiCo
// sums mean|g|/σ, which is huge wherever two batches' gradients nearly coincide, so round-off moves
// the score: ~1e-5 relative on these tiny cells (limit 5e-4), up to ~2% on full NB201 networks.
test("equals bench/torch_zico.py (PyTorch autograd) with identical weights on tiny NB201 cells", {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "zico-"));
  try {
    const batch = 8;
    const data = gaussianImages(2 * batch, [3, 8, 8], 3, 6);
    writeFileSync(join(dir, "in.json"), JSON.stringify({ shape: [2 * batch, 3, 8, 8] }));
    writeFileSync(join(dir, "in.images.bin"), data.images);
    writeFileSync(join(dir, "in.labels.bin"), data.labels);
    const archs = [
      ARCH,
      "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
    ];
    const ours: number[] = [];
    const args = [
      "--inputs",
      join(dir, "in"),
      "--batch",
      `${batch}`,
      "--channels",
      "4",
      "--cells",
      "1",
      "--classes",
      "3",
    ];
    for (const [i, arch] of archs.entries()) {
      const graph = tinyNb201(arch);
      const weights = initWeights(graph, "kaiming_uniform", 5, "init");
      const params = graph.nodes.flatMap((n) => n.params);
      writeFileSync(join(dir, `w${i}.json`), JSON.stringify(params.map((p) => [p.name, p.shape])));
      writeFileSync(
        join(dir, `w${i}.bin`),
        Buffer.concat(
          params.map((p) =>
            Buffer.from(
              new Uint8Array(
                weights.get(p.name)!.buffer,
                weights.get(p.name)!.byteOffset,
                weights.get(p.name)!.byteLength,
              ),
            ),
          ),
        ),
      );
      ours.push((await zico.compute({ graph, data, seed: 5, runtime }, { batchSize: batch })).values.zico!);
      args.push("--arch", arch, "--weights", join(dir, `w${i}`));
    }
    const run = spawnSync(PYTHON, [TOOL, ...args], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const theirs = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { zico: number; weights: string });
    assert.equal(theirs.length, archs.length);
    theirs.forEach((t, i) => {
      assert.equal(t.weights, "nasprobe");
      assert.ok(
        Math.abs(t.zico - ours[i]!) < 5e-4 * Math.abs(t.zico),
        `${archs[i]}: ours ${ours[i]}, torch ${t.zico}`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
