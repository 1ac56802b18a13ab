import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "./builder.js";
import { flops, nodeFlops, paramCount } from "./cost.js";
import { everyOpNet, newOpsNet } from "./fixtures.js";
import { ACTIVATIONS, type Activation, type OpKind } from "./graph.js";
import { OPS } from "./ops/index.js";
import { referenceForward } from "./referenceForward.js";

test("every registry entry is keyed by its own kind, and the fixtures use every kind", () => {
  for (const [key, def] of Object.entries(OPS)) assert.equal(def.kind, key);
  const used = new Set<OpKind>([...everyOpNet().nodes, ...newOpsNet().nodes].map((n) => n.op.kind));
  assert.deepEqual([...used].sort(), Object.keys(OPS).sort());
  const acts = new Set(
    [...everyOpNet().nodes, ...newOpsNet().nodes].flatMap((n) => (n.op.kind === "act" ? [n.op.fn] : [])),
  );
  assert.deepEqual([...acts].sort(), [...ACTIVATIONS].sort());
});

test("the new activations' plain-TS values", () => {
  const xs = [-4, -3, -1, -0.5, 0.5, 1, 3, 4, 7];
  const expected: Array<[Activation, (x: number) => number]> = [
    ["relu6", (x) => Math.min(Math.max(x, 0), 6)],
    ["hsigmoid", (x) => Math.max(0, Math.min(1, x / 6 + 0.5))],
    ["hswish", (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))],
    ["swish", (x) => x / (1 + Math.exp(-x))],
    ["softplus", (x) => Math.log(1 + Math.exp(x))],
  ];
  const b = new GraphBuilder([xs.length]);
  const nodes = expected.map(([fn]) => b.act(b.input, fn));
  const leaky = b.leakyRelu(b.input, 0.2);
  const out = referenceForward(b.build({ features: 0, logits: 0 }), new Map(), Float32Array.from(xs), 1, {
    bnMode: "train",
  });
  expected.forEach(([fn, f], k) => {
    for (const [i, x] of xs.entries()) assert.ok(Math.abs(out[nodes[k]!]![i]! - f(x)) < 1e-12, `${fn}(${x})`);
  });
  for (const [i, x] of xs.entries()) assert.equal(out[leaky]![i], x > 0 ? x : 0.2 * x);
});

test("shape rules refuse what does not fit, naming the op", () => {
  const b = new GraphBuilder([4, 6, 6]);
  const flat = b.globalAvgPool(b.input);
  assert.throws(() => b.mul(b.input, flat), /mul: .*differ in rank/);
  assert.throws(() => b.mul(b.input, b.conv(b.input, 3, 1)), /mul: .*do not broadcast/);
  assert.throws(() => b.addBroadcast([b.input, b.reshape(flat, [2, 2, 1])]), /add: .*do not broadcast/);
  assert.throws(() => b.add([b.input, b.reshape(flat, [4, 1, 1])]), /add: shape 4x1x1 differs/);
  assert.throws(() => b.matmul(b.input, b.reshape(b.input, [4, 4, 9])), /matmul: .*do not multiply/);
  assert.throws(() => b.matmul(flat, flat), /matmul/);
  assert.throws(() => b.reshape(b.input, [5, -1]), /reshape: cannot reshape/);
  assert.throws(() => b.reshape(b.input, [-1, -1]), /reshape/);
  assert.throws(() => b.sliceChannels(b.input, 5), /sliceChannels: 5 channels out of 4x6x6/);
  assert.throws(() => b.sliceChannels(b.input, 0), /sliceChannels/);
  assert.throws(() => b.conv(b.input, 6, 3, { groups: 3 }), /conv groups=3 must divide in=4/);
  assert.throws(() => b.linear(b.input, 3), /linear needs a flat input/);
  assert.deepEqual(b.shape(b.mul(b.input, b.reshape(flat, [4, 1, 1]))), [4, 6, 6]);
  assert.deepEqual(b.shape(b.addBroadcast([b.reshape(flat, [4, 1, 1]), b.conv(b.input, 1, 1)])), [4, 6, 6]);
  assert.deepEqual(b.shape(b.matmul(b.reshape(b.input, [4, 36]), b.reshape(b.input, [36, 4]))), [4, 4]);
  assert.deepEqual(b.shape(b.sliceChannels(flat, 2)), [2]);
});

test("per-op FLOPs: conv, linear and matmul count multiply-accumulates, the new element-wise ops nothing", () => {
  const b = new GraphBuilder([4, 6, 6]);
  const c = b.conv(b.input, 8, 3, { padding: 1, groups: 2, bias: true });
  const m = b.matmul(b.reshape(c, [8, 36]), b.reshape(b.sliceChannels(c, 4), [36, 4]));
  const s = b.mul(c, b.reshape(b.act(b.linear(b.globalAvgPool(c), 8), "hsigmoid"), [8, 1, 1]));
  const logits = b.linear(b.flatten(m), 3, { bias: false });
  const g = b.build({ features: logits, logits });
  const at = (id: number) => nodeFlops(g, g.nodes[id]!);
  assert.equal(at(c), 8 * 36 * ((3 * 3 * 4) / 2) + 8 * 36);
  assert.equal(at(m), 8 * 4 * 36);
  assert.equal(at(s), 0);
  assert.equal(at(logits), 32 * 3);
  assert.equal(flops(g), at(c) + at(m) + 8 * 8 + 8 + 32 * 3);
  assert.equal(paramCount(g), 8 * 2 * 9 + 8 + 8 * 8 + 8 + 32 * 3);
});

test("concatProjected projects only the branches whose width differs", () => {
  const b = new GraphBuilder([4, 5, 5]);
  const a = b.conv(b.input, 3, 1);
  const cat = b.concatProjected([a, b.input], [3, 6]);
  const g = b.build({ features: cat, logits: cat });
  assert.deepEqual(b.shape(cat), [9, 5, 5]);
  assert.equal(g.nodes.filter((n) => n.op.kind === "conv").length, 2);
});
