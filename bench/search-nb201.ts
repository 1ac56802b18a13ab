// The NAS-Bench-201 search results of docs/search-nb201.md: every algorithm on the tabular oracle
// over many seeds (searching on CIFAR-10 validation accuracy, reporting the test accuracy of the
// architecture with the best validation accuracy so far), with one worker and with four simulated
// asynchronous workers; training-free pick-best-of-N from stored score files; NNGP/NASWOT-prefiltered
// search. The samplers are driven directly, without a store: one worker through the sequential
// ask/tell adapter (trial i proposed after trials 0..i-1 finished, which is what one `nasprobe search`
// worker proposes), four workers through the event simulation of src/search/testing.ts (random
// evaluation times, trials folded in finish order, proposals seeing the pending ones).
//   node --import tsx bench/search-nb201.ts [--seeds 100] [--naswot FILE.jsonl ...]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { bestSoFarSpec, paretoFront, paretoSpec, scatterSpec } from "../src/reports/charts.js";
import { writePlot } from "../src/reports/png.js";
import { renderSvg } from "../src/reports/render.js";
import { readScores } from "../src/reports/scores.js";
import { getAlgorithm } from "../src/search/algorithms/index.js";
import { rankedSampler } from "../src/search/algorithms/ranked.js";
import { type AlgorithmContext, sequential } from "../src/search/optimizer.js";
import { restrictedSpace } from "../src/search/restrictedSpace.js";
import type { Sampler } from "../src/search/sampler.js";
import { drive, simulateWorkers } from "../src/search/testing.js";
import { nb201 } from "../src/spaces/nb201.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const SEEDS = Number(flag("--seeds", "100"));
const NASWOT_FILES = flag("--naswot", "docs/results/zc-forward-1000.jsonl").split(",");
const NNGP_FILE = flag("--nngp", "docs/results/nb201-nngp-default-500.jsonl");
const OUT = flag("--out", "docs/search");

const tablePath = sharedDataPath("nb201/nb201.csv");
if (!tablePath) throw new Error("needs ../shared/data/nb201/nb201.csv");
const table = readBenchmarkTable(tablePath);
const test = table.column("c10_test_200");
const rowOf = (archStr: string) => table.indexOf(archStr)!;
const testOf = (archStr: string) => test[rowOf(archStr)]!;
const OPTIMUM = Math.max(...test);
mkdirSync(OUT, { recursive: true });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const pm = (xs: number[]) => `${mean(xs).toFixed(2)} ± ${std(xs).toFixed(2)}`;

/** Search signals: one oracle column each, higher is better. */
const SIGNALS = {
  valid200: table.column("c10valid_valid_200"),
  valid12: table.column("c10valid_valid_12"),
} as const;
type Signal = keyof typeof SIGNALS;
const fitnessOf = (signal: Signal) => (archStr: string) => [SIGNALS[signal][rowOf(archStr)]!];

/**
 * The trials a search evaluates: `workers` = 1 is one worker (trial i proposed after trials 0..i-1
 * finished), more is the asynchronous event simulation, whose trials are listed in finish order (what
 * the study knows after q results). An architecture asked again counts as a query.
 */
function evaluated(
  make: (ctx: AlgorithmContext) => Sampler,
  space: AlgorithmContext["space"],
  fitness: (archStr: string) => number[],
  queries: number,
  seed: number,
  name: string,
  workers: number,
  objectives = 1,
): string[] {
  const sampler = make({ space, seed, objectives });
  if (workers === 1) return drive(sequential(sampler, seed, name), fitness, queries);
  return simulateWorkers({
    sampler,
    seed,
    name,
    workers,
    trials: queries,
    fitness,
    timing: seed,
  }).finished.map((t) => t.archStr);
}

/** After each query, the test accuracy of the architecture with the best signal so far (ties: the earliest). */
function testCurve(archStrs: readonly string[], signal: Signal): number[] {
  const curve: number[] = [];
  let best = -Infinity;
  let bestTest = Number.NaN;
  for (const a of archStrs) {
    const v = SIGNALS[signal][rowOf(a)]!;
    if (v > best) {
      best = v;
      bestTest = testOf(a);
    }
    curve.push(bestTest);
  }
  return curve;
}

const seeds = [...Array(SEEDS).keys()];
const lines: string[] = [];
const say = (s = "") => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};
const started = Date.now();

// 1. Search algorithms on the oracle, with one worker and with four asynchronous workers.
const ALGOS = ["rs", "re", "de", "ls", "reinforce"];
const WORKERS = [1, 4];
const curves = new Map<string, number[][]>(); // key `${algo} ${signal} ${workers}`
for (const algo of ALGOS) {
  const a = getAlgorithm(algo);
  for (const signal of Object.keys(SIGNALS) as Signal[])
    for (const workers of WORKERS)
      curves.set(
        `${algo} ${signal} ${workers}`,
        seeds.map((seed) =>
          testCurve(
            evaluated((ctx) => a.sampler(ctx), nb201, fitnessOf(signal), 300, seed, algo, workers),
            signal,
          ),
        ),
      );
}
const at = (key: string, q: number) => pm(curves.get(key)!.map((c) => c[q - 1]!));
for (const workers of WORKERS) {
  say(
    `## Search on the oracle, ${workers === 1 ? "one worker" : `${workers} asynchronous workers (simulated)`} (${SEEDS} seeds; CIFAR-10 test accuracy of the best-by-validation architecture)`,
  );
  say();
  say(
    "| algorithm | 100 queries (valid-200) | 300 queries (valid-200) | 100 queries (valid-12) | 300 queries (valid-12) |",
  );
  say("|---|---|---|---|---|");
  for (const algo of ALGOS) {
    const k = (signal: Signal) => `${algo} ${signal} ${workers}`;
    say(
      `| ${algo} | ${at(k("valid200"), 100)} | ${at(k("valid200"), 300)} | ${at(k("valid12"), 100)} | ${at(k("valid12"), 300)} |`,
    );
  }
  say();
}
say(`optimum ${OPTIMUM}`);
const references = [
  { label: "optimum 94.37", y: OPTIMUM },
  { label: "REA published 93.92", y: 93.92 },
];
writePlot(
  `${OUT}/best-so-far-valid200.svg`,
  await renderSvg(
    bestSoFarSpec({
      title: `NB201: test accuracy of the best-by-validation (200-epoch) cell, one worker, ${SEEDS} seeds`,
      xLabel: "queries",
      yLabel: "CIFAR-10 test accuracy (%)",
      series: ALGOS.map((a) => ({ label: a, runs: curves.get(`${a} valid200 1`)! })),
      references,
      yRange: [91, 94.5],
    }),
  ),
);
writePlot(
  `${OUT}/best-so-far-valid12.svg`,
  await renderSvg(
    bestSoFarSpec({
      title: `NB201: searching on 12-epoch validation accuracy, one worker, ${SEEDS} seeds`,
      xLabel: "queries (each costs 12 epochs)",
      yLabel: "CIFAR-10 test accuracy (%)",
      series: ALGOS.map((a) => ({ label: a, runs: curves.get(`${a} valid12 1`)! })),
      references,
      yRange: [90, 94.5],
    }),
  ),
);
writePlot(
  `${OUT}/best-so-far-valid200-4workers.svg`,
  await renderSvg(
    bestSoFarSpec({
      title: `NB201: best-by-validation (200-epoch) cell, 4 asynchronous workers, ${SEEDS} seeds`,
      xLabel: "finished queries",
      yLabel: "CIFAR-10 test accuracy (%)",
      series: ALGOS.map((a) => ({ label: a, runs: curves.get(`${a} valid200 4`)! })),
      references,
      yRange: [91, 94.5],
    }),
  ),
);
process.stderr.write(`oracle searches: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

// 2. Training-free pick-best-of-N from stored scores.
function scorePool(files: string[], field: string): Map<string, number> {
  const pool = new Map<string, number>();
  for (const f of files) {
    for (const [arch, r] of readScores(f)) {
      const v = r[field];
      if (typeof v === "number" && Number.isFinite(v) && !pool.has(arch)) pool.set(arch, v);
    }
  }
  return pool;
}
const naswot = scorePool(NASWOT_FILES, "naswot");
const nngp = scorePool([NNGP_FILE], "score");

function pickBest(pool: Map<string, number>, n: number, seed: number): string {
  const archs = new Rng(seed, "pick-bench").shuffle([...pool.keys()]).slice(0, n);
  return archs.reduce((best, a) => (pool.get(a)! > pool.get(best)! ? a : best));
}
say();
say(`## Training-free pick-best-of-N (${SEEDS} seeds, N distinct cells drawn from the scored pool)`);
say();
say("| score | pool | N = 10 | N = 100 | N = 1000 |");
say("|---|---|---|---|---|");
for (const [name, pool] of [
  ["NASWOT", naswot],
  ["NNGP", nngp],
] as const) {
  const cells = [10, 100, 1000].map((n) =>
    n > pool.size / 2 ? `n/a (pool ${pool.size})` : pm(seeds.map((s) => testOf(pickBest(pool, n, s)))),
  );
  say(`| ${name} | ${pool.size} | ${cells.join(" | ")} |`);
}
say("published NASWOT (Mellor et al. 2021, NB201 CIFAR-10 test): 92.44 / 92.81 / 92.96");
for (const [name, pool, field] of [
  ["naswot", naswot, "NASWOT"],
  ["nngp", nngp, "NNGP validation accuracy"],
] as const) {
  writePlot(
    `${OUT}/scatter-${name}.svg`,
    await renderSvg(
      scatterSpec({
        title: `${field} vs CIFAR-10 test accuracy (${pool.size} NB201 cells)`,
        xLabel: field,
        yLabel: "CIFAR-10 test accuracy (%)",
        points: [...pool].map(([a, v]) => ({ x: v, y: testOf(a) })),
      }),
    ),
  );
}

// 3. The NNGP-NAS claim: score M uniformly drawn cells with a training-free value (not counted as
// queries), keep the top 10 %, spend oracle queries only there — vs plain RE. Each seed draws its own
// M cells from the stored scores, so the pools vary across seeds.
const re = getAlgorithm("re");
const Q = 300;
const variants: { label: string; runs: number[][] }[] = [
  { label: "RE, whole space", runs: curves.get("re valid200 1")! },
];
const valid200 = fitnessOf("valid200");
for (const [name, pool, m] of [
  ["NNGP", nngp, 250],
  ["NASWOT", naswot, Math.min(1000, Math.floor(naswot.size / 2))],
] as const) {
  const inRank: number[][] = [];
  const reKept: number[][] = [];
  const reUnfiltered: number[][] = [];
  for (const seed of seeds) {
    const drawn = new Rng(seed, "prefilter-bench").shuffle([...pool.keys()]).slice(0, m);
    const kept = drawn.sort((a, b) => pool.get(b)! - pool.get(a)!).slice(0, Math.ceil(0.1 * m));
    const inside = restrictedSpace(nb201, kept);
    const all = restrictedSpace(nb201, drawn);
    inRank.push(
      testCurve(
        evaluated(() => rankedSampler(kept), inside, valid200, kept.length, seed, "ranked", 1),
        "valid200",
      ),
    );
    reKept.push(
      testCurve(
        evaluated((ctx) => re.sampler(ctx), inside, valid200, Q, seed, "re", 1),
        "valid200",
      ),
    );
    reUnfiltered.push(
      testCurve(
        evaluated((ctx) => re.sampler(ctx), all, valid200, Q, seed, "re", 1),
        "valid200",
      ),
    );
  }
  variants.push({ label: `${name} top 10% of ${m}, rank order`, runs: inRank });
  variants.push({ label: `RE in ${name} top 10% of ${m}`, runs: reKept });
  variants.push({ label: `RE in the same ${m} cells, unfiltered`, runs: reUnfiltered });
}
say();
say(`## Prefiltered search vs RE (${SEEDS} seeds; queries = oracle queries; prefilter scores not counted)`);
say();
say("| variant | 5 q | 10 q | 25 q | 50 q | 100 q | 300 q | queries to mean 94.0 |");
say("|---|---|---|---|---|---|---|---|");
for (const v of variants) {
  const value = (c: number[], q: number) => c[Math.min(q, c.length) - 1]!;
  const at = (q: number) => pm(v.runs.map((c) => value(c, q)));
  const len = Math.max(...v.runs.map((c) => c.length));
  let reach = "not reached";
  for (let q = 1; q <= len; q++) {
    if (mean(v.runs.map((c) => value(c, q))) >= 94.0) {
      reach = String(q);
      break;
    }
  }
  say(`| ${v.label} | ${at(5)} | ${at(10)} | ${at(25)} | ${at(50)} | ${at(100)} | ${at(300)} | ${reach} |`);
}
writePlot(
  `${OUT}/prefilter-re.svg`,
  await renderSvg(
    bestSoFarSpec({
      title: `RE vs prefiltered search on NB201 (${SEEDS} seeds)`,
      xLabel: "oracle queries",
      yLabel: "CIFAR-10 test accuracy (%)",
      series: variants,
      references,
      yRange: [90, 94.5],
    }),
  ),
);

// 4. NSGA-II: accuracy vs FLOPs, against the table's true front.
const flops = table.column("flops_c10_M");
const valid = table.column("c10valid_valid_200");
const dir = { xLowerIsBetter: true, yHigherIsBetter: true };
const trueFront = paretoFront(
  table.archStrs.map((a, i) => ({ x: flops[i]!, y: valid[i]!, a })),
  dir,
);
const trueSet = new Set(trueFront.map((p) => `${p.x}|${p.y}`));
// Hypervolume of a front (FLOPs ↓, accuracy ↑) against the reference point (max FLOPs, 0 %).
const maxFlops = Math.max(...flops);
const hypervolume = (front: { x: number; y: number }[]) => {
  let hv = 0;
  const sorted = [...front].sort((a, b) => a.x - b.x);
  sorted.forEach((p, i) => {
    hv += ((sorted[i + 1]?.x ?? maxFlops) - p.x) * p.y;
  });
  return hv;
};
const trueHv = hypervolume(trueFront);
let example: { x: number; y: number }[] = [];
say();
say(`## Multi-objective: valid-200 accuracy ↑ vs FLOPs ↓, 500 queries (true front: ${trueSet.size} points)`);
say();
say("| algorithm | seeds | true front points found | hypervolume / optimum |");
say("|---|---|---|---|");
for (const [label, algo, workers] of [
  ["nsga2", "nsga2", 1],
  ["nsga2, 4 workers", "nsga2", 4],
  ["rs", "rs", 1],
] as const) {
  const multi = getAlgorithm(algo).multiObjective;
  const found: number[] = [];
  const hv: number[] = [];
  const fitness = (a: string) => [valid[rowOf(a)]!, -flops[rowOf(a)]!];
  for (const seed of seeds.slice(0, Math.min(SEEDS, 30))) {
    const archStrs = evaluated(
      (ctx) => getAlgorithm(algo).sampler(ctx),
      nb201,
      multi ? fitness : (a) => fitness(a).slice(0, 1),
      500,
      seed,
      algo,
      workers,
      multi ? 2 : 1,
    );
    const pts = archStrs.map((a) => ({ x: flops[rowOf(a)]!, y: valid[rowOf(a)]! }));
    const front = paretoFront(pts, dir);
    found.push(new Set(front.filter((p) => trueSet.has(`${p.x}|${p.y}`)).map((p) => `${p.x}|${p.y}`)).size);
    hv.push(hypervolume(front) / trueHv);
    if (seed === 0 && multi && workers === 1) example = pts;
  }
  say(`| ${label} | ${found.length} | ${pm(found)} | ${mean(hv).toFixed(4)} ± ${std(hv).toFixed(4)} |`);
}
writePlot(
  `${OUT}/pareto-nsga2.svg`,
  await renderSvg(
    paretoSpec({
      title: "NSGA-II on NB201, seed 0, 500 queries",
      xLabel: "FLOPs (M)",
      yLabel: "CIFAR-10 validation accuracy (%)",
      points: example,
      front: paretoFront(example, dir),
      ...dir,
    }),
  ),
);
for (const f of [
  "best-so-far-valid200",
  "best-so-far-valid200-4workers",
  "best-so-far-valid12",
  "prefilter-re",
  "pareto-nsga2",
  "scatter-naswot",
  "scatter-nngp",
]) {
  writePlot(`${OUT}/${f}.png`, readFileSync(`${OUT}/${f}.svg`, "utf8"));
}
writeFileSync(`${OUT}/results.md`, `${lines.join("\n")}\n`);
process.stderr.write(`total: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
