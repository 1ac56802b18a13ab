import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nb201 } from "../spaces/nb201.js";
import { memoryStudy } from "../store/memory.js";
import type { StudyConfig } from "../store/study.js";
import { regularizedEvolution } from "./algorithms/regularizedEvolution.js";
import { runStudy } from "./study.js";
import { opIndexSum, syntheticObjective } from "./testing.js";

const config: StudyConfig = {
  space: "nb201",
  algo: "re",
  algoOptions: {},
  objectives: ["synthetic"],
  seed: 11,
  evaluation: {},
};
const optimizer = () => regularizedEvolution({ space: nb201, seed: 11, objectives: 1 });
const summary = (
  ts: { number: number; archStr: string; objectives: readonly (number | null)[]; status: string }[],
) => ts.map((t) => `${t.number} ${t.archStr} ${t.objectives[0]} ${t.status}`);

describe("runStudy", () => {
  it("a study stopped at 40 and resumed to 120 equals one run straight to 120", async () => {
    const straight = memoryStudy();
    const whole = await runStudy({
      store: straight,
      config,
      version: "t",
      optimizer,
      objective: syntheticObjective(),
      budget: { queries: 120 },
    });
    const store = memoryStudy();
    const first = await runStudy({
      store,
      config,
      version: "t",
      optimizer,
      objective: syntheticObjective(),
      budget: { queries: 40 },
    });
    assert.equal(first.trials.length, 40);
    const objective = syntheticObjective();
    const second = await runStudy({
      store,
      config,
      version: "t",
      optimizer,
      objective,
      budget: { queries: 120 },
    });
    assert.equal(second.resumed, 40);
    assert.deepEqual(summary(second.trials), summary(whole.trials));
    // Replayed trials are not evaluated again.
    assert.ok(objective.calls.length <= 80);
  });

  it("re-evaluates a trial left running by a crash under its own number, with no duplicate", async () => {
    const store = memoryStudy();
    await runStudy({
      store,
      config,
      version: "t",
      optimizer,
      objective: syntheticObjective(),
      budget: { queries: 30 },
    });
    const reference = memoryStudy();
    const whole = await runStudy({
      store: reference,
      config,
      version: "t",
      optimizer,
      objective: syntheticObjective(),
      budget: { queries: 31 },
    });
    // The crash: trial 30 was started (with the architecture the algorithm asks) but never finished.
    await store.startTrial({ number: 30, archStr: whole.trials[30]!.archStr, seed: 11, version: "t" });
    const resumed = await runStudy({
      store,
      config,
      version: "t",
      optimizer,
      objective: syntheticObjective(),
      budget: { queries: 31 },
    });
    assert.equal(resumed.resumed, 30);
    assert.deepEqual(summary(resumed.trials), summary(whole.trials));
  });

  it("reuses the stored result when the algorithm asks an architecture again", async () => {
    const objective = syntheticObjective();
    const run = await runStudy({
      store: memoryStudy(),
      config,
      version: "t",
      optimizer,
      objective,
      budget: { queries: 300 },
    });
    const distinct = new Set(run.trials.map((t) => t.archStr)).size;
    assert.ok(distinct < 300, "RE on a small objective revisits architectures");
    assert.equal(objective.calls.length, distinct);
    for (const t of run.trials) assert.equal(t.objectives[0], opIndexSum(t.archStr));
  });

  it("stops at the cost budget (a 200-epoch query costs 200)", async () => {
    const objective = {
      ...syntheticObjective(),
      evaluate: async (a: string) => ({ values: {}, objectives: [opIndexSum(a)], cost: 200, seconds: 0 }),
    };
    const run = await runStudy({
      store: memoryStudy(),
      config,
      version: "t",
      optimizer,
      objective,
      budget: { cost: 1000 },
    });
    assert.equal(run.trials.length, 5);
  });

  it("refuses to resume with other settings, or when the stored trials do not replay", async () => {
    const store = memoryStudy("s");
    await runStudy({
      store,
      config,
      version: "t",
      optimizer,
      objective: syntheticObjective(),
      budget: { queries: 12 },
    });
    await assert.rejects(
      runStudy({
        store,
        config: { ...config, seed: 12 },
        version: "t",
        optimizer,
        objective: syntheticObjective(),
        budget: { queries: 20 },
      }),
      /study s was created with other settings: seed was 11, now 12/,
    );
    const other = () => regularizedEvolution({ space: nb201, seed: 99, objectives: 1 });
    await assert.rejects(
      runStudy({
        store,
        config,
        version: "t",
        optimizer: other,
        objective: syntheticObjective(),
        budget: { queries: 20 },
      }),
      /does not replay: trial 0 is/,
    );
  });

  it("records an evaluation that throws as a failed trial and goes on", async () => {
    const objective = {
      ...syntheticObjective(),
      evaluate: async (a: string) => {
        if (opIndexSum(a) % 2 === 1) throw new Error("odd");
        return { values: {}, objectives: [opIndexSum(a)], cost: 1, seconds: 0 };
      },
    };
    const run = await runStudy({
      store: memoryStudy(),
      config,
      version: "t",
      optimizer,
      objective,
      budget: { queries: 40 },
    });
    assert.equal(run.trials.length, 40);
    const failed = run.trials.filter((t) => t.status === "failed");
    assert.ok(failed.length > 0);
    for (const t of failed) {
      assert.equal(t.reason, "odd");
      assert.deepEqual(t.objectives, [null]);
    }
  });
});
