// `npm run bench:store`: what the study store costs and what several workers buy on this machine.
// 1. The store's own ceiling: trials per second with 1, 2, 4 and 8 worker processes on a zero-cost
//    objective (RS on the NB201 table oracle, table:c10valid_valid_200), for one SQLite file and for a
//    throwaway PostgreSQL server (scripts/postgres.mjs). A `search --budget 1` creates the study, then
//    W `worker --budget N` processes start at once; rates come from the store's own timestamps:
//    "span" = (trials − 1) / (last finished_at − first started_at) of the workers' trials, "all
//    active" = trials finished while every process that ran any was between its first start and its
//    last finish, over that window (start-up of the processes excluded); a control row runs one
//    worker over the largest W's trial count (a longer study costs more per allocation by itself).
// 2. NASWOT scoring (`--algo pick --objective naswot`, fashion-mnist) with 1 worker × 2 threads,
//    2 workers × 1 thread, and 1 worker × 1 thread for reference, same seed (same cells).
// Prints figures and ratios, asserts nothing; writes docs/results/store-bench.txt.
//   node --import tsx bench/store.bench.ts [--per-worker 1000] [--min-trials 2000] [--workers 1,2,4,8]
//     [--naswot 36] [--repeats 2] [--backends sqlite,postgres] [--out docs/results/store-bench.txt]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { createTestDatabase, startPostgres } from "../scripts/postgres.mjs";
import type { Trial } from "../src/store/study.js";
import { type Cli, nasprobeCli, readTrials, startCli } from "../src/store/testing/faults.js";
import { VERSION } from "../src/version.js";

const { values: args } = parseArgs({
  options: {
    "per-worker": { type: "string", default: "1000" },
    "min-trials": { type: "string", default: "2000" },
    naswot: { type: "string", default: "36" },
    repeats: { type: "string", default: "2" },
    workers: { type: "string", default: "1,2,4,8" },
    backends: { type: "string", default: "sqlite,postgres" },
    out: { type: "string", default: "docs/results/store-bench.txt" },
  },
});
// Enough trials that the processes' start-up (~1 s each, several at once on two cores) is a small part.
const trialsFor = (w: number) => Math.max(Number(args["min-trials"]), Number(args["per-worker"]) * w);
const NASWOT = Number(args.naswot);
const REPEATS = Number(args.repeats);
const WORKERS = args.workers.split(",").map(Number);
const BACKENDS = args.backends.split(",");
const lines: string[] = [];
const say = (line = "") => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const dir = mkdtempSync(join(tmpdir(), "nasprobe-store-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const cli: Cli = nasprobeCli();
const started = Date.now();

interface Measured {
  /** Trials the W workers ran (the creating search's first trial excluded). */
  readonly trials: number;
  readonly span: number;
  readonly allActive: number | undefined;
  readonly perProcess: number[];
  /** Spawn of the workers to the last exit, start-up included. */
  readonly wallSeconds: number;
  readonly meanTrialSeconds: number;
}

const ms = (iso: string | undefined) => Date.parse(iso ?? "");

function measure(trials: readonly Trial[], creator: string, wallSeconds: number): Measured {
  const mine = trials.filter((t) => t.finishSeq !== undefined && t.worker !== creator);
  const byWorker = new Map<string, Trial[]>();
  for (const t of mine) byWorker.set(t.worker!, [...(byWorker.get(t.worker!) ?? []), t]);
  const first = Math.min(...mine.map((t) => ms(t.startedAt)));
  const last = Math.max(...mine.map((t) => ms(t.finishedAt)));
  const span = ((mine.length - 1) * 1000) / (last - first);
  const from = Math.max(...[...byWorker.values()].map((ts) => Math.min(...ts.map((t) => ms(t.startedAt)))));
  const to = Math.min(...[...byWorker.values()].map((ts) => Math.max(...ts.map((t) => ms(t.finishedAt)))));
  const inside = mine.filter((t) => ms(t.finishedAt) > from && ms(t.finishedAt) <= to).length;
  return {
    trials: mine.length,
    span,
    allActive: to - from > 200 ? (inside * 1000) / (to - from) : undefined,
    perProcess: [...byWorker.values()].map((ts) => ts.length).sort((a, b) => b - a),
    wallSeconds,
    meanTrialSeconds: mine.reduce((s, t) => s + t.seconds, 0) / mine.length,
  };
}

/** Creates the study with one trial, then runs `workers` worker processes of `budget` trials at once. */
async function run(o: {
  storage: string;
  study: string;
  search: readonly string[];
  workers: number;
  budget: number;
  threads?: number;
}): Promise<Measured> {
  const where = ["--storage", o.storage, "--study", o.study];
  const threads = o.threads !== undefined ? ["--threads", String(o.threads)] : [];
  const create = startCli(cli, [...o.search, "--budget", "1", ...where, ...threads], "search");
  const r = await create.exit;
  if (r.code !== 0) throw new Error(`creating ${o.study}: ${create.output()}`);
  const t0 = performance.now();
  const procs = Array.from({ length: o.workers }, () =>
    startCli(cli, ["worker", ...where, "--budget", String(o.budget), ...threads], "worker"),
  );
  for (const p of procs) {
    const e = await p.exit;
    if (e.code !== 0) throw new Error(`worker of ${o.study} ended with ${e.signal ?? e.code}: ${p.output()}`);
  }
  const wall = (performance.now() - t0) / 1000;
  const trials = (await readTrials(o.storage, o.study)) ?? [];
  const creator = trials.find((t) => t.number === 0)?.worker ?? "";
  return measure(trials, creator, wall);
}

const f1 = (x: number | undefined) => (x === undefined ? "n/a" : x.toFixed(1));
say(
  `nasprobe ${VERSION} study store benchmark — ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start`,
);
say();
say(
  `1. Store throughput: RS on table:c10valid_valid_200 (zero-cost), max(${args["min-trials"]}, ${args["per-worker"]}·W) trials, W worker processes`,
);
say("   rates in trials/s from the store's timestamps; ×1 = against one worker on the same backend");
say();
say("backend      W   trials   span /s   all-active /s   ×1 (all-active)   wall s   trials per process");
const throughput: Record<string, Record<number, Measured>> = {};
let pgStop: (() => Promise<void>) | undefined;
for (const backend of BACKENDS) {
  let storageOf: (w: number) => Promise<string>;
  if (backend === "sqlite") storageOf = async (w) => join(dir, `throughput-${w}.db`);
  else {
    const pg = await startPostgres();
    if (pg.url === undefined) {
      say(`postgres     (not available: ${pg.skipped})`);
      continue;
    }
    pgStop = pg.stop;
    const url = await createTestDatabase(pg.url, "store_bench");
    storageOf = async () => url;
  }
  throughput[backend] = {};
  for (const w of WORKERS) {
    const m = await run({
      storage: await storageOf(w),
      study: `throughput_${w}`,
      search: ["search", "--algo", "rs", "--objective", "table:c10valid_valid_200", "--seed", "0"],
      workers: w,
      budget: trialsFor(w) + 1,
    });
    throughput[backend]![w] = m;
    const base = throughput[backend]![WORKERS[0]!]!;
    const ratio =
      m.allActive !== undefined && base.allActive !== undefined ? m.allActive / base.allActive : undefined;
    say(
      `${backend.padEnd(10)} ${String(w).padStart(3)}   ${String(m.trials).padStart(6)}   ${f1(m.span).padStart(7)}   ${f1(m.allActive).padStart(13)}   ${(ratio === undefined ? "n/a" : `${ratio.toFixed(2)}×`).padStart(15)}   ${m.wallSeconds.toFixed(1).padStart(6)}   ${m.perProcess.join("/")}${m.perProcess.length < w ? ` (${w - m.perProcess.length} got none)` : ""}`,
    );
  }
  // Control: one worker over as many trials as the largest W ran, to tell the cost of a longer study
  // (every allocation counts the study's trials) from that of more workers.
  const most = trialsFor(Math.max(...WORKERS));
  if (most > trialsFor(1)) {
    const m = await run({
      storage: await storageOf(0),
      study: "throughput_control",
      search: ["search", "--algo", "rs", "--objective", "table:c10valid_valid_200", "--seed", "0"],
      workers: 1,
      budget: most + 1,
    });
    say(
      `${backend.padEnd(10)} ${"1".padStart(3)}   ${String(m.trials).padStart(6)}   ${f1(m.span).padStart(7)}   ${f1(m.allActive).padStart(13)}   ${"(control)".padStart(15)}   ${m.wallSeconds.toFixed(1).padStart(6)}   ${m.perProcess.join("/")}`,
    );
  }
  await pgStop?.();
  pgStop = undefined;
}
if (throughput.sqlite && throughput.postgres) {
  say();
  for (const w of WORKERS) {
    const s = throughput.sqlite[w]?.allActive;
    const p = throughput.postgres[w]?.allActive;
    if (s !== undefined && p !== undefined) say(`   W = ${w}: PostgreSQL / SQLite = ${(p / s).toFixed(2)}×`);
  }
}

say();
say(
  `2. NASWOT scoring: pick ${NASWOT} cells by naswot (fashion-mnist), SQLite; same seed, same cells; ${REPEATS} runs of each, interleaved`,
);
say();
say("configuration          run   trials/s (span)   s per trial (eval)   wall s (start-up incl.)   load avg");
const configs = [
  { name: "1 worker × 2 threads", workers: 1, threads: 2 },
  { name: "2 workers × 1 thread", workers: 2, threads: 1 },
  { name: "1 worker × 1 thread", workers: 1, threads: 1 },
];
const naswot = new Map<string, Measured[]>(configs.map((c) => [c.name, []]));
for (let rep = 1; rep <= REPEATS; rep++)
  for (const c of configs) {
    const m = await run({
      storage: join(dir, "naswot.db"),
      study: `naswot_${c.workers}x${c.threads}_${rep}`,
      search: ["search", "--algo", "pick", "--objective", "naswot", "--seed", "0"],
      workers: c.workers,
      budget: NASWOT + 1,
      threads: c.threads,
    });
    naswot.get(c.name)!.push(m);
    say(
      `${c.name.padEnd(22)} ${String(rep).padStart(3)}   ${m.span.toFixed(3).padStart(15)}   ${m.meanTrialSeconds.toFixed(2).padStart(18)}   ${m.wallSeconds.toFixed(1).padStart(23)}   ${loadavg()[0]!.toFixed(1).padStart(8)}`,
    );
  }
const rate = (name: string) => {
  const ms = naswot.get(name)!;
  return ms.reduce((a, m) => a + m.span, 0) / ms.length;
};
say();
for (const c of configs)
  say(
    `   ${c.name}: ${rate(c.name).toFixed(3)} trials/s (mean of ${REPEATS}), ${(rate(c.name) / rate(configs[0]!.name)).toFixed(2)}× one worker × 2 threads`,
  );
const [one2, two, one1] = configs.map((c) => rate(c.name)) as [number, number, number];
say(
  `   2 threads in one worker: ${(one2 / one1).toFixed(2)}× one thread; 2 workers × 1 thread: ${(two / one1).toFixed(2)}× one thread, ${(two / one2).toFixed(2)}× one worker × 2 threads`,
);
say();
say(
  `${((Date.now() - started) / 1000).toFixed(0)} s in all; load average ${loadavg()[0]!.toFixed(1)} at the end`,
);
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, `${lines.join("\n")}\n`);
process.stdout.write(`wrote ${args.out}\n`);
