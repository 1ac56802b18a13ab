import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSetOptions } from "../cli/options.js";
import { METRICS } from "./index.js";
import { NNGP_DEFAULTS, nngp } from "./nngp.js";
import { ntk } from "./ntk.js";
import { MetricOptionError } from "./options.js";

const owners = Object.fromEntries(METRICS.map((m) => [m.name, m]));
const set = (...items: string[]) => parseSetOptions(items, owners, (item) => `--set ${item}: no such metric`);
const setError = (item: string) => {
  try {
    set(item);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail(`--set ${item} was accepted`);
};

describe("metric options", () => {
  it("every metric declares a schema whose defaults are valid and whose values have a direction", () => {
    for (const m of METRICS) {
      assert.deepEqual(m.resolve(), m.defaults, m.name);
      assert.deepEqual(m.resolve(m.defaults as never), m.defaults, m.name);
      assert.ok(m.values.length > 0 && m.values.every((v) => typeof v.higherIsBetter === "boolean"));
    }
    assert.equal(
      new Set(METRICS.flatMap((m) => m.values.map((v) => v.name))).size,
      METRICS.flatMap((m) => m.values).length,
    );
    assert.deepEqual(
      nngp.values.map((v) => [v.name, v.higherIsBetter]),
      [
        ["score", true],
        ["held_out_score", true],
      ],
    );
    assert.equal(nngp.images(NNGP_DEFAULTS), 1500);
  });

  it("a bad value through the API is one error naming metric, key, value and what is allowed", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => ntk.resolve({ batchSize: -3 }), "ntk.batchSize=-3: must be an integer ≥ 1"],
      [() => ntk.resolve({ batchSize: 2.5 }), "ntk.batchSize=2.5: must be an integer ≥ 1"],
      [() => ntk.resolve({ bnMode: "eval" as never }), "ntk.bnMode=eval: must be one of train, inference"],
      [
        () => nngp.resolve({ epsilons: [] }),
        "nngp.epsilons=: must be a non-empty comma-separated list of numbers > 0",
      ],
      [() => nngp.resolve({ bnMomentum: 1.5 }), "nngp.bnMomentum=1.5: must be a number in [0, 1]"],
      [
        () => nngp.resolve({ nTrains: 5 } as never),
        "nngp.nTrains=5: nngp has no option nTrains (options: nTrain, nVal, ensemble, batchNorm, init, batchSize, bnUpdateBatch, bnMomentum, epsilons)",
      ],
    ];
    for (const [call, message] of cases)
      assert.throws(call, (e: unknown) => e instanceof MetricOptionError && e.message === message);
    // compute checks before any work: the bad input graph is never touched.
    return assert.rejects(ntk.compute(undefined as never, { batchSize: 0 }), {
      message: "ntk.batchSize=0: must be an integer ≥ 1",
    });
  });

  it("--set reads each value as its key's type and checks it against the schema as it is parsed", () => {
    assert.deepEqual(
      set(
        "ntk.batchSize=32",
        "zen.removeResidual=false",
        "nngp.epsilons=1e-3,0.01",
        "nngp.init=kaiming_normal",
      ),
      {
        ntk: { batchSize: 32 },
        zen: { removeResidual: false },
        nngp: { epsilons: [1e-3, 0.01], init: "kaiming_normal" },
      },
    );
    assert.equal(setError("naswot.batchSize=-3"), "--set naswot.batchSize=-3: must be an integer ≥ 1");
    assert.equal(setError("naswot.batchSize=many"), "--set naswot.batchSize=many: must be an integer ≥ 1");
    assert.equal(setError("zen.removeResidual=yes"), "--set zen.removeResidual=yes: must be true or false");
    assert.equal(
      setError("nngp.epsilons=1e-3,x"),
      "--set nngp.epsilons=1e-3,x: must be a non-empty comma-separated list of numbers > 0",
    );
    assert.match(setError("nngp.init=he"), /^--set nngp\.init=he: must be one of .*variance_scaling/);
    assert.equal(
      setError("ntk.batch=3"),
      "--set ntk.batch=3: ntk has no option batch (options: batchSize, init, bnMode)",
    );
    assert.equal(setError("params.x=1"), "--set params.x=1: params has no option x (options: none)");
    assert.equal(setError("bogus.x=1"), "--set bogus.x=1: no such metric");
  });

  it("plain defaults (an algorithm's) are still read as their types", () => {
    assert.deepEqual(
      parseSetOptions(["re.population=20"], { re: { population: 50 } }, () => "x"),
      { re: { population: 20 } },
    );
    assert.throws(
      () => parseSetOptions(["re.pop=3"], { re: { population: 50 } }, () => "x"),
      /re has no option pop/,
    );
  });
});
