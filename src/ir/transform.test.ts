import assert from "node:assert/strict";
import { test } from "node:test";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { GraphBuilder } from "./builder.js";
import { paramCount } from "./cost.js";
import type { Graph } from "./graph.js";
import { initWeights } from "./init.js";
import { referenceForward } from "./referenceForward.js";
import {
  residualShortcuts,
  withoutBatchNorm,
  withoutDeadNodes,
  withoutResidualShortcuts,
} from "./transform.js";

const ARCH = parseNb201(
  "|skip_connect~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|",
);
const small = buildNb201(ARCH, { inputShape: [3, 8, 8], numClasses: 3, channels: 4, cellsPerStage: 1 });

function images(count: number, per: number, seed: number): Float32Array {
  const rng = new Rng(seed, "transform-test");
  return Float32Array.from({ length: count * per }, () => rng.normal());
}

function checkIds(g: Graph) {
  g.nodes.forEach((n, i) => {
    assert.equal(n.id, i);
    for (const input of n.inputs) assert.ok(input < i, `${n.name} reads a later node`);
  });
}

test("withoutBatchNorm makes every BN the identity and drops its parameters", () => {
  const g = withoutBatchNorm(small);
  checkIds(g);
  assert.equal(g.nodes.length, small.nodes.length);
  assert.ok(g.nodes.every((n) => n.op.kind !== "batchnorm"));
  const bnParams = small.nodes
    .filter((n) => n.op.kind === "batchnorm")
    .reduce((s, n) => s + n.params.length, 0);
  assert.ok(bnParams > 0);
  assert.equal(
    g.nodes.reduce((s, n) => s + n.params.length, 0),
    small.nodes.reduce((s, n) => s + n.params.length, 0) - bnParams,
  );
  // Every node that was a BN now passes its input through unchanged.
  const w = initWeights(g, "kaiming_normal", 1);
  const out = referenceForward(g, w, images(2, 192, 1), 2, { bnMode: "train" });
  for (const n of g.nodes.filter((_, i) => small.nodes[i]!.op.kind === "batchnorm"))
    assert.deepEqual(out[n.id], out[n.inputs[0]!]);
});

test("residualShortcuts finds only the NB201 reduction blocks' shortcuts, not cell edges", () => {
  const found = residualShortcuts(small);
  assert.deepEqual(
    found.map((f) => small.nodes[f.input]!.name),
    ["reduce1/down/conv", "reduce2/down/conv"],
  );
  // An identity shortcut (the add reads the fork itself) is found too.
  const b = new GraphBuilder([2, 4, 4]);
  const x = b.conv(b.input, 2, 3, { padding: 1 });
  const y = b.add([x, b.batchNorm(b.conv(b.relu(x), 2, 3, { padding: 1 }))]);
  const f = b.globalAvgPool(y);
  const g = b.build({ features: f, logits: b.linear(f, 2) });
  assert.deepEqual(residualShortcuts(g), [{ add: y, input: x }]);
  // Two nonlinear branches of one fork are both kept.
  const b2 = new GraphBuilder([2, 4, 4]);
  const s = b2.add([b2.relu(b2.input), b2.act(b2.input, "tanh")]);
  const f2 = b2.globalAvgPool(s);
  assert.deepEqual(residualShortcuts(b2.build({ features: f2, logits: b2.linear(f2, 2) })), []);
});

test("withoutResidualShortcuts computes the main branch alone and drops the shortcut's nodes", () => {
  const g = withoutResidualShortcuts(small);
  checkIds(g);
  assert.equal(g.nodes.length, small.nodes.length - 4, "two avg-pools and two 1×1 convs removed");
  assert.equal(paramCount(small) - paramCount(g), 4 * 8 + 8 * 16, "the 1×1 shortcut convs' weights");
  assert.ok(!g.nodes.some((n) => n.name.includes("/down/")));
  // Same weights (by name) → the transformed logits equal the original network with the shortcut zeroed.
  const w = initWeights(small, "kaiming_normal", 3);
  const zeroed = new Map(w);
  for (const [name, v] of w) if (name.includes("/down/")) zeroed.set(name, new Float32Array(v.length));
  const x = images(3, 192, 2);
  const a = referenceForward(small, zeroed, x, 3, { bnMode: "train" })[small.logits]!;
  const r = referenceForward(g, w, x, 3, { bnMode: "train" })[g.logits]!;
  assert.equal(r.length, a.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - r[i]!) < 1e-9 * (1 + Math.abs(a[i]!)));
  // Cell skip_connect and avg_pool edges are still there.
  assert.ok(g.nodes.some((n) => n.name === "s0c0/e10/identity"));
  assert.ok(g.nodes.some((n) => n.name === "s0c0/e21/avgpool"));
});

test("withoutDeadNodes keeps what features and logits read, renumbered", () => {
  const b = new GraphBuilder([1, 2, 2]);
  const unused = b.relu(b.input);
  const f = b.globalAvgPool(b.conv(b.input, 2, 1));
  const g = withoutDeadNodes(b.build({ features: f, logits: b.linear(f, 2) }));
  checkIds(g);
  assert.equal(g.nodes.length, 4);
  assert.ok(!g.nodes.some((n) => n.name === b.build({ features: f, logits: f }).nodes[unused]!.name));
  assert.equal(g.nodes[g.features]!.op.kind, "globalAvgPool");
  assert.equal(g.nodes[g.logits]!.op.kind, "linear");
});
