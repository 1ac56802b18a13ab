// The NAS-Bench-201 search results of docs/search-nb201.md: every algorithm on the tabular oracle
// over many seeds (searching on CIFAR-10 validation accuracy, reporting the test accuracy of the
// architecture with the best validation accuracy so far), training-free pick-best-of-N from stored
// score files, and NNGP/NASWOT-prefiltered regularized evolution. Studies run through the same
// runStudy/objective code as `nasprobe search`, on in-memory stores.
//   node --import tsx bench/search-nb201.ts [--seeds 100] [--naswot FILE.jsonl ...]
import { mkdirSync, writeFileSync } from "node:fs";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { bestSoFarPlot, paretoFront, paretoPlot, scatterPlot } from "../src/reports/plots.js";
import { writePlot } from "../src/reports/png.js";
import { readScores } from "../src/reports/scores.js";
import { getAlgorithm } from "../src/search/algorithms/index.js";
import { ranked } from "../src/search/algorithms/ranked.js";
import { makeObjective, parseObjectives } from "../src/search/objective.js";
import type { Optimizer } from "../src/search/optimizer.js";
import { restrictedSpace } from "../src/search/restrictedSpace.js";
import { runStudy } from "../src/search/study.js";
import { nb201 } from "../src/spaces/nb201.js";
import { memoryStudy } from "../src/store/memory.js";
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
const testOf = (archStr: string) => test[table.indexOf(archStr)!]!;
const OPTIMUM = Math.max(...test);
mkdirSync(OUT, { recursive: true });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const pm = (xs: number[]) => `${mean(xs).toFixed(2)} ± ${std(xs).toFixed(2)}`;

/**
 * Runs one study on the oracle and returns, after each query, the test accuracy of the architecture
 * with the best search objective so far (ties: the earliest).
 */
async function testCurve(
  optimizer: () => Optimizer,
  objectiveSpec: string,
  queries: number,
  seed: number,
  algo: string,
): Promise<number[]> {
  const terms = parseObjectives(objectiveSpec, nb201.benchmark?.epochCost);
  const run = await runStudy({
    store: memoryStudy(),
    config: { space: "nb201", algo, algoOptions: {}, objectives: [objectiveSpec], seed, evaluation: {} },
    version: "bench",
    optimizer,
    objective: makeObjective(terms, { table }),
    budget: { queries },
  });
  const curve: number[] = [];
  let best = -Infinity;
  let bestTest = Number.NaN;
  for (const t of run.trials) {
    const v = t.objectives[0]!;
    if (v !== null && v > best) {
      best = v;
      bestTest = testOf(t.archStr);
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

// 1. Search algorithms on the oracle.
const ALGOS = ["rs", "re", "de", "ls", "reinforce"];
const curves = new Map<string, number[][]>();
const curves12 = new Map<string, number[][]>();
for (const algo of ALGOS) {
  const a = getAlgorithm(algo);
  const runs: number[][] = [];
  const runs12: number[][] = [];
  for (const seed of seeds) {
    const make = () => a.create({ space: nb201, seed, objectives: 1 }, {});
    runs.push(await testCurve(make, "table:c10valid_valid_200", 300, seed, algo));
    runs12.push(await testCurve(make, "table:c10valid_valid_12", 300, seed, algo));
  }
  curves.set(algo, runs);
  curves12.set(algo, runs12);
}
say(
  `## Search on the oracle (${SEEDS} seeds; CIFAR-10 test accuracy of the best-by-validation architecture)`,
);
say();
say(
  "| algorithm | 100 queries (valid-200) | 300 queries (valid-200) | 100 queries (valid-12) | 300 queries (valid-12) |",
);
say("|---|---|---|---|---|");
for (const algo of ALGOS) {
  const at = (m: Map<string, number[][]>, q: number) => pm(m.get(algo)!.map((c) => c[q - 1]!));
  say(`| ${algo} | ${at(curves, 100)} | ${at(curves, 300)} | ${at(curves12, 100)} | ${at(curves12, 300)} |`);
}
say(`\noptimum ${OPTIMUM}`);
const references = [
  { label: "optimum 94.37", y: OPTIMUM },
  { label: "REA published 93.92", y: 93.92 },
];
writePlot(
  `${OUT}/best-so-far-valid200.svg`,
  bestSoFarPlot({
    title: `NB201: test accuracy of the best-by-validation (200-epoch) cell, ${SEEDS} seeds`,
    xLabel: "queries",
    yLabel: "CIFAR-10 test accuracy (%)",
    series: ALGOS.map((a) => ({ label: a, runs: curves.get(a)! })),
    references,
    yRange: [91, 94.5],
  }),
);
writePlot(
  `${OUT}/best-so-far-valid12.svg`,
  bestSoFarPlot({
    title: `NB201: searching on 12-epoch validation accuracy, ${SEEDS} seeds`,
    xLabel: "queries (each costs 12 epochs)",
    yLabel: "CIFAR-10 test accuracy (%)",
    series: ALGOS.map((a) => ({ label: a, runs: curves12.get(a)! })),
    references,
    yRange: [90, 94.5],
  }),
);

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
    scatterPlot({
      title: `${field} vs CIFAR-10 test accuracy (${pool.size} NB201 cells)`,
      xLabel: field,
      yLabel: "CIFAR-10 test accuracy (%)",
      points: [...pool].map(([a, v]) => ({ x: v, y: testOf(a) })),
    }),
  );
}

// 3. The NNGP-NAS claim: score M uniformly drawn cells with a training-free value (not counted as
// queries), keep the top 10 %, spend oracle queries only there — vs plain RE. Each seed draws its own
// M cells from the stored scores, so the pools vary across seeds.
const re = getAlgorithm("re");
const Q = 300;
const variants: { label: string; runs: number[][] }[] = [
  { label: "RE, whole space", runs: curves.get("re")! },
];
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
    inRank.push(
      await testCurve(() => ranked(kept), "table:c10valid_valid_200", kept.length, seed, "prefilter"),
    );
    const inside = restrictedSpace(nb201, kept);
    reKept.push(
      await testCurve(
        () => re.create({ space: inside, seed, objectives: 1 }, {}),
        "table:c10valid_valid_200",
        Q,
        seed,
        "re",
      ),
    );
    const all = restrictedSpace(nb201, drawn);
    reUnfiltered.push(
      await testCurve(
        () => re.create({ space: all, seed, objectives: 1 }, {}),
        "table:c10valid_valid_200",
        Q,
        seed,
        "re",
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
  bestSoFarPlot({
    title: `RE vs prefiltered search on NB201 (${SEEDS} seeds)`,
    xLabel: "oracle queries",
    yLabel: "CIFAR-10 test accuracy (%)",
    series: variants,
    references,
    yRange: [90, 94.5],
  }),
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
for (const [algo, multi] of [
  ["nsga2", true],
  ["rs", false],
] as const) {
  const found: number[] = [];
  const hv: number[] = [];
  for (const seed of seeds.slice(0, Math.min(SEEDS, 30))) {
    const terms = parseObjectives("table:c10valid_valid_200,table:flops_c10_M", nb201.benchmark?.epochCost);
    const run = await runStudy({
      store: memoryStudy(),
      config: {
        space: "nb201",
        algo,
        algoOptions: {},
        objectives: terms.map((t) => t.spec),
        seed,
        evaluation: {},
      },
      version: "bench",
      optimizer: () => getAlgorithm(algo).create({ space: nb201, seed, objectives: multi ? 2 : 1 }, {}),
      objective: makeObjective(terms, { table }),
      budget: { queries: 500 },
    });
    const pts = run.trials.map((t) => ({ x: t.objectives[1]!, y: t.objectives[0]! }));
    const front = paretoFront(pts, dir);
    found.push(new Set(front.filter((p) => trueSet.has(`${p.x}|${p.y}`)).map((p) => `${p.x}|${p.y}`)).size);
    hv.push(hypervolume(front) / trueHv);
    if (seed === 0 && multi) example = pts;
  }
  say(`| ${algo} | ${found.length} | ${pm(found)} | ${mean(hv).toFixed(4)} ± ${std(hv).toFixed(4)} |`);
}
writePlot(
  `${OUT}/pareto-nsga2.svg`,
  paretoPlot({
    title: "NSGA-II on NB201, seed 0, 500 queries",
    xLabel: "FLOPs (M)",
    yLabel: "CIFAR-10 validation accuracy (%)",
    points: example,
    front: paretoFront(example, dir),
    ...dir,
  }),
);
for (const f of [
  "best-so-far-valid200",
  "best-so-far-valid12",
  "prefilter-re",
  "pareto-nsga2",
  "scatter-naswot",
  "scatter-nngp",
]) {
  const { readFileSync } = await import("node:fs");
  writePlot(`${OUT}/${f}.png`, readFileSync(`${OUT}/${f}.svg`, "utf8"));
}
writeFileSync(`${OUT}/results.md`, `${lines.join("\n")}\n`);
