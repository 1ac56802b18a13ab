import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeObjective, metricsNeeded, parseObjectives } from "./objective.js";

describe("objective terms come from the metric registry, NNGP included", () => {
  it("a metric name stands for its first value, a value name for itself, each with its direction", () => {
    const terms = parseObjectives("nngp,held_out_score,ntk,naswot,table:flops_c10_M");
    assert.deepEqual(
      terms.map((t) => [t.kind, t.metric ?? null, t.valueName, t.higherIsBetter]),
      [
        ["metric", "nngp", "score", true],
        ["metric", "nngp", "held_out_score", true],
        ["metric", "ntk", "ntk_cond", false],
        ["metric", "naswot", "naswot", true],
        ["table", null, "flops_c10_M", false],
      ],
    );
    assert.deepEqual(metricsNeeded(terms), ["nngp", "ntk", "naswot"]);
    // Size and compute are minimised as objectives whether a metric or a table column gives them
    // (NSGA-II once maximised the flops metric while minimising table:flops_c10_M).
    assert.deepEqual(
      parseObjectives("flops,params,table:flops_c10_M,table:params_c10_M").map((t) => t.higherIsBetter),
      [false, false, false, false],
    );
    assert.throws(
      () => parseObjectives("zzz"),
      /unknown objective "zzz" \(use table:COLUMN, train:EPOCHS or a metric: nngp, naswot/,
    );
    const [train] = parseObjectives("train:4");
    assert.deepEqual(
      { kind: train!.kind, valueName: train!.valueName, epochs: train!.epochs, cost: train!.cost },
      { kind: "train", valueName: "train_4", epochs: 4, cost: 4 },
    );
    assert.throws(() => parseObjectives("train:1.5"), /needs a positive whole number of epochs/);
  });

  it("one metric scorer serves every metric term", async () => {
    const calls: string[] = [];
    const objective = makeObjective(parseObjectives("nngp,ntk_cond"), {
      metrics: {
        settings: {},
        async score(arch) {
          calls.push(arch);
          return { values: { score: 0.5, held_out_score: 0.4, ntk_cond: 7 }, reasons: {}, seconds: {} };
        },
      },
    });
    const e = await objective.evaluate("a");
    assert.deepEqual(e.objectives, [0.5, 7]);
    assert.deepEqual(calls, ["a"]);
    assert.throws(() => makeObjective(parseObjectives("nngp"), {}), /needs a metric scorer/);
  });
});
