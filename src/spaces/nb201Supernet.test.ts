import assert from "node:assert/strict";
import { test } from "node:test";
import { flops, paramCount } from "../ir/cost.js";
import { allParams } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { forwardOutput, newTimings } from "../onnx/forward.js";
import { Rng } from "../util/random.js";
import { buildNb201, NB201_EDGES, NB201_OPS, type Nb201Arch, nb201, nb201ThinNetwork } from "./nb201.js";
import {
  buildNb201Supernet,
  isEdgeScale,
  type Nb201OpSets,
  ntkParams,
  opSetsOf,
  supernetWeights,
  teNasThinSupernet,
} from "./nb201Supernet.js";

const OPTIONS = { inputShape: [3, 8, 8], numClasses: 10, channels: 4, cellsPerStage: 2 } as const;

/** A supernet parameter's name in buildNb201's network: drop the op scope after the edge scope. */
const plainName = (name: string) => name.replace(/(\/e\d\d)\/[a-z_0-9]+\//, "$1/");

function images(count: number, shape: readonly number[], seed: number): Float32Array {
  const rng = new Rng(seed, "supernet-test");
  return Float32Array.from({ length: count * shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

const ARCHS: Nb201Arch[] = [
  ...NB201_OPS.map((op) => NB201_EDGES.map(() => op)),
  nb201.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"),
  ...Array.from({ length: 4 }, (_, i) => nb201.sample(new Rng(i, "supernet-archs"))),
];

test("one op per edge: buildNb201's network, node for node, up to op scopes in the names", () => {
  for (const arch of ARCHS) {
    const plain = buildNb201(arch, OPTIONS);
    const supernet = buildNb201Supernet(opSetsOf(arch), OPTIONS);
    assert.equal(paramCount(supernet), paramCount(plain), nb201.format(arch));
    assert.equal(flops(supernet), flops(plain), nb201.format(arch));
    assert.equal(supernet.nodes.length, plain.nodes.length);
    supernet.nodes.forEach((node, i) => {
      const other = plain.nodes[i]!;
      assert.deepEqual(node.op, other.op);
      assert.deepEqual(node.inputs, other.inputs);
      assert.deepEqual(node.shape, other.shape);
      assert.equal(plainName(node.name), other.name);
    });
    assert.ok(!supernet.nodes.some(isEdgeScale));
  }
  // The benchmark network itself (C=16, N=5) for one cell.
  const arch = ARCHS[5]!;
  const full = { inputShape: [3, 32, 32], numClasses: 10 };
  assert.equal(paramCount(buildNb201Supernet(opSetsOf(arch), full)), paramCount(buildNb201(arch, full)));
  assert.equal(flops(buildNb201Supernet(opSetsOf(arch), full)), flops(buildNb201(arch, full)));
});

test("one op per edge: same logits as buildNb201 at the same weights (ONNX Runtime, train-mode BN)", async () => {
  const x = { data: images(6, OPTIONS.inputShape, 1), count: 6 };
  for (const arch of ARCHS.slice(5)) {
    const plain = buildNb201(arch, OPTIONS);
    const supernet = buildNb201Supernet(opSetsOf(arch), OPTIONS);
    // Names differ by the op scope, so initWeights(seed) would draw other values: map them instead.
    const plainWeights = initWeights(plain, "kaiming_uniform", 3, "init");
    const weights = new Map(allParams(supernet).map((p) => [p.name, plainWeights.get(plainName(p.name))!]));
    for (const [name, w] of weights) assert.ok(w, `no buildNb201 weight for ${name}`);
    const run = (graph: typeof plain, w: ReadonlyMap<string, Float32Array>) =>
      forwardOutput(graph, w, [x], {
        output: "logits",
        bnMode: "train",
        batchSize: 6,
        runtime: { threads: 1 },
        timings: newTimings(),
      });
    const [a] = await run(plain, plainWeights);
    const [b] = await run(supernet, weights);
    assert.deepEqual(b, a, nb201.format(arch));
  }
});

test("thin supernet with one op per edge is the space's thin network (nb201ThinNetwork)", () => {
  for (const arch of ARCHS) {
    const a = teNasThinSupernet(opSetsOf(arch));
    const b = nb201ThinNetwork(arch);
    assert.deepEqual(
      a.nodes.map((n) => [n.op, n.inputs, n.shape]),
      b.nodes.map((n) => [n.op, n.inputs, n.shape]),
    );
    assert.deepEqual(a.inputShape, b.inputShape);
  }
});

test("several ops per edge: mean of the alive ops through a constant 1/k scale (plain-TS forward)", () => {
  const all = ["skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
  const opSets: Nb201OpSets = [
    all,
    ["none", "skip_connect"],
    all.slice(1),
    ["avg_pool_3x3"],
    ["none"],
    all.slice(0, 2),
  ];
  for (const weighting of ["mean", "sum"] as const) {
    const graph = teNasThinSupernet(opSets, 10, weighting);
    const weights = supernetWeights(graph, "kaiming_uniform", 5, "init");
    const scales = graph.nodes.filter(isEdgeScale);
    // Edges with k > 1 ops: e10 (4), e20 (2: none counts), e21 (3), e31 (none alone: 0), e32 (2).
    assert.equal(scales.length, weighting === "mean" ? 4 : 0);
    for (const s of scales) {
      assert.equal(s.op.kind === "conv" && s.op.groups, 1);
      const k = Number(/mean(\d)/.exec(s.name)![1]);
      assert.deepEqual([...weights.get(`${s.name}.weight`)!], [Math.fround(1 / k)]);
      assert.ok(!ntkParams(graph).includes(`${s.name}.weight`));
    }
    const x = images(20, [1, 3, 3], 2);
    const values = referenceForward(graph, weights, x, 20, { bnMode: "train" });
    const byName = (name: string) => values[graph.nodes.find((n) => n.name === name)!.id]!;
    // e10: (skip + conv1 + conv3 + pool) / 4 of the input, read back from its op outputs.
    const k = weighting === "mean" ? 4 : 1;
    const parts = ["s0c0/e10/skip_connect/identity", "s0c0/e10/nor_conv_1x1/bn", "s0c0/e10/nor_conv_3x3/bn"];
    const pool = byName("s0c0/e10/avg_pool_3x3/avgpool");
    const edge = byName(weighting === "mean" ? "s0c0/e10/mean4/conv" : "s0c0/e10/add");
    for (let i = 0; i < edge.length; i++) {
      const expected = (parts.reduce((s, p) => s + byName(p)[i]!, 0) + pool[i]!) / k;
      assert.ok(Math.abs(edge[i]! - expected) < 1e-5, `${weighting} ${i}: ${edge[i]} vs ${expected}`);
    }
  }
});
