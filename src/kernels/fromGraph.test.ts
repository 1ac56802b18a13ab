// The IR activations' dual kernels and the graph → kernel mapping.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { ACTIVATIONS } from "../ir/graph.js";
import { referenceForward } from "../ir/referenceForward.js";
import { Rng } from "../util/random.js";
import { abReluActivation, erfActivation, geluActivation, relu } from "./activations.js";
import { residual, serial } from "./combinators.js";
import { graphKernel } from "./fromGraph.js";
import { gaussHermite, irActivation, irActivationValue, mehlerActivation } from "./irActivations.js";
import { dense } from "./linear.js";
import { fromRows, type Mat, relativeError } from "./matrix.js";
import { gaussianExpectation2d } from "./quadrature.js";

// Variances and covariances of the kind deep nets produce: small, large, anti-, nearly and fully
// correlated, unequal variances.
const CASES = [
  [0.3, 0.1, 0.5],
  [1, 0.9, 1.2],
  [4, -3, 5],
  [2, 1.999, 2],
  [0.01, 0.005, 2],
  [1.5, 1.5, 1.5],
] as const;

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function randomInputs(rows: number, cols: number, label: string): Mat {
  const rng = new Rng(3, label);
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal())));
}

describe("IR activations' dual kernels", () => {
  it("Gauss–Hermite rule integrates the normal's moments", () => {
    const { z, w } = gaussHermite(60);
    const moment = (p: number) => z.reduce((s, v, i) => s + w[i]! * v ** p, 0);
    // E[Z^0], E[Z²], E[Z⁴], E[Z⁶] = 1, 1, 3, 15.
    for (const [p, m] of [
      [0, 1],
      [2, 1],
      [4, 3],
      [6, 15],
    ] as const)
      assert.ok(rel(moment(p), m) < 1e-12, `E[Z^${p}] = ${moment(p)}`);
    assert.throws(() => gaussHermite(200), /1\.\.180/);
  });

  it("every φ equals the IR's reference forward (slopes, α, exact GELU)", () => {
    const xs = [-7.5, -3, -1.2, -0.3, 0, 0.2, 0.9, 2.5, 6.5];
    // Every registered activation at its default parameter, and leaky ReLU at another slope.
    const ops = [...ACTIVATIONS.map((fn) => ({ fn })), { fn: "leaky_relu" as const, alpha: 0.2 }];
    for (const op of ops) {
      const b = new GraphBuilder([xs.length]);
      const y = "alpha" in op ? b.leakyRelu(b.input, op.alpha) : b.act(b.input, op.fn);
      const graph = b.build({ features: y, logits: y });
      const ref = referenceForward(graph, new Map(), Float32Array.from(xs), 1, { bnMode: "inference" })[y]!;
      const act = irActivation(op)!;
      // The reference forward reads float32 inputs.
      xs.map(Math.fround).forEach((x, i) => {
        // The IR's erf (also in its GELU) is Abramowitz–Stegun, |error| < 1e-7 (times |x|/2 in GELU).
        assert.ok(Math.abs(act.fn(x) - ref[i]!) < 1e-6, `${op.fn}(${x}) = ${act.fn(x)}, IR ${ref[i]}`);
        assert.ok(Math.abs(irActivationValue(op)(x) - ref[i]!) < 1e-12);
      });
    }
  });

  it("the Mehler series reproduces the closed forms (relu, erf, gelu) to 1e-9", () => {
    for (const exact of [
      abReluActivation(0, 1),
      erfActivation(),
      geluActivation(),
      abReluActivation(0.2, 1),
    ]) {
      const series = mehlerActivation(exact.name, exact.fn, exact.grad);
      for (const [a, c, b] of CASES) {
        const e = exact.dual(a, c, b);
        const s = series.dual(a, c, b);
        assert.ok(rel(s.nngp, e.nngp) < 1e-9, `${exact.name} nngp at ${[a, c, b]}: ${s.nngp} vs ${e.nngp}`);
        assert.ok(rel(s.dot, e.dot) < 1e-9, `${exact.name} dot at ${[a, c, b]}: ${s.dot} vs ${e.dot}`);
      }
    }
  });

  it("series activations agree with the polar 2-D quadrature", () => {
    // The polar rule itself is good to ~1e-7 at these points for smooth φ. Where φ' jumps away from 0
    // (relu6, hsigmoid, hswish at ±3, 6) neither rule has a cut there and they differ by up to ~1%.
    const smooth = new Set(["tanh", "sigmoid", "swish", "elu", "softplus"]);
    for (const fn of ACTIVATIONS) {
      if (["relu", "leaky_relu", "identity", "erf", "gelu"].includes(fn)) continue;
      const act = irActivation({ fn })!;
      const tol = smooth.has(fn) ? 2e-6 : 3e-2;
      for (const [a, c, b] of CASES) {
        const s = act.dual(a, c, b);
        const nngp = gaussianExpectation2d((u, v) => act.fn(u) * act.fn(v), a, c, b);
        const dot = gaussianExpectation2d((u, v) => act.grad(u) * act.grad(v), a, c, b);
        assert.ok(rel(s.nngp, nngp) < tol, `${fn} nngp at ${[a, c, b]}: ${s.nngp} vs ${nngp}`);
        assert.ok(rel(s.dot, dot) < tol, `${fn} dot at ${[a, c, b]}: ${s.dot} vs ${dot}`);
      }
    }
  });
});

describe("graphKernel", () => {
  const x1 = randomInputs(4, 5, "x1");
  const x2 = randomInputs(3, 5, "x2");

  it("a linear/relu/residual graph has exactly the stax kernel of the same network", () => {
    const b = new GraphBuilder([5]);
    const r1 = b.linear(b.input, 7);
    const r2 = b.add([r1, b.linear(b.relu(r1), 7)]);
    const features = b.relu(r2);
    const graph = b.build({ features, logits: b.linear(features, 3) });
    const stax = serial(
      dense({ bStd: 0 }),
      residual(serial(relu(), dense({ bStd: 0 }))),
      relu(),
      dense({ bStd: 0 }),
    );
    const k = graphKernel(graph);
    assert.ok(k.ok);
    const mine = k.kernel(x1, x2).logits;
    const theirs = stax.kernel(x1, x2);
    assert.ok(relativeError(mine.nngp, theirs.nngp) < 1e-14);
    assert.ok(relativeError(mine.ntk, theirs.ntk) < 1e-14);
    // Standard parameterisation: the graph's own widths enter the NTK.
    const std = graphKernel(graph, { parameterization: "standard", wStd: 1.3, bStd: 0.1 });
    assert.ok(std.ok);
    const d = (o: number) => dense({ wStd: 1.3, bStd: 0.1, parameterization: "standard", out: o });
    const theirsStd = serial(d(7), residual(serial(relu(), d(7))), relu(), d(3)).kernel(x1, x2, { width: 7 });
    assert.ok(relativeError(std.kernel(x1, x2).logits.ntk, theirsStd.ntk) < 1e-14);
  });

  it("refuses what it cannot express, naming the node and the reason", () => {
    const conv = new GraphBuilder([1, 4, 4]);
    const c = conv.conv(conv.input, 2, 3);
    const flat = conv.flatten(c);
    const r1 = graphKernel(conv.build({ features: flat, logits: conv.linear(flat, 2) }));
    assert.deepEqual(r1, { ok: false, reason: "conv: no analytic kernel for op conv" });

    const twice = new GraphBuilder([5]);
    const h = twice.linear(twice.input, 4);
    const s = twice.add([h, twice.identity(h)]); // h + h: correlated branches, not 2·K
    const r2 = graphKernel(twice.build({ features: s, logits: twice.linear(s, 2) }));
    assert.equal(r2.ok, false);
    assert.match((r2 as { reason: string }).reason, /add: add of correlated branches linear and identity/);

    const post = new GraphBuilder([5]);
    const a = post.relu(post.linear(post.input, 4));
    const sum = post.add([a, post.linear(a, 4)]);
    const r3 = graphKernel(post.build({ features: sum, logits: post.linear(sum, 2) }));
    assert.match((r3 as { reason: string }).reason, /not mean-zero Gaussian/);

    const cat = new GraphBuilder([5]);
    const both = cat.concat([cat.relu(cat.linear(cat.input, 4)), cat.input]);
    const after = cat.relu(both);
    const r4 = graphKernel(cat.build({ features: after, logits: cat.linear(after, 2) }));
    assert.match((r4 as { reason: string }).reason, /relu1: relu after a concatenation/);
  });
});
