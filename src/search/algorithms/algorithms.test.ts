import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nb101 } from "../../spaces/nb101/nb101.js";
import { NB201_OPS, nb201 } from "../../spaces/nb201.js";
import type { AlgorithmContext } from "../optimizer.js";
import { crowdingDistance, dominates, nonDominatedFronts } from "../pareto.js";
import { restrictedSpace } from "../restrictedSpace.js";
import { drive, opIndexSum } from "../testing.js";
import { ALGORITHMS, getAlgorithm } from "./index.js";
import { localSearch } from "./localSearch.js";
import { nsga2 } from "./nsga2.js";
import { pickBest } from "./pickBest.js";
import { ranked } from "./ranked.js";
import { regularizedEvolution } from "./regularizedEvolution.js";
import { reinforce } from "./reinforce.js";

const ctx = (seed: number, objectives = 1): AlgorithmContext => ({ space: nb201, seed, objectives });
const single = (a: string) => [opIndexSum(a)];
const OPTIMUM = nb201.format(
  nb201.parse(
    "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
  ),
);
const editDistance = (a: string, b: string) => {
  const x = nb201.parse(a);
  const y = nb201.parse(b);
  return x.filter((op, i) => op !== y[i]).length;
};

describe("every single-objective algorithm", () => {
  for (const algo of ALGORITHMS.filter((a) => !a.multiObjective)) {
    it(`${algo.name}: valid architectures, same seed → same sequence, other seed → another`, () => {
      const a = drive(algo.create(ctx(3), {}), single, 60);
      const b = drive(algo.create(ctx(3), {}), single, 60);
      const c = drive(algo.create(ctx(4), {}), single, 60);
      assert.equal(a.length, 60);
      for (const s of a) assert.equal(nb201.format(nb201.parse(s)), s);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    });
  }

  it("guided algorithms beat random search on a synthetic objective with a unique optimum", () => {
    // Mean best-of-300 over 20 seeds; the optimum is 24 (all avg_pool). Random search rarely exceeds 21.
    const meanBest = (name: string) => {
      let total = 0;
      for (let seed = 0; seed < 20; seed++) {
        const asked = drive(getAlgorithm(name).create(ctx(seed), {}), single, 300);
        total += Math.max(...asked.map(opIndexSum));
      }
      return total / 20;
    };
    const rs = meanBest("rs");
    assert.ok(rs < 22.5, `rs ${rs}`);
    for (const name of ["re", "ls", "de", "reinforce"]) {
      const m = meanBest(name);
      assert.ok(m > rs + 0.5, `${name} ${m} vs rs ${rs}`);
    }
    assert.equal(meanBest("ls"), 24); // a linear objective has no local optima but the global one
  });
});

describe("regularized evolution", () => {
  it("after P random members, each child is one edit from a member of the last P", () => {
    const asked = drive(regularizedEvolution(ctx(1), { population: 10, sampleSize: 3 }), single, 200);
    for (let i = 10; i < asked.length; i++) {
      const window = asked.slice(i - 10, i);
      assert.ok(
        window.some((p) => editDistance(p, asked[i]!) === 1),
        `child ${i} is no mutation of the population`,
      );
    }
  });

  it("with sample size = population the parent is always the population's best (tournament of all)", () => {
    // S draws with replacement cover the whole population only in expectation, so use a huge S.
    const asked = drive(regularizedEvolution(ctx(2), { population: 5, sampleSize: 200 }), single, 60);
    for (let i = 5; i < asked.length; i++) {
      const window = asked.slice(i - 5, i);
      const best = Math.max(...window.map(opIndexSum));
      const parents = window.filter((p) => opIndexSum(p) === best && editDistance(p, asked[i]!) === 1);
      assert.ok(parents.length > 0, `child ${i} does not come from a best member`);
    }
  });
});

describe("local search", () => {
  it("never asks an architecture twice, and climbs one edit at a time after the initial sample", () => {
    const asked = drive(localSearch(ctx(5), { initial: 10 }), single, 400);
    assert.equal(new Set(asked).size, asked.length);
    assert.ok(asked.includes(OPTIMUM));
    const after = asked.indexOf(OPTIMUM);
    assert.ok(after > 10 && after < 150, `optimum at ${after}`);
  });

  it("restarts at a local optimum: on a needle objective every neighbourhood is flat", () => {
    const asked = drive(localSearch(ctx(6), { initial: 3 }), () => [0], 120);
    // 3 initial + 24 neighbours of the start, then a restart (a random architecture) and its 24 neighbours …
    const start = asked[0]!;
    assert.ok(
      asked
        .slice(3, 27)
        .every(
          (a) =>
            editDistance(a, start) === 1 ||
            editDistance(a, asked[1]!) === 1 ||
            editDistance(a, asked[2]!) === 1,
        ),
    );
    assert.equal(new Set(asked).size, asked.length);
  });
});

describe("REINFORCE", () => {
  it("moves probability towards rewarded choices: the sampled ops drift to avg_pool", () => {
    const asked = drive(reinforce(ctx(7)), single, 600);
    const poolShare = (xs: string[]) =>
      xs.flatMap((a) => nb201.parse(a)).filter((op) => op === "avg_pool_3x3").length / (xs.length * 6);
    assert.ok(Math.abs(poolShare(asked.slice(0, 50)) - 0.2) < 0.1);
    assert.ok(poolShare(asked.slice(-50)) > 0.6, `late share ${poolShare(asked.slice(-50))}`);
  });

  it("a constant reward teaches nothing (zero advantage after the EMA baseline catches up)", () => {
    const asked = drive(reinforce(ctx(8)), () => [90], 1000);
    const counts = NB201_OPS.map(
      (op) => asked.flatMap((a) => nb201.parse(a)).filter((o) => o === op).length / 6000,
    );
    for (const c of counts) assert.ok(Math.abs(c - 0.2) < 0.03, `share ${c}`);
  });
});

describe("pick-best and ranked", () => {
  it("pick asks N distinct architectures and stops when the space is exhausted", () => {
    const small = restrictedSpace(nb201, [
      OPTIMUM,
      nb201.format(
        nb201.sample(
          new (class {
            int = () => 0;
          })() as never,
        ),
      ),
    ]);
    const asked = drive(pickBest({ space: small, seed: 0, objectives: 1 }), single, 10);
    assert.equal(asked.length, 2);
    assert.equal(new Set(drive(pickBest(ctx(1)), single, 1000)).size, 1000);
  });

  it("ranked evaluates the given order and then stops", () => {
    assert.deepEqual(
      drive(ranked(["a", "b"]), () => [0], 5),
      ["a", "b"],
    );
  });
});

describe("Pareto machinery", () => {
  it("fronts, domination and crowding on a hand example", () => {
    const pts = [
      [1, 5],
      [2, 4],
      [3, 3],
      [2, 2],
      [1, 1],
      [3, 3],
    ];
    assert.ok(dominates([2, 4], [2, 2]));
    assert.ok(!dominates([3, 3], [3, 3]));
    assert.deepEqual(nonDominatedFronts(pts), [[0, 1, 2, 5], [3], [4]]);
    const d = crowdingDistance(pts, [0, 1, 2]);
    assert.equal(d.get(0), Infinity);
    assert.equal(d.get(2), Infinity);
    assert.equal(d.get(1), (3 - 1) / (3 - 1) + (5 - 3) / (5 - 3)); // per objective: neighbour gap / range
  });

  it("NSGA-II on two conflicting objectives reaches the true front", () => {
    // f1 = #avg_pool edges, f2 = #none edges: the front is every cell made only of avg_pool and none.
    const f = (a: string) => {
      const ops = nb201.parse(a);
      return [ops.filter((o) => o === "avg_pool_3x3").length, ops.filter((o) => o === "none").length];
    };
    const asked = drive(nsga2(ctx(9, 2), { population: 20 }), f, 600);
    const last = asked.slice(-100);
    const onFront = last.filter((a) => f(a)[0]! + f(a)[1]! === 6).length;
    // A random cell is on the front with probability (2/5)^6 = 0.4 %; mutation (1/d per edge) moves
    // about half of the offspring of front parents off it.
    assert.ok(onFront > 40, `${onFront} of the last 100 on the front`);
    const reached = new Set(asked.filter((a) => f(a)[0]! + f(a)[1]! === 6).map((a) => f(a)[0]));
    assert.equal(reached.size, 7); // all 7 trade-offs 0..6 found
  });
});

describe("vector algorithms on a space whose codes can name no architecture (NB101)", () => {
  // Fitness: number of conv3x3 vertices minus edges, a synthetic signal over valid cells.
  const fitness = (a: string) => {
    const cell = nb101.parse(a);
    const convs = cell.ops.filter((o) => o === "conv3x3-bn-relu").length;
    const edges = cell.matrix.flat().reduce<number>((s, x) => s + x, 0);
    return [convs - 0.1 * edges, -edges];
  };
  for (const [name, objectives] of [
    ["de", 1],
    ["reinforce", 1],
    ["nsga2", 2],
  ] as const) {
    it(`${name}: every asked cell is valid and canonical, invalid codes are redrawn, seeded`, () => {
      let invalid = 0;
      const coding = nb101.categorical!;
      const counting = {
        ...nb101,
        categorical: {
          ...coding,
          decode(codes: readonly number[]) {
            const d = coding.decode(codes);
            if (!d.ok) invalid++;
            return d;
          },
        },
      };
      const create = (seed: number) => getAlgorithm(name).create({ space: counting, seed, objectives }, {});
      const f = (a: string) => fitness(a).slice(0, objectives);
      const a = drive(create(5), f, 40);
      assert.equal(a.length, 40);
      for (const s of a) assert.equal(nb101.format(nb101.parse(s)), s);
      // Uniform 26-dimensional codes mostly name no valid cell (over 9 edges, no path): repaired.
      assert.ok(invalid > 0, `${name} met no invalid code`);
      assert.deepEqual(drive(create(5), f, 40), a);
    });
  }
});
