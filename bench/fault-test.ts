// `npm run bench:faults`: the long form of src/store/fault.test.ts. For each backend — one SQLite file
// per round, and a throwaway PostgreSQL server (scripts/postgres.mjs) with one study per round in one
// database — ROUNDS rounds of a BUDGET-trial RE study on the NB201 table oracle run by WORKERS
// processes (`nasprobe search` + `nasprobe worker`s), one random process SIGKILLed at a random
// moment (drawn once two processes take trials, in the first 80 % of what remains then) and started
// again as a worker (src/store/testing/faults.ts checks every round). Each round's best is compared
// with one worker's run of the same seed, and the event simulation of src/search/testing.ts gives the
// spread to expect from asynchrony alone (the fault test's tolerance). Writes
// docs/results/fault-test.json and prints a table.
//   node --import tsx bench/fault-test.ts [--rounds 10] [--workers 4] [--budget 400] [--simulate 500]
//     [--backends sqlite,postgres] [--out docs/results/fault-test.json]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { createTestDatabase, startPostgres } from "../scripts/postgres.mjs";
import { runSearch } from "../src/app/search.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { getAlgorithm } from "../src/search/algorithms/index.js";
import { sequential } from "../src/search/optimizer.js";
import { drive, simulateWorkers } from "../src/search/testing.js";
import { nb201 } from "../src/spaces/nb201.js";
import { type FaultRound, faultRound, nasprobeCli, REPO } from "../src/store/testing/faults.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { VERSION } from "../src/version.js";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    workers: { type: "string", default: "4" },
    budget: { type: "string", default: "400" },
    simulate: { type: "string", default: "500" },
    backends: { type: "string", default: "sqlite,postgres" },
    out: { type: "string", default: "docs/results/fault-test.json" },
  },
});
const ROUNDS = Number(args.rounds);
const WORKERS = Number(args.workers);
const BUDGET = Number(args.budget);
const SIMULATE = Number(args.simulate);
const BACKENDS = args.backends.split(",");
const OBJECTIVE = "table:c10valid_valid_200";
const COLUMN = "c10valid_valid_200";
const TOLERANCE = 0.5;

const tablePath = sharedDataPath("nb201/nb201.csv");
if (!tablePath) throw new Error("needs ../shared/data/nb201/nb201.csv");
const table = readBenchmarkTable(tablePath);
const column = table.column(COLUMN);
const tableValue = (archStr: string) => {
  const row = table.indexOf(archStr);
  return row === undefined ? undefined : column[row];
};
const OPTIMUM = Math.max(...column.filter((v) => Number.isFinite(v)));
const say = (line = "") => process.stdout.write(`${line}\n`);
const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), "nasprobe-fault-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
nasprobeCli();

// One worker per seed, in this process: the reference best of each round.
const seeds = Array.from({ length: ROUNDS }, (_, i) => i + 1);
const single = new Map<number, number>();
for (const seed of seeds) {
  const r = await runSearch(
    { algo: "re", objective: OBJECTIVE, budget: BUDGET, seed },
    { storage: join(dir, `single-${seed}.db`), study: "single" },
  );
  single.set(seed, Math.max(...r.run.trials.map((t) => t.objectives[0] ?? Number.NEGATIVE_INFINITY)));
}

interface Row {
  readonly round: number;
  readonly seed: number;
  readonly single: number;
  readonly result: FaultRound;
}
const results: Record<string, Row[] | { skipped: string }> = {};

async function backend(name: string, storageOf: (round: number) => Promise<string>): Promise<Row[]> {
  const rng = new Rng(2024, "fault bench", name);
  const rows: Row[] = [];
  say(
    `\n${name}: ${ROUNDS} rounds, ${WORKERS} processes, ${BUDGET}-trial RE on ${OBJECTIVE}, one SIGKILL per round`,
  );
  say(
    "round  seed  trials  lost+retried  duplicated  missing  best       one worker  Δ       seconds  killed (aim)             trials per process",
  );
  for (const [i, seed] of seeds.entries()) {
    const result = await faultRound({
      storage: await storageOf(i + 1),
      study: `round_${i + 1}`,
      workers: WORKERS,
      budget: BUDGET,
      seed,
      kill: true,
      // Odd rounds kill anywhere in a cycle, even ones just after the victim took a trial.
      aim: i % 2 === 0 ? "random" : "running",
      rng,
      expected: tableValue,
      timeoutMs: 300_000,
    });
    const row = { round: i + 1, seed, single: single.get(seed)!, result };
    rows.push(row);
    const k = result.killed;
    say(
      [
        String(row.round).padStart(5),
        String(seed).padStart(4),
        String(result.trials).padStart(6),
        String(result.lost).padStart(12),
        String(result.duplicated).padStart(10),
        String(result.missing).padStart(7),
        result.best.toFixed(3).padStart(9),
        row.single.toFixed(3).padStart(10),
        (result.best - row.single).toFixed(3).padStart(6),
        result.seconds.toFixed(1).padStart(7),
        (k
          ? `${k.role} @ ${k.atFinished}${k.holding === undefined ? "" : k.holding ? ", holding" : ", aim missed"}`
          : "none"
        ).padEnd(24),
        Object.values(result.perWorker)
          .sort((a, b) => b - a)
          .join("/"),
      ].join("  "),
    );
    for (const p of result.problems) say(`       PROBLEM: ${p}`);
  }
  return rows;
}

if (BACKENDS.includes("sqlite"))
  results.sqlite = await backend("SQLite", async (r) => join(dir, `round-${r}.db`));
let pgStop: (() => Promise<void>) | undefined;
if (BACKENDS.includes("postgres")) {
  const pg = await startPostgres();
  if (pg.url === undefined) {
    say(`\nPostgreSQL: not available (${pg.skipped})`);
    results.postgres = { skipped: pg.skipped };
  } else {
    pgStop = pg.stop;
    const url = await createTestDatabase(pg.url, "fault_bench");
    results.postgres = await backend("PostgreSQL", async () => url);
  }
}
await pgStop?.();

// What asynchrony alone does to RE's best at this budget: 1 worker vs WORKERS simulated workers.
let simulation: Record<string, unknown> | undefined;
if (SIMULATE > 0) {
  const re = getAlgorithm("re");
  const options = re.resolve({});
  const fitness = (a: string) => [tableValue(a)!];
  const best = (archs: readonly string[]) => Math.max(...archs.map((a) => tableValue(a)!));
  const diffs: number[] = [];
  const ones: number[] = [];
  const many: number[] = [];
  for (let seed = 0; seed < SIMULATE; seed++) {
    const ctx = { space: nb201 as never, seed, objectives: 1 };
    const one = best(drive(sequential(re.sampler(ctx, options), seed, "re"), fitness, BUDGET));
    const sim = simulateWorkers({
      sampler: re.sampler(ctx, options),
      seed,
      name: "re",
      workers: WORKERS,
      trials: BUDGET,
      fitness,
      timing: seed,
    });
    const m = best(sim.finished.map((t) => t.archStr));
    ones.push(one);
    many.push(m);
    diffs.push(m - one);
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
  const stats = (xs: number[]) => ({
    min: Math.min(...xs),
    p1: q(xs, 0.01),
    p5: q(xs, 0.05),
    median: q(xs, 0.5),
    max: Math.max(...xs),
  });
  simulation = {
    seeds: SIMULATE,
    oneWorker: { ...stats(ones), atLeast91_5: ones.filter((x) => x >= 91.5).length / SIMULATE },
    workers: { ...stats(many), atLeast91_5: many.filter((x) => x >= 91.5).length / SIMULATE },
    difference: { ...stats(diffs), belowTolerance: diffs.filter((d) => d < -TOLERANCE).length },
  };
  const f = (s: ReturnType<typeof stats>) =>
    `min ${s.min.toFixed(3)}, 1 % ${s.p1.toFixed(3)}, 5 % ${s.p5.toFixed(3)}, median ${s.median.toFixed(3)}, max ${s.max.toFixed(3)}`;
  say(`\nevent simulation, ${SIMULATE} seeds, best ${COLUMN} after ${BUDGET} queries (optimum ${OPTIMUM}):`);
  say(`  1 worker:             ${f(stats(ones))}`);
  say(`  ${WORKERS} workers:            ${f(stats(many))}`);
  say(
    `  ${WORKERS} workers − 1 worker: ${f(stats(diffs))}; below −${TOLERANCE}: ${diffs.filter((d) => d < -TOLERANCE).length} of ${SIMULATE}`,
  );
}

const summary = Object.fromEntries(
  Object.entries(results).map(([name, rows]) => {
    if (!Array.isArray(rows)) return [name, rows];
    const rs = rows.map((r) => r.result);
    const sum = (f: (r: FaultRound) => number) => rs.reduce((s, r) => s + f(r), 0);
    return [
      name,
      {
        rounds: rs.length,
        trials: sum((r) => r.trials),
        lostAndRetried: sum((r) => r.lost),
        roundsWithALostTrial: rs.filter((r) => r.lost > 0).length,
        lostWhenAimedAtARunningTrial: `${rs.filter((r) => r.killed?.holding !== undefined && r.lost > 0).length} of ${rs.filter((r) => r.killed?.holding !== undefined).length}`,
        lostWhenKilledAtRandom: `${rs.filter((r) => r.killed && r.killed.holding === undefined && r.lost > 0).length} of ${rs.filter((r) => r.killed && r.killed.holding === undefined).length}`,
        duplicated: sum((r) => r.duplicated),
        missing: sum((r) => r.missing),
        problems: sum((r) => r.problems.length),
        killsOfTheSearchProcess: rs.filter((r) => r.killed?.role === "search").length,
        bestWithinTolerance: rows.filter((r) => r.result.best >= r.single - TOLERANCE).length,
        bestAtLeastSingle: rows.filter((r) => r.result.best >= r.single).length,
        meanDelta: rows.reduce((s, r) => s + r.result.best - r.single, 0) / rows.length,
        meanSeconds: sum((r) => r.seconds) / rs.length,
      },
    ];
  }),
);
say("\nsummary");
for (const [name, s] of Object.entries(summary)) say(`  ${name}: ${JSON.stringify(s)}`);
say(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all`);

mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  `${JSON.stringify(
    {
      generated: new Date().toISOString(),
      version: VERSION,
      machine: { cpus: cpus().length, loadavgAtEnd: loadavg() },
      settings: {
        rounds: ROUNDS,
        workers: WORKERS,
        budget: BUDGET,
        objective: OBJECTIVE,
        tolerance: TOLERANCE,
      },
      summary,
      ...(simulation ? { simulation } : {}),
      rounds: Object.fromEntries(
        Object.entries(results).map(([name, rows]) => [
          name,
          Array.isArray(rows)
            ? rows.map((r) => ({
                round: r.round,
                single: r.single,
                ...r.result,
                storage: r.result.storage.replace(dir, "$TMP"),
              }))
            : rows,
        ]),
      ),
    },
    null,
    2,
  )}\n`,
);
// In the repository's own format, so that `npm run lint` (biome check .) passes on the result.
spawnSync(join(REPO, "node_modules/.bin/biome"), ["format", "--write", args.out], { stdio: "ignore" });
say(`wrote ${args.out}`);
