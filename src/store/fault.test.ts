// Fault rounds on real processes (src/store/testing/faults.ts): a 400-trial RE study on the NB201
// table oracle run by 4 processes — `nasprobe search` and 3 `nasprobe worker`s — on one SQLite file
// and on PostgreSQL, one random process SIGKILLed in each round and started again as a worker: in
// the first round at a random moment, in the second just after a look at the store shows it holding
// a running trial (so that trial is almost always lost and must be retried). Every round must leave
// exactly the budget's trials, numbered 0…n−1, each complete with the table's value, every lost
// trial failed with its reason and retried (retry_of pointing back), lost trials only of the killed
// process, nothing running or waiting, and a best as good as one worker's with the same seed.
//
// Tolerance: with 4 workers RE folds trials in finish order and proposes beside pending ones, so it
// walks another path than 1 worker and may end on another cell. In the event simulation of
// src/search/testing.ts (bench/fault-test.ts prints it), over 500 seeds at 400 queries on
// c10valid_valid_200 the 4-worker best fell below the 1-worker best of the same seed by at most
// 0.479 points (1st percentile 0.18, median 0; the 4-worker best was ≥ 91.5 in 93 % of seeds, the
// table's optimum is 91.607): so ≥ single − 0.5.
//
// The file takes 30–50 s here (2 shared cores): 2 rounds on each backend at 5–13 s a round, most of
// it the processes loading the CLI and the 15,625-row table (~1.3 s of CPU each).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runSearch } from "../app/search.js";
import { readBenchmarkTable } from "../benchmarks/table.js";
import { Rng } from "../util/random.js";
import { sharedDataPath } from "../util/sharedData.js";
import { type FaultRound, faultRound, nasprobeCli } from "./testing/faults.js";
import { withPostgres } from "./testing/postgres.js";

const OBJECTIVE = "table:c10valid_valid_200";
const BUDGET = 400;
const WORKERS = 4;
/** Seed and where the kill lands: anywhere in a cycle, or just after the victim took a trial. */
const ROUNDS = [
  { seed: 1, aim: "random" },
  { seed: 2, aim: "running" },
] as const;
const SEEDS = ROUNDS.map((r) => r.seed);
const TOLERANCE = 0.5;
const TABLE = sharedDataPath("nb201/nb201.csv");

describe("fault rounds: 4 processes, one SIGKILLed per round", {
  skip: TABLE ? false : "needs ../shared/data/nb201/nb201.csv",
}, () => {
  let dir = "";
  let expected: (archStr: string) => number | undefined = () => undefined;
  const single = new Map<number, number>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nasprobe-faults-"));
    nasprobeCli(); // bundle once, before any round's clock starts
    const table = readBenchmarkTable(TABLE!);
    const column = table.column("c10valid_valid_200");
    expected = (archStr) => {
      const row = table.indexOf(archStr);
      return row === undefined ? undefined : column[row];
    };
    // One worker, in this process, with the same seeds: the reference best.
    for (const seed of SEEDS) {
      const r = await runSearch(
        { algo: "re", objective: OBJECTIVE, budget: BUDGET, seed },
        { storage: join(dir, `single-${seed}.db`), study: "single" },
      );
      single.set(seed, Math.max(...r.run.trials.map((t) => t.objectives[0] ?? Number.NEGATIVE_INFINITY)));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const rounds = async (t: { diagnostic(message: string): void }, storage: (seed: number) => string) => {
    const rng = new Rng(7, "fault rounds");
    for (const { seed, aim } of ROUNDS) {
      const r: FaultRound = await faultRound({
        storage: storage(seed),
        study: `faults_${seed}`,
        workers: WORKERS,
        budget: BUDGET,
        seed,
        kill: true,
        aim,
        rng,
        expected,
        timeoutMs: 150_000,
      });
      const k = r.killed;
      t.diagnostic(
        `seed ${seed}, kill aimed ${aim}: ${r.seconds.toFixed(1)} s, ${r.trials} trials, ${r.lost} lost and retried, best ${r.best} (one worker ${single.get(seed)}), ` +
          (k ? `killed ${k.role} ${k.pid} at ${k.atFinished} finished` : `no kill: ${r.killSkipped}`) +
          `, trials per process ${Object.values(r.perWorker).join("/")}`,
      );
      assert.deepEqual(r.problems, [], `round of seed ${seed} on ${r.storage}`);
      assert.equal(r.counted, BUDGET);
      assert.equal(r.complete, BUDGET);
      assert.equal(r.trials, BUDGET + r.lost);
      assert.equal(r.retried, r.lost);
      assert.ok(r.lost <= 1, `one kill loses at most the trial its process held, not ${r.lost}`);
      assert.ok(k !== undefined, "the kill target was reached while a process ran");
      assert.ok(
        r.best >= single.get(seed)! - TOLERANCE,
        `best ${r.best} with ${WORKERS} workers < one worker's ${single.get(seed)} − ${TOLERANCE}`,
      );
    }
  };

  test("on one SQLite file", { timeout: 300_000 }, async (t) => {
    await rounds(t, (seed) => join(dir, `faults-${seed}.db`));
  });

  withPostgres("on PostgreSQL", async (t, url) => {
    await rounds(t, () => url);
  });
});
