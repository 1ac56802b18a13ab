import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { Rng } from "../util/random.js";
import {
  check,
  codeChoices,
  decodeValue,
  edits,
  encode,
  enumerate,
  floatRange,
  intRange,
  list,
  manyOf,
  oneOf,
  sample,
  size,
  someOf,
  struct,
  tuple,
} from "./declaration.js";
import { declareSpace } from "./declaredSpace.js";

// A declaration with every construct: a conditional part (`residual` choices exist only for the
// resnet family), a distinct unordered pick, a subset, an int range and a fixed field.
const conditional = struct({
  family: oneOf([{ kind: "mlp" }, { kind: "resnet", skip: oneOf(["identity", "deep"]) }]),
  acts: manyOf(2, ["relu", "tanh", "gelu"], { sorted: true }),
  taps: someOf(["a", "b", "c"], { min: 1 }),
  depth: intRange(2, 4),
  version: 1,
});

test("size counts what enumerate lists, all distinct and all passing check", () => {
  // family 1 + 2, acts C(3,2)=3, taps 2^3−1=7, depth 3
  assert.equal(size(conditional), 3 * 3 * 7 * 3);
  const all = [...enumerate(conditional)];
  assert.equal(all.length, size(conditional));
  assert.equal(new Set(all.map((v) => JSON.stringify(v))).size, all.length);
  for (const v of all) assert.deepEqual(check(conditional, v), v);
  // manyOf sizes by their formulas: ordered distinct n!/(n−k)!, multiset C(n+k−1,k), sequence n^k.
  for (const [o, n] of [
    [{ distinct: true, sorted: false }, 6],
    [{ distinct: false, sorted: true }, 6],
    [{ distinct: false, sorted: false }, 9],
  ] as const) {
    const d = manyOf(2, ["x", "y", "z"], o);
    assert.equal(size(d), n);
    assert.equal([...enumerate(d)].length, n);
  }
});

test("the categorical code round-trips every value; inactive dimensions are ignored", () => {
  // selector 2 + resnet's skip 2, acts 2×3, taps 3×2, depth 3
  assert.deepEqual(codeChoices(conditional), [2, 2, 3, 3, 2, 2, 2, 3]);
  for (const v of enumerate(conditional))
    assert.deepEqual(decodeValue(conditional, encode(conditional, v)), v);
  const mlp = decodeValue(conditional, [0, 1, 0, 1, 1, 0, 0, 0]) as { family: unknown };
  assert.deepEqual(mlp.family, { kind: "mlp" });
  // Repeated entries of a distinct pick and an empty subset below min name no architecture.
  assert.throws(() => decodeValue(conditional, [0, 0, 1, 1, 1, 0, 0, 0]), /distinct/);
  assert.throws(() => decodeValue(conditional, [0, 0, 0, 1, 0, 0, 0, 0]), /needs 1\.\.3 entries/);
});

test("sampling is seeded, uniform per decision, and only yields declared values", () => {
  const a = Array.from({ length: 50 }, (_, i) => sample(conditional, new Rng(7, i)));
  const b = Array.from({ length: 50 }, (_, i) => sample(conditional, new Rng(7, i)));
  assert.deepEqual(a, b);
  const rng = new Rng(1);
  const counts = new Map<string, number>();
  const n = 30_000;
  for (let i = 0; i < n; i++) {
    const v = sample(conditional, rng) as { family: { kind: string }; depth: number };
    assert.doesNotThrow(() => check(conditional, v));
    counts.set(v.family.kind, (counts.get(v.family.kind) ?? 0) + 1);
  }
  // Each top-level candidate has probability 1/2: within 4 standard deviations.
  assert.ok(Math.abs(counts.get("mlp")! / n - 0.5) < 4 * Math.sqrt(0.25 / n));
});

test("edits are one decision away: switching the family starts the new part from its first value", () => {
  const v = check(conditional, {
    family: { kind: "resnet", skip: "deep" },
    acts: ["relu", "gelu"],
    taps: ["b"],
    depth: 4,
  });
  const e = edits(conditional, v).map((x) => JSON.stringify(x));
  assert.ok(e.includes(JSON.stringify({ ...(v as object), family: { kind: "mlp" } })));
  assert.ok(e.includes(JSON.stringify({ ...(v as object), family: { kind: "resnet", skip: "identity" } })));
  assert.ok(e.includes(JSON.stringify({ ...(v as object), depth: 3 })));
  assert.ok(!e.includes(JSON.stringify({ ...(v as object), depth: 5 })));
  // family 2, acts: replace either pick by the unused one (2), taps: toggle 3 (removing b is below min → 2), depth 1
  assert.equal(e.length, 2 + 2 + 2 + 1);
});

test("check names the path and the fault", () => {
  const ok = { family: { kind: "mlp" }, acts: ["tanh", "relu"], taps: ["c", "a"], depth: 2 };
  // Order-free parts come back in candidate order; the fixed field is filled in.
  assert.deepEqual(check(conditional, ok), { ...ok, acts: ["relu", "tanh"], taps: ["a", "c"], version: 1 });
  const bad: Array<[unknown, RegExp]> = [
    [{ ...ok, depth: 9 }, /^SpaceError: depth: must be an integer in 2\.\.4, got 9$/],
    [{ ...ok, acts: ["relu", "relu"] }, /^SpaceError: acts: entries must be distinct/],
    [
      { ...ok, acts: ["relu", "swish"] },
      /^SpaceError: acts: entry 1 "swish" is not one of "relu", "tanh", "gelu"$/,
    ],
    [{ ...ok, family: { kind: "vgg" } }, /^SpaceError: family: .* is not one of \{kind\}, \{kind, skip\}$/],
    // The fixed field selects the conditional part, so its own fault is named.
    [
      { ...ok, family: { kind: "resnet", skip: "dense" } },
      /^SpaceError: family\.skip: "dense" is not one of "identity", "deep"$/,
    ],
    [{ ...ok, width: 3 }, /unknown field "width"/],
    [{ family: { kind: "mlp" }, acts: ["relu", "tanh"], taps: ["a"] }, /missing field "depth"/],
    [{ ...ok, version: 2 }, /^SpaceError: version: must be 1, got 2$/],
    [[1, 2], /must be an object/],
  ];
  for (const [value, pattern] of bad) assert.throws(() => check(conditional, value), pattern);
  assert.throws(() => check(list(3, oneOf([1, 2])), [1, 3, 1]), /^SpaceError: \[1\]: 3 is not one of 1, 2$/);
});

test("a declared space: canonical forms make sampling uniform over unique architectures", () => {
  // Two unordered ops where "id" next to anything builds the same net as that op alone:
  // values (a,b) with canonical form sorted; 3×3 = 9 declared values, 6 unique.
  const ops = ["id", "conv", "pool"] as const;
  const space = declareSpace<string[]>({
    name: "toy",
    description: "toy",
    choices: list(2, oneOf(ops)),
    canonical: (a) => [...a].sort(),
    build(_arch, o) {
      const b = new GraphBuilder(o.inputShape);
      const f = b.globalAvgPool(b.input);
      return b.build({ features: f, logits: b.linear(f, o.numClasses) });
    },
    defaultBuild: { inputShape: [1, 4, 4], numClasses: 2 },
  });
  assert.equal(space.size, 6);
  const rng = new Rng(3);
  const counts = new Map<string, number>();
  const n = 60_000;
  for (let i = 0; i < n; i++) {
    const key = space.format(space.sample(rng));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // Uniform over the 6 (not the declared 9, where the mixed pairs would have twice the weight).
  for (const c of counts.values())
    assert.ok(Math.abs(c / n - 1 / 6) < 4 * Math.sqrt(((1 / 6) * (5 / 6)) / n));
  assert.equal(space.format(space.parse('["pool","conv"]')), '["conv","pool"]');
  assert.throws(() => space.parse("[conv]"), /toy architecture is not JSON/);
  assert.throws(() => space.parse('["conv"]'), /needs 2 entries, got 1/);
  const decoded = space.categorical!.decode([2, 1]);
  assert.ok(decoded.ok && space.format(decoded.arch) === '["conv","pool"]');
  assert.ok(!space.categorical!.decode([2]).ok);
});

test("float ranges sample continuously, code by bins, and make the space unbounded", () => {
  const d = struct({ lr: floatRange(0.1, 0.5, { bins: 4 }) });
  const space = declareSpace<{ lr: number }>({
    name: "f",
    description: "f",
    choices: d,
    build: () => {
      throw new Error("unused");
    },
    defaultBuild: { inputShape: [1], numClasses: 2 },
  });
  assert.equal(space.size, undefined);
  assert.equal(space.enumerate, undefined);
  assert.deepEqual(encode(d, { lr: 0.32 }), [2]);
  assert.ok(Math.abs((decodeValue(d, [2]) as { lr: number }).lr - 0.35) < 1e-12);
  const n = space.neighbours({ lr: 0.3 }).map((a) => a.lr);
  assert.deepEqual(
    n.map((x) => +x.toFixed(12)),
    [0.2, 0.4],
  );
});

test("a tuple declares each position: no dead choices on the first and last layer", () => {
  const layer = struct({ act: oneOf(["relu", "tanh"]), skip: oneOf(["none", "identity"]) });
  const d = tuple([
    struct({ act: oneOf(["relu", "tanh"]) }),
    layer,
    struct({ act: oneOf(["relu", "tanh"]), skip: "none" }),
  ]);
  assert.equal(size(d), 2 * 4 * 2);
  assert.equal([...enumerate(d)].length, 16);
  assert.deepEqual(codeChoices(d), [2, 2, 2, 2]);
  for (const v of enumerate(d)) assert.deepEqual(decodeValue(d, encode(d, v)), v);
  const v = check(d, [{ act: "tanh" }, { act: "relu", skip: "identity" }, { act: "relu" }]);
  assert.deepEqual(v, [{ act: "tanh" }, { act: "relu", skip: "identity" }, { act: "relu", skip: "none" }]);
  assert.equal(edits(d, v).length, 4);
  assert.throws(() => check(d, [{ act: "tanh", skip: "none" }, v[1], v[2]]), /\[0\]: unknown field "skip"/);
  const rng = new Rng(2);
  for (let i = 0; i < 20; i++) assert.doesNotThrow(() => check(d, sample(d, rng)));
});
