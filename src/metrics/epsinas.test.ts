import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { GraphBuilder } from "../ir/builder.js";
import { referenceForward } from "../ir/referenceForward.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { constantWeights, EPSINAS_DEFAULTS, epsinas, epsinasFromOutputs, epsinasScore } from "./epsinas.js";
import { frontBatch } from "./metric.js";
import { MetricOptionError } from "./options.js";
import { gaussianImages } from "./testData.js";

const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
const PYTHON = "/usr/bin/python3";
const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const SMALL = { inputShape: [3, 8, 8], channels: 4, cellsPerStage: 1 } as const;
const tiny = (arch: string, numClasses = 3) => buildNb201(parseNb201(arch), { ...SMALL, numClasses });
const runtime = { threads: 1 };

/** The reference's formula written out plainly: min-max, exact zeros dropped, two nan-means. */
function formula(low: ArrayLike<number>, high: ArrayLike<number>): number {
  const norm = (x: ArrayLike<number>) => {
    const xs = Array.from(x);
    const min = Math.min(...xs);
    const max = Math.max(...xs);
    return xs.map((v) => (v - min) / (max - min)).map((v) => (v === 0 ? Number.NaN : v));
  };
  const [a, b] = [norm(low), norm(high)];
  const nanMean = (xs: number[]) => {
    const kept = xs.filter((v) => !Number.isNaN(v));
    return kept.reduce((s, v) => s + v, 0) / kept.length;
  };
  return nanMean(a.map((v, i) => Math.abs(v - b[i]!))) / nanMean([...a, ...b]);
}

test("known answer: a residual BN network whose two runs follow in closed form", async () => {
  // x ∈ R² → h = linear(x) → t = h + ReLU(BN(h)) → 2 logits. With every weight w and biases 0:
  // h_b = w·s_b (s_b = x_b1 + x_b2), BN(h)_b = w²(s_b − μ)/√(w²σ² + 1e-5) (batch μ, σ² of s), and
  // both logits of a sample are w·t_b.
  const b = new GraphBuilder([2]);
  const h = b.linear(b.input, 1);
  const t = b.add([h, b.relu(b.batchNorm(h))]);
  const logits = b.linear(t, 2);
  const graph = b.build({ features: t, logits });
  const x = Float32Array.from([0.3, -1.2, 2, 0.5, -0.7, -0.1, 1.4, 1.1, 0.2, 0.2]);
  const count = 5;
  const s = Array.from({ length: count }, (_, i) => x[2 * i]! + x[2 * i + 1]!);
  const mu = s.reduce((a, v) => a + v, 0) / count;
  const variance = s.reduce((a, v) => a + (v - mu) ** 2, 0) / count;
  const closedForm = (w: number) =>
    s.flatMap((sb) => {
      const bn = (w * w * (sb - mu)) / Math.sqrt(w * w * variance + 1e-5);
      const out = w * (w * sb + Math.max(0, bn));
      return [out, out];
    });
  const want = formula(closedForm(1e-7), closedForm(1));
  const got = await epsinasScore(graph, { data: x, count }, {}, runtime);
  assert.ok(got.score.reason === undefined, got.score.reason);
  // fp32 forward against the fp64 closed form; the dropped minimum is the same sample in both.
  assert.ok(Math.abs(got.score.score - want) < 1e-5 * want, `${got.score.score} vs ${want}`);
  assert.equal(got.score.kept, 8, "both logits of the one minimum sample are dropped in each run");
  assert.ok(want > 0.01, `the two runs differ (${want})`);
});

test("ONNX Runtime's value equals the formula on the float64 plain-TS forward of an NB201 network", async () => {
  const graph = tiny(ARCH);
  const images = frontBatch(gaussianImages(24, [3, 8, 8], 3, 2), 24);
  const got = await epsinasScore(graph, images, {}, runtime);
  const [low, high] = [EPSINAS_DEFAULTS.weightLow, EPSINAS_DEFAULTS.weightHigh].map(
    (w) =>
      referenceForward(graph, constantWeights(graph, w), images.data, 24, { bnMode: "train" })[graph.logits]!,
  );
  const want = formula(low!, high!);
  assert.ok(Number.isFinite(want) && want > 0);
  assert.ok(Math.abs(got.score.score - want) < 1e-4 * want, `${got.score.score} vs ${want}`);
  // The fp32 runs themselves match the fp64 forward (relative to each run's range).
  for (const [k, ref] of [low!, high!].entries()) {
    const out = got.outputs[k]!;
    const range = Math.max(...ref) - Math.min(...ref);
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i]! - ref[i]!) < 1e-4 * range);
  }
});

test("invariants: class count, affine rescaling of a run, swapping the runs, identical runs", async () => {
  const images = frontBatch(gaussianImages(16, [3, 8, 8], 3, 5), 16);
  // The reference's NB201 network has one output; with constant weights every logit is the same.
  const one = await epsinasScore(tiny(ARCH, 1), images, {}, runtime);
  const ten = await epsinasScore(tiny(ARCH, 10), images, {}, runtime);
  assert.ok(Math.abs(one.score.score - ten.score.score) < 1e-12 * one.score.score);
  const rng = new Rng(1, "epsinas-test");
  const a = Float32Array.from({ length: 40 }, () => rng.normal());
  const c = Float32Array.from({ length: 40 }, () => rng.normal());
  const base = epsinasFromOutputs(a, c).score;
  assert.ok(Math.abs(base - formula(a, c)) < 1e-12);
  // Min-max normalisation: a positive scale of either run changes nothing (powers of two: exact), nor
  // does a shift (up to float32 rounding of the shifted values).
  assert.equal(
    epsinasFromOutputs(
      a.map((v) => 4 * v),
      c.map((v) => v / 8),
    ).score,
    base,
  );
  const shifted = epsinasFromOutputs(
    a.map((v) => v - 3),
    c.map((v) => v + 5),
  ).score;
  assert.ok(Math.abs(shifted - base) < 1e-5 * base, `${shifted} vs ${base}`);
  assert.equal(epsinasFromOutputs(c, a).score, base);
  assert.equal(epsinasFromOutputs(a, a).score, 0);
});

test("the metric: front of the data, seed-independent, options checked, constant outputs fail", async () => {
  const data = gaussianImages(40, [3, 8, 8], 3, 3);
  const input = { graph: tiny(ARCH), data, seed: 0, runtime };
  const r = await epsinas.compute(input, { batchSize: 20 });
  const direct = await epsinasScore(input.graph, frontBatch(data, 20), {}, runtime);
  assert.deepEqual(r, { values: { epsinas: direct.score.score } });
  assert.deepEqual(await epsinas.compute({ ...input, seed: 9 }, { batchSize: 20 }), r, "no random draw");
  assert.equal(EPSINAS_DEFAULTS.batchSize, 256);
  assert.deepEqual([EPSINAS_DEFAULTS.weightLow, EPSINAS_DEFAULTS.weightHigh], [1e-7, 1]);
  assert.equal(epsinas.images(EPSINAS_DEFAULTS), 256);
  await assert.rejects(epsinas.compute(input), /needs 256 images/);
  assert.throws(() => epsinas.resolve({ weightLow: 0 }), MetricOptionError);
  assert.throws(() => epsinas.resolve({ batchSize: 1 }), /epsinas.batchSize=1/);
  // Other constants or the pre-logit features give another (finite) value.
  const features = await epsinas.compute(input, { batchSize: 20, output: "features" });
  const pair = await epsinas.compute(input, { batchSize: 20, weightLow: 1e-4, weightHigh: 10 });
  for (const other of [features, pair]) {
    assert.ok(Number.isFinite(other.values.epsinas));
    assert.notEqual(other.values.epsinas, r.values.epsinas);
  }
  // Every cell edge is `none`: the logits are the same for every image and cannot be normalised.
  const dead = await epsinas.compute({ ...input, graph: tiny(NONE) }, { batchSize: 20 });
  assert.ok(Number.isNaN(dead.values.epsinas));
  assert.match(dead.reason!, /constant over the batch/);
});

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : `torch not importable by ${PYTHON} (Debian python3-torch)`;
}
const skip = torchMissing();
if (skip) process.stdout.write(`# SKIP epsinas against PyTorch: ${skip}\n`);

test("equals bench/torch_epsinas.py (PyTorch, the reference's formula) on the same images", {
  skip,
}, async () => {
  // Constant weights are identical in both frameworks by construction; a small NB201 network (C=8,
  // 1 cell per stage, 16×16 inputs) keeps the test short.
  const build = { inputShape: [3, 16, 16], channels: 8, cellsPerStage: 1, numClasses: 10 };
  const archs = [
    ARCH,
    "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_1x1~2|",
  ];
  const images = frontBatch(gaussianImages(32, [3, 16, 16], 10, 7), 32);
  const dir = mkdtempSync(join(tmpdir(), "epsinas-"));
  try {
    const file = join(dir, "images.f32");
    writeFileSync(file, images.data);
    const args = [join(REPO, "bench/torch_epsinas.py"), "--images", file, "--count", "32"];
    args.push("--input-size", "16", "--channels", "8", "--cells", "1");
    for (const a of archs) args.push("--arch", a);
    const py = spawnSync(PYTHON, args, { encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const lines = py.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { arch: string; value: number });
    assert.equal(lines.length, archs.length);
    for (const [i, arch] of archs.entries()) {
      const ours = await epsinasScore(buildNb201(parseNb201(arch), build), images, {}, runtime);
      const want = lines[i]!.value;
      assert.ok(
        Math.abs(ours.score.score - want) < 1e-4 * want,
        `${arch}: ours ${ours.score.score}, PyTorch ${want}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
