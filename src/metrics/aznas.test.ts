import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { allParams, type Graph, numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { dense, symmetricEigen } from "../linalg/kernelRegression.js";
import { getSpace } from "../spaces/index.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import {
  AZNAS_DEFAULTS,
  aznas,
  aznasBlocks,
  aznasCotangent,
  aznasInputs,
  aznasScores,
  cutPoints,
  isotropyEntropy,
  trainabilityTerm,
} from "./aznas.js";
import { gaussianImages } from "./testData.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
/** node 3 = skip(node 0): the cell is exactly the identity. */
const IDENTITY = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|";
const TINY = { inputShape: [3, 8, 8], numClasses: 10, channels: 4, cellsPerStage: 1 } as const;
const tiny = (arch: string) => buildNb201(parseNb201(arch), TINY);
const runtime = { threads: 1 };
const close = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: ${got} vs ${want}`);

test("blocks: NB201's stem and its 17 cells (the reference's extract_cell_features)", () => {
  const g = buildNb201(parseNb201(ARCH), { inputShape: [3, 32, 32], numClasses: 10 });
  const names = aznasBlocks(g).map((id) => g.nodes[id]!.name);
  const cells = (s: number) => [0, 1, 2, 3, 4].map((c) => `s${s}c${c}/n3/add`);
  assert.deepEqual(names, ["stem/bn", ...cells(0), "reduce1/add", ...cells(1), "reduce2/add", ...cells(2)]);
});

test("cut points: nodes every input-to-logits path passes through", () => {
  const b = new GraphBuilder([2, 4, 4]);
  const stem = b.within("stem", () => b.conv(b.input, 3, 1)); // 1
  const left = b.within("blk", () => b.relu(stem)); // 2
  const right = b.within("blk", () => b.conv(stem, 3, 1)); // 3
  const join = b.within("blk", () => b.add([left, right])); // 4
  const bn = b.within("blk", () => b.batchNorm(join)); // 5
  const features = b.within("head", () => b.globalAvgPool(bn)); // 6
  const logits = b.within("head", () => b.linear(features, 2)); // 7
  const g = b.build({ features, logits });
  assert.deepEqual(cutPoints(g), [0, 1, 4, 5, 6, 7]);
  // The last cut point of each scope before the head; the input is no block.
  assert.deepEqual(aznasBlocks(g), [1, 5]);
});

test("blocks in other spaces: NB101 modules at depth 2, NB-Macro layers, MLP layers", () => {
  const nb101 = getSpace("nb101:stem=8,cells=1");
  const cell = nb101.parse(
    JSON.stringify({
      matrix: [
        [0, 1, 1, 0, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
      ],
      ops: ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"],
    }),
  );
  const g101 = nb101.build(cell, nb101.defaultBuild);
  const scopes = (g: Graph, depth: number) =>
    aznasBlocks(g, depth).map((id) => g.nodes[id]!.name.split("/").slice(0, depth).join("/"));
  assert.deepEqual(scopes(g101, 2), [
    "stem/relu",
    "stack0/module0",
    "downsample1/maxpool",
    "stack1/module0",
    "downsample2/maxpool",
    "stack2/module0",
  ]);
  const macro = getSpace("nbmacro");
  const gm = macro.build(macro.parse("02012100"), macro.defaultBuild);
  // Layers s2l1 and s2l2 are identities ("0"): no nodes, so no blocks; a stage's first "0" is a
  // strided 1×1 projection, so it is one.
  assert.deepEqual(scopes(gm, 1), ["stem", "s0l0", "s0l1", "s1l0", "s1l1", "s1l2", "s2l0", "head"]);
  const mlp = getSpace("mlp:depth=3,width=8,family=mlp,activations=relu+tanh");
  const gl = mlp.build(mlp.sample(new Rng(0)), mlp.defaultBuild);
  assert.deepEqual(scopes(gl, 1), ["layer1", "layer2", "layer3"]);
});

test("isotropy entropy: independent ±a, ±b channels give the two-point entropy of a², b²", () => {
  // 2 channels over 4 samples × 2 positions; per channel a balanced ±amplitude pattern plus an offset
  // (centring removes it); the two patterns are orthogonal, so the covariance is diag(a², b²).
  const [a, b] = [1, 2];
  const signA = [1, -1, 1, -1, 1, -1, 1, -1];
  const signB = [1, 1, -1, -1, 1, 1, -1, -1];
  const f = new Float32Array(4 * 2 * 2);
  for (let s = 0; s < 4; s++)
    for (let p = 0; p < 2; p++) {
      f[(s * 2 + 0) * 2 + p] = 5 + a * signA[s * 2 + p]!;
      f[(s * 2 + 1) * 2 + p] = -3 + b * signB[s * 2 + p]!;
    }
  const p1 = (a * a) / (a * a + b * b);
  const p2 = 1 - p1;
  const want = -(p1 * Math.log(p1 + 1e-8) + p2 * Math.log(p2 + 1e-8));
  close(isotropyEntropy(f, 4, [2, 1, 2]), want, 1e-12, "entropy");
  // More channels than rows (5 > 1 sample × 3 positions): the small Gram matrix's eigenvalues, against
  // the channel covariance written out directly.
  const wide = Float32Array.from({ length: 15 }, (_, i) => Math.sin(1.7 * i) + 0.1 * i);
  const cov: number[][] = [];
  for (let i = 0; i < 5; i++) {
    cov.push([]);
    for (let j = 0; j < 5; j++) {
      const mi = (wide[i * 3]! + wide[i * 3 + 1]! + wide[i * 3 + 2]!) / 3;
      const mj = (wide[j * 3]! + wide[j * 3 + 1]! + wide[j * 3 + 2]!) / 3;
      let sum = 0;
      for (let p = 0; p < 3; p++) sum += (wide[i * 3 + p]! - mi) * (wide[j * 3 + p]! - mj);
      cov[i]!.push(sum / 3);
    }
  }
  const eig = symmetricEigen(dense(5, 5, Float64Array.from(cov.flat()))).values;
  const trace = eig.reduce((t, e) => t + e, 0);
  const direct = -[...eig].reduce((h, e) => h + (e / trace) * Math.log(e / trace + 1e-8), 0);
  close(isotropyEntropy(wide, 1, [5, 1, 3]), direct, 1e-9, "entropy with channels > rows");
  // Constant features: every eigenvalue 0, NaN as in the reference.
  assert.ok(Number.isNaN(isotropyEntropy(new Float32Array(16).fill(3), 4, [2, 1, 2])));
});

test("trainability term: hand-computed spectral norms, pixel unshuffle, and −∞ for an identity", () => {
  const term = (sigma: number) => 2 - sigma - 1 / (sigma + 1e-6);
  // Same resolution: 1 sample, 2 channels, 1×2 positions; M = ½ Σ_rows g_in g_outᵀ = diag(1.5, 2).
  const gIn = Float32Array.from([1, 0, 0, 1]);
  const gOut = Float32Array.from([3, 0, 0, 4]);
  close(trainabilityTerm(gIn, [2, 1, 2], gOut, [2, 1, 2], 1), term(2), 1e-12, "s = 1");
  // Stride 2: a 1×2×4 g_in onto a 1×1×2 g_out; only output position 0 carries a cotangent, so M is
  // the 2×2 left half of g_in (4 unshuffled channels) over the 2 rows: σ = ‖(1, 2, 2, 4)‖ / 2.
  const wide = Float32Array.from([1, 2, 9, 9, 2, 4, 9, 9]);
  close(
    trainabilityTerm(wide, [1, 2, 4], Float32Array.from([1, 0]), [1, 1, 2], 1),
    term(5 / 2),
    1e-12,
    "s = 2",
  );
  assert.equal(trainabilityTerm(gOut, [2, 1, 2], gOut, [2, 1, 2], 1), Number.NEGATIVE_INFINITY);
  assert.throws(() => trainabilityTerm(gIn, [1, 1, 4], gOut, [1, 2, 2], 1), /cannot be unshuffled/);
});

test("entropies equal a float64 plain-TS forward's; values are seeded and complete", async () => {
  const g = tiny(ARCH);
  const o = { ...AZNAS_DEFAULTS, batchSize: 16 };
  const weights = initWeights(g, o.init, 3, "aznas");
  const images = aznasInputs({ graph: g, seed: 3 }, o);
  const r = await aznasScores(g, weights, images, { bnMode: "train", blockDepth: 1, seed: 3, runtime });
  const values = referenceForward(g, weights, images.data, images.count, { bnMode: "train" });
  r.blocks.forEach((id, k) => {
    const f64 = values[id]!;
    close(
      r.entropies[k]!,
      isotropyEntropy(Float32Array.from(f64), images.count, g.nodes[id]!.shape),
      1e-4,
      `H${k}`,
    );
  });
  const sum = r.entropies.reduce((s, e) => s + e, 0);
  close(r.expressivity, sum, 1e-12, "expressivity");
  const steps = r.entropies.slice(1).map((e, k) => e - r.entropies[k]!);
  assert.equal(r.progressivity, Math.min(...steps));
  assert.equal(r.trainabilityTerms.length, r.blocks.length - 1);
  assert.ok(
    r.trainabilityTerms.every((t) => t <= 0),
    "2 − σ − 1/σ ≤ 0 for every σ > 0",
  );

  const input = { graph: g, data: gaussianImages(1, [3, 8, 8], 3), seed: 3, runtime };
  const a = await aznas.compute(input, { batchSize: 16 });
  const b = await aznas.compute(input, { batchSize: 16 });
  assert.deepEqual(a, b);
  assert.equal(a.values.aznas_expressivity, r.expressivity);
  assert.equal(a.values.aznas_trainability, r.trainability);
  const inference = await aznas.compute(input, { batchSize: 16, bnMode: "inference" });
  for (const [k, v] of Object.entries(inference.values))
    assert.ok(Number.isFinite(v), `inference ${k} = ${v}`);
  assert.notEqual(inference.values.aznas_expressivity, a.values.aznas_expressivity);
  const other = await aznas.compute({ ...input, seed: 4 }, { batchSize: 16 });
  assert.notEqual(other.values.aznas_expressivity, a.values.aznas_expressivity);
  assert.equal(a.values.aznas_complexity, other.values.aznas_complexity);
});

test("an identity cell and an all-none cell: NaN with the reference's reason", async () => {
  const data = gaussianImages(1, [3, 8, 8], 3);
  const id = await aznas.compute({ graph: tiny(IDENTITY), data, seed: 0, runtime }, { batchSize: 8 });
  assert.ok(Number.isNaN(id.values.aznas_trainability!));
  assert.match(id.reason ?? "", /s0c0\/n3\/add is the identity/);
  assert.ok(Number.isFinite(id.values.aznas_expressivity!));
  const none = await aznas.compute(
    { graph: tiny("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), data, seed: 0, runtime },
    { batchSize: 8 },
  );
  assert.ok(Number.isNaN(none.values.aznas_expressivity!));
  assert.match(none.reason ?? "", /constant features/);
});

test("works on an MLP (flat features) and on NB-Macro; one block only gives NaN with the reason", async () => {
  const mlp = getSpace("mlp:depth=3,width=16,family=mlp,activations=relu+tanh");
  const g = mlp.build(mlp.sample(new Rng(2)), mlp.defaultBuild);
  const data = gaussianImages(1, [1, 28, 28], 10);
  const r = await aznas.compute({ graph: g, data, seed: 0, runtime }, { batchSize: 32 });
  for (const [k, v] of Object.entries(r.values)) assert.ok(Number.isFinite(v), `${k} = ${v} (${r.reason})`);
  // A deep skip from layer 1 to the head: no node after layer 1 is on every path, so one block.
  const resnet = getSpace("mlp:depth=3,width=16,family=resnet,activations=relu+tanh");
  const arch = resnet.parse(
    '{"family":"resnet","layers":[{"activation":"relu","skip":"deep"},{"activation":"tanh","skip":"none"},{"activation":"tanh","skip":"identity"}]}',
  );
  const one = await aznas.compute(
    { graph: resnet.build(arch, resnet.defaultBuild), data, seed: 0, runtime },
    { batchSize: 32 },
  );
  assert.ok(Number.isFinite(one.values.aznas_expressivity!));
  assert.ok(Number.isNaN(one.values.aznas_trainability!) && Number.isNaN(one.values.aznas_progressivity!));
  assert.match(one.reason ?? "", /one block only/);
  const macro = getSpace("nbmacro");
  const gm = macro.build(macro.parse("12000021"), macro.defaultBuild);
  const rm = await aznas.compute(
    { graph: gm, data: gaussianImages(1, [3, 32, 32], 10), seed: 0, runtime, countFlops: macro.flops },
    { batchSize: 2 },
  );
  for (const [k, v] of Object.entries(rm.values)) assert.ok(Number.isFinite(v), `${k} = ${v} (${rm.reason})`);
  assert.equal(rm.values.aznas_complexity, macro.flops!(gm));
});

const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;

test("identical weights, inputs and cotangents: equal to bench/torch_aznas.py (PyTorch) on one cell", {
  skip: hasTorch ? false : "/usr/bin/python3 has no torch",
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "aznas-"));
  try {
    // Conv 1×1 and 3×3, avg-pool and skip edges, and both reduction blocks (pixel unshuffle).
    for (const arch of [ARCH]) {
      const g = tiny(arch);
      const o = { ...AZNAS_DEFAULTS, batchSize: 16 };
      const weights = initWeights(g, o.init, 0, "aznas");
      const images = aznasInputs({ graph: g, seed: 0 }, o);
      const r = await aznasScores(g, weights, images, { bnMode: "train", blockDepth: 1, seed: 0, runtime });
      const cat = (xs: Float32Array[]) => {
        const out = new Float32Array(xs.reduce((s, x) => s + x.length, 0));
        let at = 0;
        for (const x of xs) {
          out.set(x, at);
          at += x.length;
        }
        return out;
      };
      const params = allParams(g);
      const outShapes = r.blocks.slice(1).map((id) => [o.batchSize, ...g.nodes[id]!.shape]);
      writeFileSync(join(dir, "params.f32"), cat(params.map((p) => weights.get(p.name)!)));
      writeFileSync(join(dir, "input.f32"), images.data);
      writeFileSync(
        join(dir, "cotangents.f32"),
        cat(outShapes.map((s, k) => aznasCotangent(0, k + 1, numel(s)))),
      );
      writeFileSync(
        join(dir, "meta.json"),
        JSON.stringify({
          arch,
          batch: o.batchSize,
          params: params.map((p) => p.shape),
          cotangents: outShapes,
        }),
      );
      const py = spawnSync(
        "/usr/bin/python3",
        ["bench/torch_aznas.py", "--bundle", dir, "--channels", "4", "--cells", "1", "--resolution", "8"],
        { encoding: "utf8" },
      );
      assert.equal(py.status, 0, py.stderr);
      const ref = JSON.parse(py.stdout) as Record<string, number | number[]>;
      close(r.expressivity, ref.expressivity as number, 1e-5, "expressivity");
      close(r.progressivity, ref.progressivity as number, 1e-3, "progressivity");
      close(r.trainability, ref.trainability as number, 1e-4, "trainability");
      for (const [k, t] of (ref.trainability_terms as number[]).entries())
        close(r.trainabilityTerms[k]!, t, 1e-4, `term ${k}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
