// Learning-curve extrapolation on curves nasprobe trained (docs/learning-curves.md):
//   node --import tsx bench/lc-extrapolation.ts --curves docs/results/nb201-curves.jsonl --out docs/results/lc-extrapolation.json
// Input: JSONL, one trained architecture a line, {"arch_str", "val_accuracy": [fraction per epoch 1..E],
// "seconds": [per epoch], …}. Reports (1) the final accuracy predicted from the first 25 % and 50 % of
// each curve by the posterior of src/curves (mean and median) against the last observed value, and
// (2) a search that trains the architectures in a seeded random order under the predictive
// early-stopping rule, against training every one of them to the end.
// `--make-synthetic FILE --count N --epochs E` writes curves drawn from the prior instead (to try the
// bench; such results are not worth keeping).
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { spearman } from "../src/benchmarks/rankStats.js";
import {
  CurvePrior,
  EARLY_STOPPING_DEFAULTS,
  type FinalPredictor,
  fitPosterior,
  LCPFN_FAMILIES,
  POSTERIOR_DEFAULTS,
  type PosteriorOptions,
  type Predictive,
  replayWithEarlyStopping,
  samplePriorCurve,
} from "../src/curves/index.js";
import { Rng } from "../src/util/random.js";

const { values: args } = parseArgs({
  options: {
    curves: { type: "string" },
    out: { type: "string" },
    limit: { type: "string" },
    seeds: { type: "string", default: "5" },
    thresholds: { type: "string", default: "0.01,0.05,0.1" },
    cutoffs: { type: "string", default: "0.25,0.5" },
    "min-epochs": { type: "string", default: String(EARLY_STOPPING_DEFAULTS.minEpochs) },
    every: { type: "string", default: "1" },
    prior: { type: "string", default: POSTERIOR_DEFAULTS.prior },
    "epoch-scale": { type: "string", default: POSTERIOR_DEFAULTS.epochScale },
    steps: { type: "string", default: String(POSTERIOR_DEFAULTS.steps) },
    seed: { type: "string", default: "0" },
    "make-synthetic": { type: "string" },
    count: { type: "string", default: "60" },
    epochs: { type: "string", default: "24" },
  },
});

if (args["make-synthetic"]) {
  const prior = new CurvePrior(LCPFN_FAMILIES);
  const n = Number(args.count);
  const epochs = Number(args.epochs);
  const lines = Array.from({ length: n }, (_, i) => {
    const rng = new Rng(Number(args.seed), "synthetic-curve", i);
    const d = samplePriorCurve(prior, epochs, rng);
    const val_accuracy = Array.from(d.noisy, (y) => Math.min(1, Math.max(0, y)));
    const seconds = val_accuracy.map(() => 10 + rng.uniform());
    return JSON.stringify({ arch_str: `synthetic-${i}`, val_accuracy, seconds });
  });
  writeFileSync(args["make-synthetic"], `${lines.join("\n")}\n`);
  console.log(`wrote ${n} prior curves of ${epochs} epochs to ${args["make-synthetic"]}`);
  process.exit(0);
}

if (!args.curves || !args.out) {
  console.error(
    "usage: bench/lc-extrapolation.ts --curves FILE.jsonl --out FILE.json [--limit N] [--seeds 5]",
  );
  process.exit(2);
}

interface Run {
  readonly arch: string;
  readonly curve: number[];
  readonly seconds: number[];
  readonly final: number;
}

function readRuns(path: string): Run[] {
  const runs: Run[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line) as { arch_str?: string; val_accuracy?: unknown; seconds?: unknown };
    if (!Array.isArray(r.val_accuracy) || r.val_accuracy.length < 4) continue;
    const curve = r.val_accuracy.map(Number);
    if (!curve.every(Number.isFinite)) continue;
    if (Math.max(...curve) > 1.5)
      throw new Error(`${r.arch_str}: val_accuracy must be fractions, not percent`);
    const seconds =
      Array.isArray(r.seconds) && r.seconds.length === curve.length
        ? r.seconds.map(Number)
        : curve.map(() => 1);
    runs.push({ arch: String(r.arch_str), curve, seconds, final: curve.at(-1)! });
  }
  return runs;
}

const allRuns = readRuns(args.curves);
const limit = args.limit ? Number(args.limit) : allRuns.length;
const runs =
  limit < allRuns.length
    ? new Rng(Number(args.seed), "subset")
        .permutation(allRuns.length)
        .slice(0, limit)
        .sort((a, b) => a - b)
        .map((i) => allRuns[i]!)
    : allRuns;
if (runs.length < 3) throw new Error(`${args.curves}: fewer than 3 usable curves`);

const posteriorOptions: Partial<PosteriorOptions> = {
  prior: args.prior as PosteriorOptions["prior"],
  epochScale: args["epoch-scale"] as PosteriorOptions["epochScale"],
  steps: Number(args.steps),
  burnIn: Math.floor(Number(args.steps) / 2),
};

// One posterior per (run, observed epochs), shared by the extrapolation table and every replay of the
// search: its seed depends on the architecture and t only, so order and threshold do not change it.
const cache = new Map<string, Predictive>();
let fitMilliseconds = 0;
let fits = 0;
function predictiveFor(run: Run, t: number): Predictive {
  const key = `${run.arch}\u0000${t}`;
  let p = cache.get(key);
  if (!p) {
    const seed = new Rng(Number(args.seed), "lc-bench", run.arch, t).uint32() | 0;
    const post = fitPosterior(run.curve.slice(0, t), run.curve.length, { ...posteriorOptions, seed });
    fitMilliseconds += post.diagnostics.milliseconds;
    fits++;
    p = post.at(run.curve.length);
    cache.set(key, p);
  }
  return p;
}
const predictorFor =
  (run: Run): FinalPredictor =>
  (observed) =>
    predictiveFor(run, observed.length);

// (1) Extrapolation quality at fixed cutoffs.
interface CutoffReport {
  readonly cutoff: number;
  readonly meanObservedEpochs: number;
  readonly posteriorMean: ErrorStats;
  readonly posteriorMedian: ErrorStats;
  readonly lastObserved: ErrorStats;
  readonly bestObserved: ErrorStats;
  readonly meanLogLikelihood: number;
  readonly coverage90: number;
  readonly meanInterval90Width: number;
}
interface ErrorStats {
  readonly mae: number;
  readonly rmse: number;
  readonly spearman: number;
}

function errorStats(predicted: number[], actual: number[]): ErrorStats {
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = predicted[i]! - actual[i]!;
    abs += Math.abs(e);
    sq += e * e;
  }
  return {
    mae: abs / actual.length,
    rmse: Math.sqrt(sq / actual.length),
    spearman: spearman(predicted, actual),
  };
}

const cutoffs = args.cutoffs.split(",").map(Number);
const finals = runs.map((r) => r.final);
const cutoffReports: CutoffReport[] = cutoffs.map((cutoff) => {
  const ts = runs.map((r) => Math.max(2, Math.round(cutoff * r.curve.length)));
  const predictives = runs.map((r, i) => predictiveFor(r, ts[i]!));
  let covered = 0;
  let width = 0;
  let logLikelihood = 0;
  predictives.forEach((p, i) => {
    const [lo, hi] = p.interval(0.9);
    if (finals[i]! >= lo && finals[i]! <= hi) covered++;
    width += hi - lo;
    logLikelihood += p.logDensity(finals[i]!);
  });
  return {
    cutoff,
    meanObservedEpochs: ts.reduce((a, b) => a + b, 0) / ts.length,
    posteriorMean: errorStats(
      predictives.map((p) => p.mean),
      finals,
    ),
    posteriorMedian: errorStats(
      predictives.map((p) => p.median),
      finals,
    ),
    lastObserved: errorStats(
      runs.map((r, i) => r.curve[ts[i]! - 1]!),
      finals,
    ),
    bestObserved: errorStats(
      runs.map((r, i) => Math.max(...r.curve.slice(0, ts[i]!))),
      finals,
    ),
    meanLogLikelihood: logLikelihood / runs.length,
    coverage90: covered / runs.length,
    meanInterval90Width: width / runs.length,
  };
});

// (2) The search with early stopping.
interface SearchReport {
  readonly threshold: number;
  readonly epochsFraction: number;
  readonly secondsFraction: number;
  readonly meanRegret: number;
  readonly maxRegret: number;
  readonly foundTrueBest: number;
  readonly meanStopped: number;
  /** Stopped runs whose true final beat the best final known when they were stopped. */
  readonly meanWrongStops: number;
  readonly perSeed: ReadonlyArray<{
    seed: number;
    bestFound: number;
    epochs: number;
    seconds: number;
    stopped: number;
  }>;
}

const seeds = Number(args.seeds);
const thresholds = args.thresholds.split(",").map(Number);
const totalEpochs = runs.reduce((a, r) => a + r.curve.length, 0);
const totalSeconds = runs.reduce((a, r) => a + r.seconds.reduce((s, x) => s + x, 0), 0);
const trueBest = Math.max(...finals);
const searchStarted = performance.now();
const searchReports: SearchReport[] = thresholds.map((threshold) => {
  const perSeed: Array<{
    seed: number;
    bestFound: number;
    epochs: number;
    seconds: number;
    stopped: number;
  }> = [];
  let wrongStops = 0;
  for (let seed = 0; seed < seeds; seed++) {
    let best: number | undefined;
    let epochs = 0;
    let seconds = 0;
    let stopped = 0;
    for (const i of new Rng(seed, "lc-bench-order").permutation(runs.length)) {
      const run = runs[i]!;
      const outcome = replayWithEarlyStopping(
        run.curve,
        best,
        { threshold, minEpochs: Number(args["min-epochs"]), every: Number(args.every) },
        predictorFor(run),
      );
      epochs += outcome.epochs;
      seconds += run.seconds.slice(0, outcome.epochs).reduce((a, b) => a + b, 0);
      if (outcome.stopped) {
        stopped++;
        if (best !== undefined && run.final > best) wrongStops++;
      } else best = best === undefined ? run.final : Math.max(best, run.final);
    }
    perSeed.push({ seed, bestFound: best ?? Number.NaN, epochs, seconds, stopped });
  }
  const regrets = perSeed.map((s) => trueBest - s.bestFound);
  return {
    threshold,
    epochsFraction: perSeed.reduce((a, s) => a + s.epochs, 0) / (seeds * totalEpochs),
    secondsFraction: perSeed.reduce((a, s) => a + s.seconds, 0) / (seeds * totalSeconds),
    meanRegret: regrets.reduce((a, b) => a + b, 0) / seeds,
    maxRegret: Math.max(...regrets),
    foundTrueBest: regrets.filter((r) => r === 0).length,
    meanStopped: perSeed.reduce((a, s) => a + s.stopped, 0) / seeds,
    meanWrongStops: wrongStops / seeds,
    perSeed,
  };
});
const searchSeconds = (performance.now() - searchStarted) / 1000;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const f4 = (x: number) => x.toFixed(4);
const epochsPerRun = runs.map((r) => r.curve.length);
console.log(
  `${runs.length} curves from ${args.curves} (${Math.min(...epochsPerRun)}–${Math.max(...epochsPerRun)} epochs); ` +
    `posterior: ${posteriorOptions.prior} prior, ${posteriorOptions.epochScale} epoch scale, ${posteriorOptions.steps} steps`,
);
console.log("\nFinal accuracy predicted from the first part of each curve");
console.log("cutoff  predictor         MAE     RMSE    Spearman  | mean LL  cover90  width90");
for (const c of cutoffReports) {
  const row = (name: string, s: ErrorStats, extra = "") =>
    console.log(
      `${pct(c.cutoff).padEnd(7)} ${name.padEnd(16)} ${f4(s.mae)}  ${f4(s.rmse)}  ${s.spearman.toFixed(3).padStart(7)}  ${extra}`,
    );
  row(
    "posterior mean",
    c.posteriorMean,
    `| ${c.meanLogLikelihood.toFixed(3).padStart(7)}  ${pct(c.coverage90).padStart(7)}  ${f4(c.meanInterval90Width)}`,
  );
  row("posterior median", c.posteriorMedian);
  row("last observed", c.lastObserved);
  row("best observed", c.bestObserved);
}
console.log(
  `\nSearch over ${runs.length} architectures in ${seeds} seeded orders, rule P(y_T > best final) < threshold from epoch ${args["min-epochs"]}`,
);
console.log("threshold  epochs    seconds   stopped  wrong stops  mean regret  max regret  found best");
console.log(
  `${"train all".padEnd(10)} ${pct(1).padStart(7)}   ${pct(1).padStart(7)}   ${"0".padStart(7)}  ${"0".padStart(11)}  ${f4(0).padStart(11)}  ${f4(0).padStart(10)}  ${seeds}/${seeds}`,
);
for (const s of searchReports)
  console.log(
    `${String(s.threshold).padEnd(10)} ${pct(s.epochsFraction).padStart(7)}   ${pct(s.secondsFraction).padStart(7)}   ${s.meanStopped.toFixed(1).padStart(7)}  ${s.meanWrongStops.toFixed(1).padStart(11)}  ${f4(s.meanRegret).padStart(11)}  ${f4(s.maxRegret).padStart(10)}  ${s.foundTrueBest}/${seeds}`,
  );
console.log(
  `\n${fits} posterior fits, ${(fitMilliseconds / fits).toFixed(0)} ms each on average (search replays ${searchSeconds.toFixed(0)} s in all)`,
);

writeFileSync(
  args.out,
  `${JSON.stringify(
    {
      command: `node --import tsx bench/lc-extrapolation.ts ${process.argv.slice(2).join(" ")}`,
      curves: args.curves,
      runs: runs.length,
      epochs: { min: Math.min(...epochsPerRun), max: Math.max(...epochsPerRun) },
      trueBestFinal: trueBest,
      posterior: { ...POSTERIOR_DEFAULTS, ...posteriorOptions, seed: "per (arch, t), from --seed" },
      earlyStopping: {
        minEpochs: Number(args["min-epochs"]),
        every: Number(args.every),
        skipWhenAhead: true,
      },
      fits,
      meanFitMilliseconds: fitMilliseconds / fits,
      extrapolation: cutoffReports,
      search: { seeds, totalEpochs, totalSeconds, thresholds: searchReports },
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${args.out}`);
