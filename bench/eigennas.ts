// Seed 002's experiment (Zhu et al. 2022, EigenNAS): does the NTK's minimum eigenvalue at
// initialisation pick the best-trained members of the `mlp` space? For each of a seeded sample of
// distinct members, at initialisation: the empirical NTK spectrum (the `ntk` metric), the analytic
// infinite-width NTK's λ_min on the very same images (space.kernel, fp64), NASWOT and #params; then
// the member is trained with nasprobe's own training engine and its validation accuracy recorded.
// One JSON line per member goes to --out (resumable: members already there under the same settings
// are skipped, a torn last line is cut off); --summary gets the rank statistics and the top-k table.
//
//   nice -n 5 node --import tsx bench/eigennas.ts --count 200 --threads 1
//   node --import tsx bench/eigennas.ts --summary-only      # statistics of what --out holds
//   nice -n 5 node --import tsx bench/eigennas.ts --repeat-count 40   # retrain 40 with training seed 1
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { kendallTauB, spearman } from "../src/benchmarks/rankStats.js";
import { loadDataset } from "../src/data/index.js";
import { type Mat, zeros } from "../src/kernels/matrix.js";
import { dense, symmetricEigen } from "../src/linalg/kernelRegression.js";
import { frontBatch } from "../src/metrics/metric.js";
import { metricScorer, resolveMetrics } from "../src/metrics/scorer.js";
import { getSpace } from "../src/spaces/index.js";
import type { MlpArch, MlpSpace } from "../src/spaces/mlp.js";
import { JsonlWriter, readJsonl } from "../src/store/jsonl.js";
import { canonicalJson, resolveTrainConfig } from "../src/train/config.js";
import { loadTrainData, trainArchitecture } from "../src/train/run.js";
import { Rng } from "../src/util/random.js";

const { values: o } = parseArgs({
  options: {
    space: { type: "string", default: "mlp" },
    count: { type: "string", default: "200" },
    seed: { type: "string", default: "0" },
    data: { type: "string", default: "fashion-mnist" },
    "train-count": { type: "string", default: "6000" },
    "val-count": { type: "string", default: "1000" },
    epochs: { type: "string", default: "4" },
    "batch-size": { type: "string", default: "128" },
    optimizer: { type: "string", default: "sgd" },
    lr: { type: "string", default: "0.05" },
    "ntk-batch": { type: "string", default: "72" },
    init: { type: "string", default: "kaiming_normal" },
    threads: { type: "string", default: "1" },
    /** Stop after this many new members (the run resumes later). */
    limit: { type: "string" },
    out: { type: "string", default: "docs/results/eigennas.jsonl" },
    summary: { type: "string", default: "docs/results/eigennas-summary.json" },
    "summary-only": { type: "boolean", default: false },
    /** Retrain the first N members with training seed --repeat-seed (same images): the noise floor. */
    "repeat-count": { type: "string", default: "0" },
    "repeat-seed": { type: "string", default: "1" },
    "repeat-out": { type: "string", default: "docs/results/eigennas-repeat.jsonl" },
  },
});

const space = getSpace(o.space!) as unknown as MlpSpace;
if (typeof space.kernel !== "function") throw new Error(`space ${o.space} has no analytic kernel`);
const count = Number(o.count);
const seed = Number(o.seed);
const ntkBatch = Number(o["ntk-batch"]);
const init = o.init!;
/** σ_w of the init scheme (ir/init.ts): kaiming_normal √2, kaiming_uniform 1/√3, variance_scaling 1. */
const wStd = { kaiming_normal: Math.SQRT2, kaiming_uniform: 1 / Math.sqrt(3), variance_scaling: 1 }[init];
if (wStd === undefined) throw new Error(`--init ${init}: no σ_w for the analytic kernel`);

// ---- The seeded sample of distinct members ----
const rng = new Rng(seed, "eigennas-sample");
const archs: string[] = [];
{
  const seen = new Set<string>();
  for (let draws = 0; archs.length < count; draws++) {
    if (draws > 100 * count) throw new Error(`fewer than ${count} distinct members drawn`);
    const a = space.format(space.sample(rng));
    if (!seen.has(a)) {
      seen.add(a);
      archs.push(a);
    }
  }
}

// ---- Settings (part of every record; a resumed run must match them) ----
const data = {
  spec: o.data!,
  seed,
  trainCount: Number(o["train-count"]),
  valCount: Number(o["val-count"]),
};
const config = resolveTrainConfig({
  run: { epochs: Number(o.epochs), batchSize: Number(o["batch-size"]), seed, cropPadding: 0, flip: false },
  schedule: { lr: Number(o.lr), kind: "cosine" },
  optimizer: o.optimizer!,
});
const metrics = ["ntk", "naswot", "params"];
const overrides = { ntk: { batchSize: ntkBatch, init } };
const settings = {
  space: space.name,
  sample_seed: seed,
  data,
  train: config,
  metrics: { names: metrics, overrides, data: o.data, data_seed: seed, seed },
  analytic: { wStd, bStd: 0, batch: ntkBatch, parameterizations: ["ntk", "standard"] },
  threads: Number(o.threads),
};
const settingsKey = canonicalJson(settings);

type Row = Record<string, unknown> & { arch: string; settings: unknown; val_accuracy: number | null };
const done = new Map<string, Row>();
for (const r of readJsonl<Row>(o.out!)) if (canonicalJson(r.settings) === settingsKey) done.set(r.arch, r);

function smallestEigenvalue(n: number, gram: Float64Array): number {
  const { values } = symmetricEigen(dense(n, n, gram));
  return Math.min(...values);
}

if (!o["summary-only"]) {
  const resolved = resolveMetrics(metrics, overrides);
  const images = Math.max(1, ...resolved.map((r) => r.metric.images(r.options)));
  // The scorer loads exactly this set; the analytic kernel reads the same front images as the NTK.
  const scoreData = loadDataset(o.data!, { seed, trainCount: images }).train;
  const front = frontBatch(scoreData, ntkBatch);
  const d = front.data.length / ntkBatch;
  const x: Mat = zeros(ntkBatch, d);
  x.data.set(front.data);
  const scorer = metricScorer({
    space: space as never,
    data: o.data!,
    dataSeed: seed,
    seed,
    runtime: { threads: Number(o.threads) },
    metrics,
    overrides,
  });
  const loaded = loadTrainData(data);
  const writer = new JsonlWriter(o.out!);
  const started = performance.now();
  let fresh = 0;
  const limit = o.limit === undefined ? Number.POSITIVE_INFINITY : Number(o.limit);
  for (const [index, archStr] of archs.entries()) {
    if (done.has(archStr)) continue;
    if (fresh >= limit) break;
    const t0 = performance.now();
    const arch = space.parse(archStr) as MlpArch;
    const score = await scorer.score(archStr);
    const t1 = performance.now();

    const analytic: Record<string, number | null> = {};
    let analyticReason: string | undefined;
    for (const parameterization of ["ntk", "standard"] as const) {
      const fn = space.kernel(arch, { wStd, bStd: 0, parameterization });
      if (!fn.ok) {
        analyticReason = fn.reason;
        analytic[parameterization] = null;
        continue;
      }
      const gram = fn.kernel(x).logits.ntk;
      const min = smallestEigenvalue(ntkBatch, gram);
      analytic[parameterization] = Number.isFinite(min) ? min : null;
    }
    const t2 = performance.now();

    const trained = await trainArchitecture(
      { space: space as never, arch, data, config, runtime: { threads: Number(o.threads) } },
      loaded,
    );
    const t3 = performance.now();
    const curve = trained.records.map((e) => e.val_accuracy ?? null);
    const layers = arch.layers as ReadonlyArray<{ activation: string; skip?: string }>;
    const row: Row = {
      arch: archStr,
      index,
      family: arch.family,
      activations: layers.map((l) => l.activation),
      skips: layers.map((l) => l.skip ?? "none"),
      params: score.values.params ?? null,
      ntk_lambda_min: score.values.ntk_lambda_min ?? null,
      ntk_lambda_max: score.values.ntk_lambda_max ?? null,
      ntk_cond: score.values.ntk_cond ?? null,
      ntk_trace: score.values.ntk_trace ?? null,
      analytic_ntk_lambda_min: analytic.ntk ?? null,
      analytic_standard_lambda_min: analytic.standard ?? null,
      naswot: score.values.naswot ?? null,
      ...(Object.keys(score.reasons).length > 0 ? { reasons: score.reasons } : {}),
      ...(analyticReason ? { analytic_reason: analyticReason } : {}),
      val_accuracy: curve.at(-1) ?? null,
      val_accuracy_curve: curve,
      train_loss: trained.records.map((e) => e.train_loss),
      stopped: trained.stopped,
      ...(trained.reason ? { train_reason: trained.reason } : {}),
      seconds: {
        metrics: score.seconds,
        analytic: (t2 - t1) / 1000,
        train: (t3 - t2) / 1000,
        total: (t3 - t0) / 1000,
      },
      settings,
    };
    writer.append(row);
    done.set(archStr, row);
    fresh++;
    const mean = (performance.now() - started) / 1000 / fresh;
    process.stderr.write(
      `${done.size}/${archs.length} acc ${(row.val_accuracy ?? Number.NaN).toFixed(4)} λmin ${(row.ntk_lambda_min as number | null)?.toExponential(3)} ` +
        `analytic ${(row.analytic_ntk_lambda_min as number | null)?.toExponential(3)} (${((t3 - t0) / 1000).toFixed(1)} s; mean ${mean.toFixed(1)} s) ${archStr}\n`,
    );
  }
  writer.close();
}

// ---- Repeat: the first members retrained under another training seed (init and batch order) ----
const repeatCount = Number(o["repeat-count"]);
const repeatConfig = resolveTrainConfig({
  ...config,
  run: { ...config.run, seed: Number(o["repeat-seed"]) },
  schedule: config.schedule,
  optimizer: config.optimizer.name,
  optimizerOptions: config.optimizer.options,
});
const repeatKey = canonicalJson({ ...settings, train: repeatConfig });
const repeated = new Map<string, number | null>();
for (const r of readJsonl<Row>(o["repeat-out"]!))
  if (canonicalJson(r.settings) === repeatKey) repeated.set(r.arch, r.val_accuracy);
if (!o["summary-only"] && repeatCount > 0) {
  const loaded = loadTrainData(data);
  const writer = new JsonlWriter(o["repeat-out"]!);
  for (const archStr of archs.slice(0, repeatCount)) {
    if (repeated.has(archStr) || !done.has(archStr)) continue;
    const t0 = performance.now();
    const trained = await trainArchitecture(
      {
        space: space as never,
        arch: space.parse(archStr),
        data,
        config: repeatConfig,
        runtime: { threads: Number(o.threads) },
      },
      loaded,
    );
    const curve = trained.records.map((e) => e.val_accuracy ?? null);
    const row = {
      arch: archStr,
      val_accuracy: curve.at(-1) ?? null,
      val_accuracy_curve: curve,
      seconds: (performance.now() - t0) / 1000,
      settings: { ...settings, train: repeatConfig },
    };
    writer.append(row);
    repeated.set(archStr, row.val_accuracy);
    process.stderr.write(`repeat ${repeated.size}/${repeatCount} acc ${row.val_accuracy} ${archStr}\n`);
  }
  writer.close();
}

// ---- Summary: rank statistics and top-k selection against trained accuracy ----
const rows = archs
  .map((a) => done.get(a))
  .filter((r): r is Row => r !== undefined && r.val_accuracy !== null);
const acc = Float64Array.from(rows, (r) => r.val_accuracy as number);
const n = rows.length;
const num = (r: Row, key: string) => {
  const v = r[key];
  return typeof v === "number" && Number.isFinite(v) ? v : Number.NaN;
};
/** Signals, oriented so that higher is better; NASWOT's missing value (no ReLU) is its −∞, the worst. */
const SIGNALS: Record<string, (r: Row) => number> = {
  ntk_lambda_min: (r) => num(r, "ntk_lambda_min"),
  analytic_ntk_lambda_min: (r) => num(r, "analytic_ntk_lambda_min"),
  analytic_standard_lambda_min: (r) => num(r, "analytic_standard_lambda_min"),
  neg_ntk_cond: (r) => -num(r, "ntk_cond"),
  // Not the paper's: λ_min relative to the trace, a scale-free form of the same eigenvalue.
  ntk_lambda_min_over_trace: (r) => num(r, "ntk_lambda_min") / num(r, "ntk_trace"),
  ntk_trace: (r) => num(r, "ntk_trace"),
  params: (r) => num(r, "params"),
  naswot: (r) => (r.naswot === null ? Number.NEGATIVE_INFINITY : num(r, "naswot")),
};

/** Ranks with ties averaged; accuracy percentile = fraction of members at or below. */
const percentile = (a: number) => acc.filter((v) => v <= a).length / n;
const sortedAcc = Float64Array.from(acc).sort();
const best = sortedAcc[n - 1]!;
const k10 = Math.max(1, Math.round(n / 10));
const trueTop = new Set(
  [...acc.keys()].sort((i, j) => acc[j]! - acc[i]!).slice(0, k10), // ties at the cut broken by order
);

function choose(a: number, b: number): number {
  if (b < 0 || b > a) return 0;
  let r = 1;
  for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
  return r;
}
/** Expected best accuracy among k members drawn at random without replacement. */
function randomBestOf(k: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) e += (sortedAcc[i]! * choose(i, k - 1)) / choose(n, k);
  return e;
}

/** Top-k statistics of one signal, averaged over random breaks of its ties (1,000 draws). */
function selection(score: Float64Array) {
  const tieRng = new Rng(0, "eigennas-ties");
  const draws = 1000;
  const s = { top1_acc: 0, top1_pct: 0, top5_best: 0, top5_mean: 0, top10pct_overlap: 0 };
  for (let t = 0; t < draws; t++) {
    const jitter = Float64Array.from({ length: n }, () => tieRng.uniform());
    const order = [...acc.keys()].sort((i, j) => {
      const a = Number.isNaN(score[i]!) ? Number.NEGATIVE_INFINITY : score[i]!;
      const b = Number.isNaN(score[j]!) ? Number.NEGATIVE_INFINITY : score[j]!;
      return a === b ? jitter[j]! - jitter[i]! : b - a;
    });
    const top5 = order.slice(0, 5).map((i) => acc[i]!);
    s.top1_acc += acc[order[0]!]!;
    s.top1_pct += percentile(acc[order[0]!]!);
    s.top5_best += Math.max(...top5);
    s.top5_mean += top5.reduce((x, y) => x + y, 0) / 5;
    s.top10pct_overlap += order.slice(0, k10).filter((i) => trueTop.has(i)).length / k10;
  }
  for (const key of Object.keys(s) as (keyof typeof s)[]) s[key] /= draws;
  const distinct = new Set(score).size;
  return { ...s, distinct_values: distinct };
}

/**
 * Members grouped by their number of identity skips (the skips that scale the un-normalised
 * residual stream): size, mean accuracy, median λ_min, and λ_min's Spearman ρ within the group.
 */
function strata() {
  const groups = new Map<number, number[]>();
  rows.forEach((r, i) => {
    const k = (r.skips as string[]).filter((s) => s === "identity").length;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([identity, members]) => {
      const a = Float64Array.from(members, (i) => acc[i]!);
      const l = Float64Array.from(members, (i) => num(rows[i]!, "ntk_lambda_min"));
      const sortedL = Float64Array.from(l).sort();
      return {
        identity_skips: identity,
        members: members.length,
        mean_accuracy: a.reduce((x, y) => x + y, 0) / a.length,
        median_ntk_lambda_min: sortedL[Math.floor(sortedL.length / 2)]!,
        spearman_ntk_lambda_min: members.length >= 3 ? spearman(l, a) : null,
        spearman_analytic_ntk_lambda_min:
          members.length >= 3
            ? spearman(
                Float64Array.from(members, (i) => num(rows[i]!, "analytic_ntk_lambda_min")),
                a,
              )
            : null,
      };
    });
}

/**
 * How the width-256 empirical λ_min follows the infinite-width one: rank agreement, and the ratio
 * to 10 × the standard-parameterisation λ_min (the empirical kernel sums the 10 logits' gradients,
 * which at infinite width is 10 independent copies of one logit's NTK).
 */
function agreement() {
  const e = Float64Array.from(rows, (r) => num(r, "ntk_lambda_min"));
  const a = Float64Array.from(rows, (r) => num(r, "analytic_ntk_lambda_min"));
  const s = Float64Array.from(rows, (r) => num(r, "analytic_standard_lambda_min"));
  const ratio = Float64Array.from(e, (v, i) => v / (10 * s[i]!))
    .filter(Number.isFinite)
    .sort();
  const q = (p: number) => ratio[Math.min(ratio.length - 1, Math.floor(p * ratio.length))]!;
  return {
    spearman_empirical_vs_analytic_ntk: spearman(e, a),
    spearman_empirical_vs_analytic_standard: spearman(e, s),
    spearman_analytic_ntk_vs_standard: spearman(a, s),
    ratio_empirical_to_10x_standard: { q10: q(0.1), median: q(0.5), q90: q(0.9) },
  };
}

/** Seed-0 vs repeat-seed accuracy of the retrained members, and λ_min against each on them. */
function repeatStats() {
  const both = rows.filter((r) => typeof repeated.get(r.arch) === "number");
  const a0 = Float64Array.from(both, (r) => r.val_accuracy as number);
  const a1 = Float64Array.from(both, (r) => repeated.get(r.arch) as number);
  const l = Float64Array.from(both, (r) => num(r, "ntk_lambda_min"));
  const diff = Array.from(a0, (v, i) => Math.abs(v - a1[i]!));
  return {
    members: both.length,
    training_seed: Number(o["repeat-seed"]),
    spearman_seed0_vs_repeat: spearman(a0, a1),
    kendall_tau_b_seed0_vs_repeat: kendallTauB(a0, a1),
    mean_abs_accuracy_difference: diff.reduce((x, y) => x + y, 0) / diff.length,
    spearman_ntk_lambda_min_vs_seed0: spearman(l, a0),
    spearman_ntk_lambda_min_vs_repeat: spearman(l, a1),
    spearman_ntk_lambda_min_vs_mean: spearman(
      l,
      a0.map((v, i) => (v + a1[i]!) / 2),
    ),
  };
}

if (n >= 2) {
  const signals: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(SIGNALS)) {
    const score = Float64Array.from(rows, f);
    // For correlations a −∞ (NASWOT without ReLU) ranks below every finite value.
    const finiteMin = Math.min(...score.filter(Number.isFinite));
    const forRanks = score.map((v) => (v === Number.NEGATIVE_INFINITY ? finiteMin - 1 : v));
    const finite = score.filter(Number.isFinite).length;
    signals[name] = {
      spearman: spearman(forRanks, acc),
      kendall_tau_b: kendallTauB(forRanks, acc),
      members: forRanks.filter(Number.isFinite).length,
      finite,
      ...(finite < n && name === "naswot"
        ? {
            spearman_finite_only: spearman(score, acc),
            kendall_tau_b_finite_only: kendallTauB(score, acc),
          }
        : {}),
      ...selection(score),
    };
  }
  const mean = acc.reduce((x, y) => x + y, 0) / n;
  const summary = {
    members: n,
    sampled: archs.length,
    complete: n === archs.length,
    accuracy: { best, mean, median: sortedAcc[Math.floor(n / 2)]!, worst: sortedAcc[0]! },
    top10pct_size: k10,
    random: {
      top1_acc: mean,
      top1_pct: [...acc].reduce((s, a) => s + percentile(a), 0) / n,
      top5_best: randomBestOf(5),
      top10pct_overlap: k10 / n,
    },
    signals,
    not_covered_by_analytic_kernel: rows
      .filter((r) => r.analytic_reason !== undefined)
      .map((r) => ({ arch: r.arch, reason: r.analytic_reason })),
    naswot_missing: rows.filter((r) => r.naswot === null).length,
    by_identity_skips: strata(),
    empirical_vs_analytic: agreement(),
    ...(repeated.size > 0 ? { repeat: repeatStats() } : {}),
    seconds: {
      total: rows.reduce((s, r) => s + ((r.seconds as { total: number }).total ?? 0), 0),
      train: rows.reduce((s, r) => s + ((r.seconds as { train: number }).train ?? 0), 0),
    },
    settings,
  };
  writeFileSync(o.summary!, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`${n}/${archs.length} members; accuracy best ${best.toFixed(4)} mean ${mean.toFixed(4)}`);
  console.log("signal                          ρ       τ-b    top1 acc (pct)   top5 best  top10% overlap");
  for (const [name, s] of Object.entries(signals) as [string, Record<string, number>][])
    console.log(
      `${name.padEnd(30)} ${s.spearman!.toFixed(3).padStart(6)} ${s.kendall_tau_b!.toFixed(3).padStart(6)}  ` +
        `${s.top1_acc!.toFixed(4)} (${s.top1_pct!.toFixed(2)})   ${s.top5_best!.toFixed(4)}     ${s.top10pct_overlap!.toFixed(3)}`,
    );
  console.log(
    `random                                          ${mean.toFixed(4)} (${summary.random.top1_pct.toFixed(2)})   ${summary.random.top5_best.toFixed(4)}     ${summary.random.top10pct_overlap.toFixed(3)}`,
  );
}
