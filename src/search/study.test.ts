import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import { nb201 } from "../spaces/nb201.js";
import { memoryStorage } from "../store/memory.js";
import type { Storage, StudyConfig, Trial } from "../store/study.js";
import { getAlgorithm } from "./algorithms/index.js";
import type { Objective } from "./objective.js";
import { SamplerReplica } from "./sampler.js";
import { type RunStudyOptions, runStudy, workerId } from "./study.js";
import { opIndexSum, syntheticObjective } from "./testing.js";

const config: StudyConfig = {
  space: "nb201",
  algo: "re",
  algoOptions: {},
  objectives: ["synthetic"],
  seed: 11,
  evaluation: {},
};
const sampler = () => getAlgorithm("re").sampler({ space: nb201, seed: 11, objectives: 1 });
/** What a run amounts to, whatever the numbering: the architectures and values in finish order. */
const outcome = (ts: readonly Trial[]) =>
  ts
    .filter((t) => t.finishSeq !== undefined)
    .sort((a, b) => a.finishSeq! - b.finishSeq!)
    .map((t) => `${t.archStr} ${t.objectives[0]} ${t.state}`);

async function run(
  storage: Storage,
  budget: RunStudyOptions["budget"],
  objective: Objective = syntheticObjective(),
  extra: Partial<RunStudyOptions> = {},
) {
  const study = await storage.openStudy("s", config, "t", budget);
  return runStudy({ study, sampler: sampler(), algorithm: "re", seed: 11, objective, budget, ...extra });
}

describe("runStudy", () => {
  it("a study stopped at 40 and resumed to 120 equals one run straight to 120", async () => {
    const whole = await run(await memoryStorage(), { queries: 120 });
    const storage = await memoryStorage();
    const first = await run(storage, { queries: 40 });
    assert.equal(first.trials.length, 40);
    const objective = syntheticObjective();
    const second = await run(storage, { queries: 120 }, objective);
    assert.equal(second.resumed, 40);
    assert.deepEqual(
      second.trials.map((t) => t.number),
      whole.trials.map((t) => t.number),
    );
    assert.deepEqual(outcome(second.trials), outcome(whole.trials));
    assert.ok(objective.calls.length <= 80, "stored trials are not evaluated again");
  });

  it("retries the trial of a worker killed mid-trial; the outcome equals an uninterrupted run", async () => {
    const whole = await run(await memoryStorage(), { queries: 31 });
    const storage = await memoryStorage();
    await run(storage, { queries: 30 });
    // The crash: a worker (a process that has since ended) took trial 30 and never finished it.
    const dead = Number(
      spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
        .stdout,
    );
    const study = (await storage.study("s"))!;
    const victim = { id: `${hostname()}:${dead}:x`, host: hostname(), pid: dead };
    const replica = new SamplerReplica(sampler(), 11, "re");
    replica.fold(
      (await study.finishedAfter(0)).map((t) => ({
        number: t.number,
        archStr: t.archStr,
        proposal: t.proposal,
        fitness: [t.objectives[0] ?? Number.NaN],
      })),
    );
    const taken = await study.allocate({
      worker: victim,
      budget: { queries: 31 },
      finishedAfter: 30,
      graceSeconds: 60,
      propose: (snap) => replica.propose(snap.index),
    });
    assert.equal(taken.kind, "trial");
    const recovered: Trial[] = [];
    const resumed = await run(storage, { queries: 31 }, syntheticObjective(), {
      onRecovered: (t) => recovered.push(t),
    });
    assert.equal(resumed.resumed, 30);
    assert.equal(recovered.length, 1);
    assert.match(recovered[0]!.reason!, /is gone \(process \d+ ended before the trial finished\)/);
    assert.deepEqual(outcome(resumed.trials), outcome(whole.trials));
    const failed = resumed.trials.filter((t) => t.state === "failed");
    assert.deepEqual(
      failed.map((t) => [t.number, t.retriedBy]),
      [[30, 31]],
    );
  });

  it("reuses the stored result when the algorithm asks an architecture again", async () => {
    const objective = syntheticObjective();
    const r = await run(await memoryStorage(), { queries: 300 }, objective);
    const distinct = new Set(r.trials.map((t) => t.archStr)).size;
    assert.ok(distinct < 300, "RE on a small objective revisits architectures");
    assert.equal(objective.calls.length, distinct);
    for (const t of r.trials) assert.equal(t.objectives[0], opIndexSum(t.archStr));
  });

  it("stops at the cost budget (a 200-epoch query costs 200)", async () => {
    const objective = {
      ...syntheticObjective(),
      evaluate: async (a: string) => ({ values: {}, objectives: [opIndexSum(a)], cost: 200, seconds: 0 }),
    };
    const r = await run(await memoryStorage(), { cost: 1000 }, objective);
    assert.equal(r.trials.length, 5);
  });

  it("records an evaluation that throws as a failed trial and goes on", async () => {
    const objective = {
      ...syntheticObjective(),
      evaluate: async (a: string) => {
        if (opIndexSum(a) % 2 === 1) throw new Error("odd");
        return { values: {}, objectives: [opIndexSum(a)], cost: 1, seconds: 0 };
      },
    };
    const r = await run(await memoryStorage(), { queries: 40 }, objective);
    assert.equal(r.trials.length, 40);
    const failed = r.trials.filter((t) => t.state === "failed");
    assert.ok(failed.length > 0);
    for (const t of failed) {
      assert.equal(t.reason, "odd");
      assert.deepEqual(t.objectives, [null]);
    }
  });

  it("four workers share one study: every trial once, numbers 0…199, each worker ran some", async () => {
    const storage = await memoryStorage();
    const objective: Objective = {
      ...syntheticObjective(),
      // Evaluations that take turns unevenly, so trials finish out of order.
      evaluate: async (a: string) => {
        await new Promise((r) => setTimeout(r, opIndexSum(a) % 3));
        return { values: {}, objectives: [opIndexSum(a)], cost: 1, seconds: 0 };
      },
    };
    const runs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        run(storage, { queries: 200 }, objective, { worker: workerId(`w${i}`), pollMs: 5 }),
      ),
    );
    const trials = await (await storage.study("s"))!.trials();
    assert.deepEqual(
      trials.map((t) => t.number),
      Array.from({ length: 200 }, (_, i) => i),
    );
    assert.ok(trials.every((t) => t.state === "complete"));
    assert.equal(
      runs.reduce((s, r) => s + r.ran, 0),
      200,
    );
    for (const r of runs) assert.ok(r.ran > 10, `each worker ran trials (${runs.map((x) => x.ran)})`);
    const best = Math.max(...trials.map((t) => t.objectives[0]!));
    assert.ok(best >= 20, `four asynchronous RE workers still climb (best ${best} of 24)`);
  });
});
