import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSetOptions } from "../../cli/options.js";
import { MetricOptionError } from "../../metrics/options.js";
import { nb101 } from "../../spaces/nb101/nb101.js";
import { NB201_OPS, nb201 } from "../../spaces/nb201.js";
import { Rng } from "../../util/random.js";
import { type AlgorithmContext, mutate, sequential } from "../optimizer.js";
import { crowdingDistance, dominates, nonDominatedFronts } from "../pareto.js";
import { restrictedSpace } from "../restrictedSpace.js";
import { proposalRng, type Sampler } from "../sampler.js";
import { drive, driveReplica, opIndexSum, simulateWorkers } from "../testing.js";
import { differentialEvolutionSampler } from "./differentialEvolution.js";
import { ALGORITHMS, getAlgorithm } from "./index.js";
import { localSearch, localSearchSampler } from "./localSearch.js";
import { nsga2 } from "./nsga2.js";
import { pickBest } from "./pickBest.js";
import { ranked, rankedSampler } from "./ranked.js";
import { regularizedEvolution, regularizedEvolutionSampler } from "./regularizedEvolution.js";
import { reinforce } from "./reinforce.js";

const ctx = (seed: number, objectives = 1): AlgorithmContext => ({ space: nb201, seed, objectives });
const single = (a: string) => [opIndexSum(a)];
// Two conflicting objectives: #avg_pool edges and #none edges; the front is every cell made of only those.
const twoObjectives = (a: string) => {
  const ops = nb201.parse(a);
  return [ops.filter((o) => o === "avg_pool_3x3").length, ops.filter((o) => o === "none").length];
};
const onFront = (a: string) => twoObjectives(a)[0]! + twoObjectives(a)[1]! === 6;
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
const canonical = (s: string) => nb201.format(nb201.parse(s)) === s;
const fitnessFor = (multi: boolean) => (multi ? twoObjectives : single);
const SEEDS = [...Array(20).keys()];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// Every sampler of the registry, plus `ranked` over a fixed list.
const RANKED_ORDER = new Rng(0, "ranked order")
  .shuffle([...nb201.enumerate!()].map((a) => nb201.format(a)))
  .slice(0, 80);
const SAMPLERS: { name: string; multi: boolean; make: (seed: number) => Sampler }[] = [
  ...ALGORITHMS.map((a) => ({
    name: a.name,
    multi: a.multiObjective,
    make: (seed: number) => a.sampler(ctx(seed, a.multiObjective ? 2 : 1), a.defaults),
  })),
  { name: "ranked", multi: false, make: () => rankedSampler(RANKED_ORDER) },
];

describe("proposal randomness", () => {
  it("neighbouring proposal indices draw unrelated first numbers (proposalRng decorrelates them)", () => {
    // Rng(seed, …, i) and Rng(seed, …, i + 1) start almost alike; a proposal lives on its first draws.
    const n = 20000;
    const xs = Array.from({ length: n + 1 }, (_, i) => proposalRng(7, "rs", i).uniform());
    const cells = new Array<number>(100).fill(0);
    for (let i = 0; i < n; i++) cells[Math.floor(xs[i]! * 10) * 10 + Math.floor(xs[i + 1]! * 10)]!++;
    const chi2 = cells.reduce((s, c) => s + (c - n / 100) ** 2 / (n / 100), 0);
    assert.ok(chi2 < 150, `χ² ${chi2.toFixed(0)} on 99 degrees of freedom`); // p < 0.001 above 149
    const plain = Array.from({ length: 1000 }, (_, i) => nb201.format(nb201.sample(proposalRng(1, "rs", i))));
    assert.ok(new Set(plain).size > 960); // 1000 uniform cells of 15,625: about 969 distinct
  });
});

describe("every single-objective algorithm", () => {
  for (const algo of ALGORITHMS.filter((a) => !a.multiObjective)) {
    it(`${algo.name}: valid architectures, same seed → same sequence, other seed → another`, () => {
      const a = drive(algo.create(ctx(3), {}), single, 60);
      const b = drive(algo.create(ctx(3), {}), single, 60);
      const c = drive(algo.create(ctx(4), {}), single, 60);
      assert.equal(a.length, 60);
      for (const s of a) assert.ok(canonical(s), s);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    });
  }

  it("guided algorithms beat random search on a synthetic objective with a unique optimum", () => {
    // Mean best-of-300 over 20 seeds; the optimum is 24 (all avg_pool). Random search rarely exceeds 21.
    const meanBest = (name: string) =>
      mean(
        SEEDS.map((seed) =>
          Math.max(...drive(getAlgorithm(name).create(ctx(seed)), single, 300).map(opIndexSum)),
        ),
      );
    const rs = meanBest("rs");
    assert.ok(rs < 22.5, `rs ${rs}`);
    for (const name of ["re", "ls", "de", "reinforce"]) {
      const m = meanBest(name);
      assert.ok(m > rs + 0.5, `${name} ${m} vs rs ${rs}`);
    }
    assert.equal(meanBest("ls"), 24); // a linear objective has no local optima but the global one
  });
});

describe("one worker: the ask/tell adapter, a replica and a resumed replica propose the same", () => {
  for (const s of SAMPLERS) {
    it(`${s.name}: adapter = SamplerReplica one trial at a time = resumed after k trials`, () => {
      const f = fitnessFor(s.multi);
      const n = 120;
      const viaAdapter = drive(sequential(s.make(7), 7, s.name), f, n);
      const run = driveReplica(s.make(7), 7, s.name, f, n);
      assert.deepEqual(
        run.map((t) => t.archStr),
        viaAdapter,
      );
      assert.equal(run.length, s.name === "ranked" ? RANKED_ORDER.length : n);
      for (const k of [0, 1, 9, 10, 23, 57, 80]) {
        // A fresh replica (another worker, or one restarted after a crash) folds the first k stored trials.
        const resumed = driveReplica(s.make(7), 7, s.name, f, n, run.slice(0, k));
        assert.deepEqual(resumed, run, `${s.name} resumed after ${k} trials proposes otherwise`);
      }
    });
  }
});

describe("four asynchronous workers (event simulation: random evaluation times, pending trials)", () => {
  for (const s of SAMPLERS) {
    it(`${s.name}: no errors, valid and canonical, propose leaves the state alone, deterministic`, () => {
      const f = fitnessFor(s.multi);
      const run = () =>
        simulateWorkers({
          sampler: s.make(5),
          seed: 5,
          name: s.name,
          workers: 4,
          trials: 150,
          fitness: f,
          checkPure: true,
        });
      const sim = run();
      assert.equal(sim.proposals.length, s.name === "ranked" ? RANKED_ORDER.length : 150);
      assert.equal(sim.finished.length, sim.proposals.length);
      for (const p of sim.proposals) assert.ok(canonical(p.archStr), p.archStr);
      // The simulation does run asynchronously: trials finish out of proposal order, and most
      // proposals see three pending trials.
      assert.ok(sim.finished.some((t, i) => t.number !== i));
      assert.ok(sim.proposals.filter((p) => p.pending.length === 3).length > 0.6 * sim.proposals.length);
      assert.deepEqual(run(), sim);
    });
  }

  it("failed trials (NaN fitness) rank below everything and break no algorithm", () => {
    // About one cell in six fails; the rest keep the synthetic fitness.
    const failing = (multi: boolean) => (a: string) =>
      nb201.parse(a).filter((op) => op === "nor_conv_1x1").length % 3 === 1
        ? fitnessFor(multi)(a).map(() => Number.NaN)
        : fitnessFor(multi)(a);
    for (const s of SAMPLERS) {
      const sim = simulateWorkers({
        sampler: s.make(4),
        seed: 4,
        name: s.name,
        workers: 4,
        trials: 150,
        fitness: failing(s.multi),
      });
      assert.equal(sim.proposals.length, s.name === "ranked" ? RANKED_ORDER.length : 150, s.name);
      assert.ok(
        sim.finished.some((t) => Number.isNaN(t.fitness[0])),
        s.name,
      );
      for (const p of sim.proposals) assert.ok(canonical(p.archStr), p.archStr);
    }
    // A failed cell is never the best of its neighbourhood: LS still reaches the optimum.
    const ls = simulateWorkers({
      sampler: localSearchSampler(ctx(4)),
      seed: 4,
      name: "ls",
      workers: 4,
      trials: 400,
      fitness: failing(false),
    });
    assert.ok(ls.proposals.some((p) => p.archStr === OPTIMUM));
  });

  for (const name of ["pick", "ls", "ranked"]) {
    it(`${name} never proposes an architecture that is finished or pending`, () => {
      const s = SAMPLERS.find((x) => x.name === name)!;
      for (const seed of [1, 2, 3]) {
        const sim = simulateWorkers({
          sampler: s.make(seed),
          seed,
          name,
          workers: 4,
          trials: 300,
          fitness: single,
        });
        for (const p of sim.proposals) {
          const done = new Set(sim.finished.slice(0, p.finishedBefore).map((t) => t.archStr));
          assert.ok(!done.has(p.archStr), `${name} proposed finished ${p.archStr}`);
          assert.ok(!p.pending.includes(p.archStr), `${name} proposed pending ${p.archStr}`);
        }
      }
    });
  }

  it("guided algorithms still beat random search with 4 workers, and LS still finds the optimum", () => {
    const meanBest = (name: string) =>
      mean(
        SEEDS.map((seed) => {
          const sampler = getAlgorithm(name).sampler(ctx(seed));
          const sim = simulateWorkers({
            sampler,
            seed,
            name,
            workers: 4,
            trials: 300,
            fitness: single,
            timing: seed,
          });
          return Math.max(...sim.proposals.map((p) => opIndexSum(p.archStr)));
        }),
      );
    const rs = meanBest("rs");
    assert.ok(rs < 22.5, `rs ${rs}`);
    for (const name of ["re", "ls", "de", "reinforce"]) {
      const m = meanBest(name);
      assert.ok(m > rs + 0.5, `${name} ${m} vs rs ${rs}`);
    }
    assert.ok(meanBest("ls") >= 23.9);
  });

  it("NSGA-II with 4 workers reaches the true front of two conflicting objectives", () => {
    const sampler = getAlgorithm("nsga2").sampler(ctx(9, 2));
    const sim = simulateWorkers({
      sampler,
      seed: 9,
      name: "nsga2",
      workers: 4,
      trials: 600,
      fitness: twoObjectives,
    });
    const asked = sim.proposals.map((p) => p.archStr);
    const last = asked.slice(-100).filter(onFront).length;
    assert.ok(last > 40, `${last} of the last 100 on the front`);
    assert.equal(new Set(asked.filter(onFront).map((a) => twoObjectives(a)[0])).size, 7);
  });

  it("DE, REINFORCE and NSGA-II with 4 workers on NB101 (invalid codes redrawn) give valid cells", () => {
    for (const [name, objectives] of [
      ["de", 1],
      ["reinforce", 1],
      ["nsga2", 2],
    ] as const) {
      const sampler = getAlgorithm(name).sampler({ space: nb101, seed: 2, objectives });
      const sim = simulateWorkers({
        sampler,
        seed: 2,
        name,
        workers: 4,
        trials: 60,
        fitness: (a) =>
          [nb101.parse(a).ops.filter((o) => o === "conv3x3-bn-relu").length, 0].slice(0, objectives),
      });
      assert.equal(sim.proposals.length, 60);
      for (const p of sim.proposals) assert.equal(nb101.format(nb101.parse(p.archStr)), p.archStr);
    }
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

  it("the child is a one-edit mutation of the fittest of S members drawn with replacement", () => {
    const sampler = regularizedEvolutionSampler(ctx(2), { population: 5, sampleSize: 3 });
    const run = driveReplica(sampler, 2, "re", single, 40);
    for (let i = 5; i < run.length; i++) {
      // The population when trial i was proposed is the last 5 finished; redo the draws by hand.
      const population = run.slice(i - 5, i);
      const rng = proposalRng(2, "re", i);
      let parent = population[rng.int(5)]!;
      for (let k = 1; k < 3; k++) {
        const c = population[rng.int(5)]!;
        if (c.fitness[0]! > parent.fitness[0]!) parent = c;
      }
      assert.equal(run[i]!.archStr, nb201.format(mutate(nb201, nb201.parse(parent.archStr), rng)));
    }
  });

  it("asynchronously, the population is the last P trials by finish order", () => {
    // With 4 workers, a proposal after the first P is one edit from a member of the last P finished.
    const sim = simulateWorkers({
      sampler: regularizedEvolutionSampler(ctx(3)),
      seed: 3,
      name: "re",
      workers: 4,
      trials: 200,
      fitness: single,
    });
    for (const p of sim.proposals.filter((x) => x.number >= 10)) {
      const window = sim.finished.slice(Math.max(0, p.finishedBefore - 10), p.finishedBefore);
      assert.ok(
        window.some((t) => editDistance(t.archStr, p.archStr) === 1),
        `trial ${p.number}`,
      );
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
    const run = driveReplica(localSearchSampler(ctx(6), { initial: 3 }), 6, "ls", () => [0], 120);
    const asked = run.map((t) => t.archStr);
    const roles = run.map((t) => (t.proposal as { role: string }).role);
    // 3 initial + 24 neighbours of the first (the best on ties), then a restart and its 24 neighbours …
    assert.deepEqual(roles.slice(0, 3), ["init", "init", "init"]);
    assert.ok(asked.slice(3, 27).every((a) => editDistance(a, asked[0]!) === 1));
    assert.equal(roles[27], "restart");
    assert.ok(asked.slice(28, 52).every((a) => editDistance(a, asked[27]!) === 1));
    assert.equal(new Set(asked).size, asked.length);
  });

  it("with workers busy on the rest of a neighbourhood it explores, and the climb still completes", () => {
    const sim = simulateWorkers({
      sampler: localSearchSampler(ctx(8)),
      seed: 8,
      name: "ls",
      workers: 4,
      trials: 300,
      fitness: single,
    });
    const roles = sim.finished.map((t) => (t.proposal as { role: string }).role);
    assert.ok(roles.includes("explore"));
    assert.ok(roles.filter((r) => r === "neighbour").length > 150);
    assert.ok(sim.proposals.some((p) => p.archStr === OPTIMUM));
  });
});

describe("differential evolution", () => {
  it("proposal i ≥ P targets member (i − P) mod P; the fold replaces it when at least as fit", () => {
    const sampler = differentialEvolutionSampler(ctx(4), { population: 4 });
    const run = driveReplica(sampler, 4, "de", single, 30);
    run.forEach((t, i) => {
      const p = t.proposal as { target?: number; init?: boolean; vector: number[] };
      assert.equal(p.vector.length, 6);
      assert.equal(p.target, i < 4 ? undefined : (i - 4) % 4);
      assert.equal(p.init, i < 4 ? true : undefined);
    });
    const state = sampler.init();
    for (const t of run.slice(0, 4)) sampler.fold(state, { ...t, fitness: [1] });
    const vector = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9];
    sampler.fold(state, {
      number: 4,
      archStr: run[4]!.archStr,
      proposal: { vector, target: 2 },
      fitness: [0.5],
    });
    assert.notDeepEqual(state.members[2]!.vector, vector); // worse: the target stays
    sampler.fold(state, {
      number: 5,
      archStr: run[5]!.archStr,
      proposal: { vector, target: 2 },
      fitness: [1],
    });
    assert.deepEqual(state.members[2], { vector, fitness: 1 }); // as fit: replaced
    assert.equal(state.members.length, 4);
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
    const other = nb201.format(nb201.sample(new Rng(0)));
    const small = restrictedSpace(nb201, [OPTIMUM, other]);
    const asked = drive(pickBest({ space: small, seed: 0, objectives: 1 }), single, 10);
    assert.deepEqual([...asked].sort(), [OPTIMUM, other].sort());
    assert.equal(new Set(drive(pickBest(ctx(1)), single, 1000)).size, 1000);
  });

  it("pick with the rest pending proposes nothing (the runner waits), and nothing once all finished", () => {
    const other = nb201.format(nb201.sample(new Rng(0)));
    const small = restrictedSpace(nb201, [OPTIMUM, other]);
    const sampler = getAlgorithm("pick").sampler({ space: small, seed: 0, objectives: 1 });
    const state = sampler.fold(sampler.init(), {
      number: 0,
      archStr: OPTIMUM,
      proposal: undefined,
      fitness: [1],
    });
    const ctxAt = (pending: string[]) => ({
      index: 1,
      rng: proposalRng(0, "pick", 1),
      pending: pending.map((archStr, number) => ({ number, archStr, proposal: undefined })),
    });
    assert.deepEqual(sampler.propose(state, ctxAt([])), { archStr: other });
    assert.equal(sampler.propose(state, ctxAt([other])), undefined);
  });

  it("ranked evaluates the given order and then stops; pending entries are skipped", () => {
    assert.deepEqual(
      drive(ranked(["a", "b"]), () => [0], 5),
      ["a", "b"],
    );
    const s = rankedSampler(["a", "b", "c"]);
    const state = s.fold(s.init(), { number: 0, archStr: "a", proposal: undefined, fitness: [0] });
    const pending = [{ number: 1, archStr: "b", proposal: undefined }];
    assert.deepEqual(s.propose(state, { index: 2, rng: new Rng(0), pending }), { archStr: "c" });
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
    const asked = drive(nsga2(ctx(9, 2), { population: 20 }), twoObjectives, 600);
    const last = asked.slice(-100);
    // A random cell is on the front with probability (2/5)^6 = 0.4 %; mutation (1/d per edge) moves
    // about half of the offspring of front parents off it.
    assert.ok(
      last.filter(onFront).length > 40,
      `${last.filter(onFront).length} of the last 100 on the front`,
    );
    const reached = new Set(asked.filter(onFront).map((a) => twoObjectives(a)[0]));
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

describe("options", () => {
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      assert.ok(error instanceof MetricOptionError, String(error));
      return error.message;
    }
    assert.fail("no error");
  };

  it("bad values give one line naming the algorithm, key, value and what is allowed", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["de", { crossoverProbability: 7 }, "de.crossoverProbability=7: must be a number in [0, 1]"],
      ["de", { mutationFactor: 0 }, "de.mutationFactor=0: must be a number in (0, 2]"],
      ["de", { mutationFactor: 2.5 }, "de.mutationFactor=2.5: must be a number in (0, 2]"],
      ["de", { population: 3 }, "de.population=3: must be an integer ≥ 4"],
      ["re", { population: 0 }, "re.population=0: must be an integer ≥ 1"],
      ["re", { sampleSize: 1.5 }, "re.sampleSize=1.5: must be an integer ≥ 1"],
      ["re", { population: 4, sampleSize: 5 }, "re.sampleSize=5: must be an integer in [1, population = 4]"],
      ["ls", { initial: 0 }, "ls.initial=0: must be an integer ≥ 1"],
      ["reinforce", { learningRate: 0 }, "reinforce.learningRate=0: must be a number > 0"],
      ["reinforce", { baselineMomentum: 1 }, "reinforce.baselineMomentum=1: must be a number in [0, 1)"],
      ["nsga2", { population: 1 }, "nsga2.population=1: must be an integer ≥ 2"],
      [
        "nsga2",
        { crossoverProbability: -0.1 },
        "nsga2.crossoverProbability=-0.1: must be a number in [0, 1]",
      ],
      [
        "re",
        { populaton: 5 },
        "re.populaton=5: re has no option populaton (options: population, sampleSize)",
      ],
      ["rs", { population: 5 }, "rs.population=5: rs has no option population (options: none)"],
    ];
    for (const [name, given, expected] of cases) {
      const a = getAlgorithm(name);
      assert.equal(
        message(() => a.resolve(given)),
        expected,
      );
      assert.equal(
        message(() => a.create(ctx(0, a.multiObjective ? 2 : 1), given)),
        expected,
      );
    }
  });

  it("defaults are the reference settings, and resolve completes what is given", () => {
    assert.deepEqual(getAlgorithm("re").defaults, { population: 10, sampleSize: 3 });
    assert.deepEqual(getAlgorithm("de").defaults, {
      population: 20,
      mutationFactor: 0.5,
      crossoverProbability: 0.5,
    });
    assert.deepEqual(getAlgorithm("nsga2").defaults, { population: 20, crossoverProbability: 0.9 });
    assert.deepEqual(getAlgorithm("reinforce").defaults, { learningRate: 0.01, baselineMomentum: 0.9 });
    assert.deepEqual(getAlgorithm("ls").defaults, { initial: 10 });
    assert.deepEqual(getAlgorithm("de").resolve({ population: 8 }), {
      population: 8,
      mutationFactor: 0.5,
      crossoverProbability: 0.5,
    });
  });

  it("the CLI's --set reads and checks algorithm options through their schema, as a metric's", () => {
    const owners = { de: getAlgorithm("de"), re: getAlgorithm("re") };
    const unknown = (item: string) => `--set ${item}: unknown`;
    assert.deepEqual(
      parseSetOptions(["de.population=8", "de.mutationFactor=0.8", "re.sampleSize=2"], owners, unknown),
      {
        de: { population: 8, mutationFactor: 0.8 },
        re: { sampleSize: 2 },
      },
    );
    const error = (items: string[]) => message(() => parseSetOptions(items, owners, unknown));
    assert.equal(
      error(["de.crossoverProbability=7"]),
      "--set de.crossoverProbability=7: must be a number in [0, 1]",
    );
    assert.equal(error(["de.population=x"]), "--set de.population=x: must be an integer ≥ 4");
    assert.equal(
      error(["re.size=3"]),
      "--set re.size=3: re has no option size (options: population, sampleSize)",
    );
  });
});
