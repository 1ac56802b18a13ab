import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { allParams, type Graph } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { dense, symmetricEigen } from "../linalg/kernelRegression.js";
import { buildMlp } from "../spaces/mlp.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import {
  channelCorrelation,
  layerScores,
  meco,
  mecoLayers,
  mecoScore,
  minEigenvalue,
  sampleChannels,
} from "./meco.js";
import { frontBatch } from "./metric.js";
import { gaussianImages } from "./testData.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const tiny = (arch: string) =>
  buildNb201(parseNb201(arch), { inputShape: [3, 8, 8], numClasses: 3, channels: 6, cellsPerStage: 1 });
const RUNTIME = { threads: 1 };

test("λ_min of a channel correlation by hand: two channels at r = 0.8, and a constant channel", () => {
  // a − ā = (−1.5, −.5, .5, 1.5), b − b̄ = (−1.5, .5, −.5, 1.5): r = 4 / 5, eigenvalues 1 ± r.
  const two = channelCorrelation([1, 2, 3, 4, 1, 3, 2, 4], 2, 4);
  assert.ok(Math.abs(two[1]! - 0.8) < 1e-15 && Math.abs(two[0]! - 1) < 1e-15);
  assert.ok(Math.abs(minEigenvalue(two, 2) - 0.2) < 1e-14);
  // A constant third channel: torch.corrcoef gives NaN on its row and column, the reference sets
  // them to 0 (diagonal included), so 0 is an eigenvalue.
  const three = channelCorrelation([1, 2, 3, 4, 1, 3, 2, 4, 7, 7, 7, 7], 3, 4);
  assert.deepEqual([...three.slice(6)], [0, 0, 0]);
  assert.ok(Math.abs(minEigenvalue(three, 3)) < 1e-15);
  // An offset reads the map of a later sample.
  assert.deepEqual(channelCorrelation([9, 9, 1, 2, 3, 4, 1, 3, 2, 4], 2, 4, 2), two);
});

test("minEigenvalue equals the least eigenvalue of ml-matrix's full decomposition", () => {
  const rng = new Rng(3, "meco-eigen");
  for (const n of [2, 3, 5, 8, 16, 33, 64]) {
    // Correlations of random data (positive definite) and of fewer positions than channels (singular).
    for (const positions of [n + 7, Math.max(2, n - 3)]) {
      const x = Float64Array.from({ length: n * positions }, () => rng.normal());
      const corr = channelCorrelation(x, n, positions);
      const want = Math.min(...symmetricEigen(dense(n, n, corr)).values);
      const got = minEigenvalue(corr, n);
      assert.ok(Math.abs(got - want) < 1e-12, `n=${n}, positions=${positions}: ${got} vs ${want}`);
    }
    // An indefinite symmetric matrix with a negative least eigenvalue.
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const want = Math.min(...symmetricEigen(dense(n, n, a)).values);
    assert.ok(Math.abs(minEigenvalue(a, n) - want) < 1e-11 * Math.max(1, Math.abs(want)));
  }
});

test("sampleChannels draws distinct channels, every channel when asked for more", () => {
  const drawn = sampleChannels(new Rng(1, "t"), 64, 8);
  assert.equal(new Set(drawn).size, 8);
  assert.ok(drawn.every((c) => Number.isInteger(c) && c >= 0 && c < 64));
  assert.deepEqual(
    sampleChannels(new Rng(1, "t"), 5, 8).sort((a, b) => a - b),
    [0, 1, 2, 3, 4],
  );
});

/** Both scores from the plain-TS float64 forward and ml-matrix's eigenvalues, written out in full. */
function independentScores(
  graph: Graph,
  weights: Map<string, Float32Array>,
  x: Float32Array,
  seed: number,
  k: number,
) {
  const values = referenceForward(graph, weights, x, 1, { bnMode: "train" });
  let total = 0;
  let totalOpt = 0;
  let layers = 0;
  for (const node of graph.nodes) {
    const [c, h, w] = node.shape as [number, number, number];
    if (node.op.kind === "input" || node.shape.length !== 3 || h * w < 2) continue;
    layers++;
    const v = values[node.id]!;
    const corr = new Float64Array(c * c);
    const mean = (i: number) => v.slice(i * h * w, (i + 1) * h * w).reduce((s, e) => s + e, 0) / (h * w);
    for (let i = 0; i < c; i++)
      for (let j = 0; j < c; j++) {
        const [mi, mj] = [mean(i), mean(j)];
        let sij = 0;
        let sii = 0;
        let sjj = 0;
        for (let p = 0; p < h * w; p++) {
          const [a, b] = [v[i * h * w + p]! - mi, v[j * h * w + p]! - mj];
          sij += a * b;
          sii += a * a;
          sjj += b * b;
        }
        const r = sij / Math.sqrt(sii * sjj);
        corr[i * c + j] = Number.isFinite(r) ? r : 0;
      }
    const least = (m: Float64Array, n: number) => Math.min(...symmetricEigen(dense(n, n, m)).values);
    total += least(corr, c);
    const rows = sampleChannels(new Rng(seed, "meco_opt", node.name), c, k);
    const sub = Float64Array.from(rows.flatMap((i) => rows.map((j) => corr[i * c + j]!)));
    totalOpt += c > k ? (least(sub, k) * c) / k : least(corr, c);
  }
  return { meco: total, mecoOpt: totalOpt, layers };
}

test("scores equal an independent float64 computation on the plain-TS forward", async () => {
  for (const arch of [ARCH, NONE]) {
    const graph = tiny(arch);
    const data = gaussianImages(1, [3, 8, 8], 3, 5);
    const weights = initWeights(graph, "kaiming_uniform", 4, "meco");
    const got = await mecoScore(graph, frontBatch(data, 1), { seed: 4, optChannels: 4 }, RUNTIME);
    const want = independentScores(graph, weights, data.images, 4, 4);
    assert.equal(got.layers.length, want.layers);
    // ONNX Runtime's forward is float32: its maps agree with the float64 forward to ~1e-6.
    for (const [name, g, w] of [
      ["meco", got.meco, want.meco],
      ["meco_opt", got.mecoOpt, want.mecoOpt],
    ] as const)
      assert.ok(Math.abs(g - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${arch} ${name}: ${g} vs ${w}`);
    if (arch === NONE) {
      // Zero edges give constant maps; only the stem's and reductions' maps score.
      const zeros = got.layers.filter((l) => /zero$/.test(l.node));
      assert.ok(zeros.length === 18 && zeros.every((l) => l.meco === 0 && l.mecoOpt === 0));
    }
  }
});

test("invariants: per-map bounds, seeding, input scale, MeCo_opt with every channel", async () => {
  const graph = tiny(ARCH);
  const data = gaussianImages(2, [3, 8, 8], 3, 9);
  const base = await mecoScore(graph, frontBatch(data, 1), { seed: 0 }, RUNTIME);
  // A correlation matrix is PSD with unit (or zeroed) diagonal: 0 ≤ λ_min ≤ 1 for each map.
  for (const l of base.layers) assert.ok(l.meco > -1e-12 && l.meco <= 1 + 1e-12, `${l.node}: ${l.meco}`);
  assert.ok(base.meco > 0);
  const again = await mecoScore(graph, frontBatch(data, 1), { seed: 0 }, RUNTIME);
  assert.equal(again.meco, base.meco);
  assert.equal(again.mecoOpt, base.mecoOpt);
  const other = await mecoScore(graph, frontBatch(data, 1), { seed: 1 }, RUNTIME);
  assert.notEqual(other.meco, base.meco);
  // Train-mode BN after the stem conv normalises away the input's scale (up to BN's ε).
  const scaled = { data: frontBatch(data, 1).data.map((x) => 3 * x), count: 1 };
  const s = await mecoScore(graph, scaled, { seed: 0 }, RUNTIME);
  assert.ok(Math.abs(s.meco - base.meco) < 1e-4 * base.meco, `${s.meco} vs ${base.meco}`);
  // Sampling at least every channel is MeCo itself.
  const all = await mecoScore(graph, frontBatch(data, 1), { seed: 0, optChannels: 24 }, RUNTIME);
  assert.ok(Math.abs(all.mecoOpt - base.meco) < 1e-12 * base.meco);
  // Only the first image is scored: a second image changes only the BN statistics.
  const two = await mecoScore(graph, frontBatch(data, 2), { seed: 0 }, RUNTIME);
  assert.equal(two.layers.length, base.layers.length);
  assert.notEqual(two.meco, base.meco);
});

test("the metric: defaults, Gaussian inputs without data, and a graph with no feature map", async () => {
  assert.deepEqual(meco.defaults, {
    batchSize: 1,
    inputs: "data",
    init: "kaiming_uniform",
    bnMode: "train",
    optChannels: 8,
  });
  assert.equal(meco.images(meco.defaults), 1);
  assert.equal(meco.images(meco.resolve({ inputs: "gaussian" })), 0);
  const graph = tiny(ARCH);
  const empty = { ...gaussianImages(1, [3, 8, 8], 3), count: 0, images: new Float32Array(0) };
  const r = await meco.compute({ graph, data: empty, seed: 0, runtime: RUNTIME }, { inputs: "gaussian" });
  assert.ok(r.values.meco! > 0 && r.values.meco_opt! > 0 && r.reason === undefined);
  assert.equal(r.diagnostics?.layers, mecoLayers(graph).length);
  const mlp = buildMlp(
    { family: "mlp", layers: [{ activation: "relu" }, { activation: "relu" }] },
    { inputShape: [1, 4, 4], numClasses: 3, width: 8 },
  );
  const f = await meco.compute({
    graph: mlp,
    data: gaussianImages(1, [1, 4, 4], 3),
    seed: 0,
    runtime: RUNTIME,
  });
  assert.ok(Number.isNaN(f.values.meco) && Number.isNaN(f.values.meco_opt));
  assert.match(f.reason ?? "", /no feature map/);
});

// The PyTorch cross-check: our initial weights and image fed to bench/torch_meco.py, whose
// `meco_nodes` is this rule on PyTorch's forward (and `meco` the reference's every-module rule).
const PYTHON = "/usr/bin/python3";
const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
const torchMissing = !existsSync(PYTHON)
  ? `${PYTHON} not found`
  : spawnSync(PYTHON, ["-c", "import torch"]).status === 0
    ? undefined
    : `torch not importable by ${PYTHON} (Debian python3-torch)`;
if (torchMissing) process.stdout.write(`# SKIP MeCo PyTorch cross-check: ${torchMissing}\n`);

test("equals PyTorch's forward with identical weights (bench/torch_meco.py)", {
  skip: torchMissing,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "meco-"));
  try {
    const graph = buildNb201(parseNb201(ARCH), { inputShape: [3, 32, 32], numClasses: 10 });
    const weights = initWeights(graph, "kaiming_uniform", 0, "meco");
    const params = allParams(graph);
    const flat = new Float32Array(params.reduce((s, p) => s + weights.get(p.name)!.length, 0));
    let offset = 0;
    for (const p of params) {
      flat.set(weights.get(p.name)!, offset);
      offset += weights.get(p.name)!.length;
    }
    writeFileSync(join(dir, "0.bin"), flat);
    writeFileSync(join(dir, "0.json"), JSON.stringify(params.map((p) => [p.name, p.shape])));
    const image = gaussianImages(1, [3, 32, 32], 10, 2);
    writeFileSync(join(dir, "image.bin"), image.images);
    const ours = await mecoScore(graph, frontBatch(image, 1), { seed: 0 }, RUNTIME);
    const out = execFileSync(
      PYTHON,
      [
        join(REPO, "bench/torch_meco.py"),
        "--arch",
        ARCH,
        "--images",
        join(dir, "image.bin"),
        "--weights",
        dir,
      ],
      { encoding: "utf8" },
    );
    const torch = JSON.parse(out.trim()) as { meco: number; meco_nodes: number; layers_nodes: number };
    assert.equal(torch.layers_nodes, ours.layers.length);
    assert.ok(
      Math.abs(torch.meco_nodes - ours.meco) <= 1e-5 * ours.meco,
      `ours ${ours.meco} vs PyTorch ${torch.meco_nodes}`,
    );
    // The reference's rule counts wrapper modules again (BN outputs ×3 in a ReLUConvBN): larger.
    assert.ok(torch.meco > ours.meco);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("more channels than positions − 1: λ_min is 0, and MeCo_opt is the full matrix's sampled block", () => {
  const rng = new Rng(9, "wide-map");
  const [c, h, w] = [12, 3, 3]; // 12 channels > 9 − 1 positions
  const values = Float32Array.from({ length: c * h * w }, () => rng.normal());
  const full = channelCorrelation(values, c, h * w);
  assert.ok(Math.abs(minEigenvalue(full, c)) < 1e-12, "the full matrix is singular");
  const r = layerScores(values, [c, h, w], 8, new Rng(1, "draw"));
  assert.equal(r.meco, 0);
  const rows = sampleChannels(new Rng(1, "draw"), c, 8);
  const block = Float64Array.from(
    { length: 64 },
    (_, k) => full[rows[Math.floor(k / 8)]! * c + rows[k % 8]!]!,
  );
  assert.equal(r.mecoOpt, (minEigenvalue(block, 8) * c) / 8);
  // At most positions − 1 channels the full path is taken: λ_min > 0 for generic data.
  const narrow = layerScores(values.subarray(0, 8 * 9), [8, 3, 3], 8, new Rng(1, "draw"));
  assert.ok(narrow.meco > 1e-6 && narrow.meco === narrow.mecoOpt);
});
