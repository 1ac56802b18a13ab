// Seed 002's space: declaration-derived behaviour, the networks it builds, and their analytic kernels
// against Monte-Carlo estimates from the built graphs themselves.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allParams, type Graph, numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { graphKernel } from "../kernels/fromGraph.js";
import { irActivation } from "../kernels/irActivations.js";
import { fromRows, type Mat, relativeError, stackRows } from "../kernels/matrix.js";
import { Rng } from "../util/random.js";
import { buildMlp, MLP_ACTIVATIONS, type MlpArch, mlp, mlpKernel, mlpSpace } from "./mlp.js";

const relus = (n: number) => Array.from({ length: n }, () => ({ activation: "relu" as const }));
const paramCount = (g: Graph) => allParams(g).reduce((s, p) => s + numel(p.shape), 0);

const skipsArch: MlpArch = {
  family: "resnet",
  layers: [
    { activation: "relu", skip: "deep" },
    { activation: "tanh", skip: "deep" },
    { activation: "gelu", skip: "identity" },
    { activation: "swish", skip: "none" },
  ],
};

describe("mlp space: declaration", () => {
  it("parses, formats canonically and names the fault", () => {
    const all = { family: "mlp", layers: relus(4) };
    assert.deepEqual(mlp.parse(JSON.stringify({ layers: relus(4) })), all); // family filled in
    assert.equal(mlp.format(mlp.parse(mlp.format(skipsArch))), JSON.stringify(skipsArch));
    // A residual network without skips is the MLP it builds.
    const noSkips = { layers: relus(4).map((l) => ({ ...l, skip: "none" })) };
    assert.deepEqual(mlp.parse(JSON.stringify(noSkips)), all);
    const fault = (arch: unknown, re: RegExp) => assert.throws(() => mlp.parse(JSON.stringify(arch)), re);
    fault(
      { layers: [...relus(3), { activation: "relu7" }] },
      /layers\[3\]\.activation: "relu7" is not one of "relu", "leaky_relu"/,
    );
    fault({ layers: relus(3) }, /layers: needs 4 entries, got 3/);
    fault({ family: "resnet", layers: relus(4) }, /layers\[0\]: missing field "skip"/);
    fault({ family: "mlp", layers: skipsArch.layers }, /layers\[0\]: unknown field "skip"/);
    fault({ family: "densenet", layers: relus(4) }, /family: "densenet" is not one of "mlp", "resnet"/);
    const withSkips = (skips: string[]) => ({ layers: skips.map((skip) => ({ activation: "relu", skip })) });
    fault(withSkips(["identity", "none", "none", "none"]), /layer 1 cannot take an identity skip/);
    fault(withSkips(["none", "none", "none", "deep"]), /layer 4 cannot take a deep skip/);
    fault(withSkips(["none", "sideways", "none", "none"]), /layers\[1\]\.skip: "sideways" is not one of/);
    assert.throws(() => mlp.parse("{layers"), /mlp architecture is not JSON/);
    assert.throws(
      () => mlpSpace({ activations: ["relu", "rectifier" as never] }),
      /unknown activation "rectifier"/,
    );
  });

  it("sizes and code by hand", () => {
    // Per layer: 6 activations; residual skips: layer 1 {none, deep}, middle {none, identity, deep},
    // last {none, identity} → 6⁴·2·3·3·2 residual networks, whose 6⁴ skip-free ones are the MLPs.
    assert.equal(mlp.size, 6 ** 4 * 36);
    assert.equal(mlpSpace({ family: "mlp" }).size, 6 ** 4);
    assert.equal(mlpSpace({ family: "resnet" }).size, 6 ** 4 * 36);
    assert.equal(
      mlpSpace({ family: "resnet", depth: 3, activations: ["relu", "tanh"] }).size,
      2 ** 3 * 2 * 3 * 2,
    );
    // Family selector, then the MLP part's 4 activations, then the residual part's (activation, skip) × 4.
    assert.deepEqual(mlp.categorical!.choices, [2, 6, 6, 6, 6, 6, 3, 6, 3, 6, 3, 6, 3]);
  });

  it("samples are seeded, valid, canonical and cover every activation and skip", () => {
    const a = Array.from({ length: 5 }, (_, i) => mlp.format(mlp.sample(new Rng(4, i))));
    const b = Array.from({ length: 5 }, (_, i) => mlp.format(mlp.sample(new Rng(4, i))));
    assert.deepEqual(a, b);
    const rng = new Rng(11);
    const seen = new Set<string>();
    let mlps = 0;
    for (let i = 0; i < 2000; i++) {
      const arch = mlp.sample(rng);
      assert.equal(mlp.format(mlp.parse(mlp.format(arch))), mlp.format(arch));
      if (arch.family === "mlp") mlps++;
      arch.layers.forEach((l, j) => {
        seen.add(`${j}:${l.activation}`);
        if ("skip" in l) seen.add(`${j}:${l.skip}`);
      });
    }
    for (let j = 0; j < 4; j++)
      for (const act of MLP_ACTIVATIONS) assert.ok(seen.has(`${j}:${act}`), `${j}:${act}`);
    for (const s of ["0:none", "0:deep", "1:identity", "2:deep", "3:identity"]) assert.ok(seen.has(s), s);
    // Uniform over unique networks: the MLPs are 1,296 of 46,656 (2.8%, about 56 of 2,000).
    assert.ok(mlps > 25 && mlps < 100, `${mlps} MLPs`);
  });

  it("neighbours: one activation or skip changed, or the family switched", () => {
    // MLP: 4 layers × 5 other activations; switching to residual gives the skip-free MLP itself.
    assert.equal(mlp.neighbours({ family: "mlp", layers: relus(4) }).length, 20);
    // skipsArch: 20 activation edits; skips: layer 1 deep→none (identity invalid), layer 2 deep→none
    // or identity, layer 3 identity→none or deep, layer 4 none→identity (deep invalid); + the MLP.
    const ns = mlp.neighbours(skipsArch);
    assert.equal(ns.length, 20 + 6 + 1);
    assert.equal(new Set(ns.map((n) => mlp.format(n))).size, ns.length);
    assert.equal(mlpSpace({ family: "resnet" }).neighbours(skipsArch).length, 26);
  });

  it("the categorical code round-trips", () => {
    const rng = new Rng(5);
    for (let i = 0; i < 300; i++) {
      const arch = mlp.sample(rng);
      const code = mlp.categorical!.encode(arch);
      assert.deepEqual(mlp.categorical!.decode(code), { ok: true, arch });
    }
    // A code naming an identity skip on layer 1 says why it is no architecture.
    const bad = mlp.categorical!.decode([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(bad.ok, false);
    assert.match((bad as { reason: string }).reason, /layer 1 cannot take an identity skip/);
  });
});

describe("mlp space: networks", () => {
  it("parameters by hand, for flat and image inputs", () => {
    // 784·256 + 256, 3 × (256² + 256), head 256·10 + 10.
    const plain = 784 * 256 + 256 + 3 * (256 * 256 + 256) + 256 * 10 + 10;
    assert.equal(plain, 400_906);
    for (const inputShape of [[784], [1, 28, 28]]) {
      const g = mlp.build({ family: "mlp", layers: relus(4) }, { inputShape, numClasses: 10 });
      assert.equal(paramCount(g), plain);
      assert.deepEqual(g.nodes[g.features]!.shape, [256]);
      assert.deepEqual(g.nodes[g.logits]!.shape, [10]);
      assert.equal(g.nodes.filter((n) => n.op.kind === "flatten").length, inputShape.length === 1 ? 0 : 1);
      // Two deep skips widen the head's input to 3·256; adds have no parameters.
      const s = mlp.build(skipsArch, { inputShape, numClasses: 10 });
      assert.equal(paramCount(s), plain - (256 * 10 + 10) + (3 * 256 * 10 + 10));
      assert.deepEqual(s.nodes[s.features]!.shape, [768]);
      assert.equal(s.nodes.filter((n) => n.op.kind === "add").length, 1);
      assert.equal(s.nodes.filter((n) => n.op.kind === "concat").length, 1);
    }
    // Width, depth and classes as declared: (5·8 + 8) + (8·8 + 8) + (8·3 + 3).
    const small = mlpSpace({ depth: 2, width: 8 });
    assert.equal(
      paramCount(small.build({ family: "mlp", layers: relus(2) }, { inputShape: [5], numClasses: 3 })),
      147,
    );
    // Weights carry the builder's roles and fan-ins (what ir/init.ts scales by).
    const g = mlp.build(skipsArch, mlp.defaultBuild);
    assert.deepEqual(
      allParams(g)
        .slice(0, 2)
        .map((p) => [p.name, p.role, p.fanIn]),
      [
        ["layer1/linear.weight", "weight", 784],
        ["layer1/linear.bias", "bias", 784],
      ],
    );
  });

  it("sampling and building 1,000 architectures takes well under a second each", (t) => {
    const rng = new Rng(1);
    const start = performance.now();
    let nodes = 0;
    for (let i = 0; i < 1000; i++) nodes += mlp.build(mlp.sample(rng), mlp.defaultBuild).nodes.length;
    const seconds = (performance.now() - start) / 1000;
    t.diagnostic(`1,000 samples + builds: ${seconds.toFixed(3)} s (${nodes} nodes)`);
    assert.ok(seconds < 20, `${seconds} s`);
  });
});

// ---- kernels against the finite graphs -----------------------------------------------------------

function inputs(rows: number, cols: number, label: string): Mat {
  const rng = new Rng(9, label);
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal())));
}

/**
 * Empirical kernels of one random draw of `graph` (ir/init.ts variance_scaling, zero biases): the
 * features' F Fᵀ / width, and the NTK of logits `outputs` (mean over them) from a plain backward pass
 * through linear, act, add, concat and flatten, summed over every weight and bias.
 */
function empirical(graph: Graph, x: Mat, n1: number, seed: number, outputs: readonly number[]) {
  const weights = initWeights(graph, "variance_scaling", seed);
  const batch = x.rows;
  const n2 = batch - n1;
  const values = referenceForward(graph, weights, Float32Array.from(x.data), batch, { bnMode: "inference" });
  const width = (id: number) => numel(graph.nodes[id]!.shape);
  const dot = (v: Float64Array, w: number, p: number, q: number) => {
    let s = 0;
    for (let k = 0; k < w; k++) s += v[p * w + k]! * v[q * w + k]!;
    return s;
  };
  const fw = width(graph.features);
  const features = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++) features[i * n2 + j] = dot(values[graph.features]!, fw, i, n1 + j) / fw;
  const ntk = new Float64Array(n1 * n2);
  for (const out of outputs) {
    const grads = graph.nodes.map((n) => new Float64Array(batch * numel(n.shape)));
    for (let b = 0; b < batch; b++) grads[graph.logits]![b * width(graph.logits) + out] = 1;
    for (let id = graph.nodes.length - 1; id >= 0; id--) {
      const node = graph.nodes[id]!;
      const g = grads[id]!;
      const op = node.op;
      const [src] = node.inputs;
      if (op.kind === "linear") {
        const inF = width(src!);
        const outF = op.outFeatures;
        const w = weights.get(`${node.name}.weight`)!;
        const a = values[src!]!;
        for (let i = 0; i < n1; i++)
          for (let j = 0; j < n2; j++)
            ntk[i * n2 + j]! += ((dot(a, inF, i, n1 + j) + 1) * dot(g, outF, i, n1 + j)) / outputs.length;
        const gi = grads[src!]!;
        for (let b = 0; b < batch; b++)
          for (let o = 0; o < outF; o++) {
            const go = g[b * outF + o]!;
            if (go !== 0) for (let k = 0; k < inF; k++) gi[b * inF + k]! += go * w[o * inF + k]!;
          }
      } else if (op.kind === "act") {
        const grad = irActivation(op)!.grad;
        const xin = values[src!]!;
        for (let k = 0; k < g.length; k++) grads[src!]![k]! += g[k]! * grad(xin[k]!);
      } else if (op.kind === "add" || op.kind === "flatten" || op.kind === "identity") {
        for (const s of node.inputs) for (let k = 0; k < g.length; k++) grads[s]![k]! += g[k]!;
      } else if (op.kind === "concat") {
        let offset = 0;
        for (const s of node.inputs) {
          const ws = width(s);
          for (let b = 0; b < batch; b++)
            for (let k = 0; k < ws; k++) grads[s]![b * ws + k]! += g[b * width(id) + offset + k]!;
          offset += ws;
        }
      }
    }
  }
  return { features, ntk };
}

describe("mlp space: analytic kernels", () => {
  // Correlated inputs, as images are (cosine ≈ 0.36 between rows): off-diagonal kernel entries are
  // then not small against the Monte-Carlo noise. K(X, X): the kernel Zhu et al.'s λ_min reads.
  const common = inputs(1, 12, "common");
  const noise = inputs(6, 12, "noise");
  const x1 = fromRows(
    Array.from({ length: 6 }, (_, r) =>
      Array.from({ length: 12 }, (_, k) => 0.6 * common.data[k]! + 0.8 * noise.data[r * 12 + k]!),
    ),
  );
  const x2 = x1;
  const x = stackRows(x1, x2); // the finite network sees both sets as one batch
  const cases: [string, MlpArch][] = [
    [
      "mlp relu/tanh/gelu",
      { family: "mlp", layers: [{ activation: "relu" }, { activation: "tanh" }, { activation: "gelu" }] },
    ],
    [
      "resnet swish→identity relu→identity sigmoid",
      {
        family: "resnet",
        layers: [
          { activation: "swish", skip: "none" },
          { activation: "relu", skip: "identity" },
          { activation: "sigmoid", skip: "identity" },
        ],
      },
    ],
    [
      "resnet deep tanh, identity leaky_relu, gelu",
      {
        family: "resnet",
        layers: [
          { activation: "tanh", skip: "deep" },
          { activation: "leaky_relu", skip: "identity" },
          { activation: "gelu", skip: "none" },
        ],
      },
    ],
  ];
  const width = 1024;
  const networks = 4;

  for (const [name, arch] of cases) {
    it(`${name}: features NNGP and logit NTK of the built graph converge to the kernel`, (t) => {
      const graph = buildMlp(arch, { inputShape: [12], numClasses: 4, width });
      const k = graphKernel(graph, { parameterization: "standard" });
      assert.ok(k.ok);
      const exact = k.kernel(x1, x2);
      const nngp = new Float64Array(36);
      const ntk = new Float64Array(36);
      for (let s = 0; s < networks; s++) {
        const e = empirical(graph, x, 6, 100 + s, [0, 1]);
        e.features.forEach((v, i) => {
          nngp[i]! += v / networks;
        });
        e.ntk.forEach((v, i) => {
          ntk[i]! += v / networks;
        });
      }
      const nngpError = relativeError(nngp, exact.features.nngp);
      const ntkError = relativeError(ntk, exact.logits.ntk);
      t.diagnostic(
        `width ${width}, ${networks} networks: NNGP ${nngpError.toFixed(4)}, NTK ${ntkError.toFixed(4)}`,
      );
      // 1/√(width·networks) = 0.016 per unit of kernel noise; measured errors at this width and
      // count were 0.007–0.087 over six architectures (and fell ~2–3× from width 256), so 0.12.
      const tol = 0.12;
      assert.ok(nngpError < tol, `NNGP error ${nngpError}`);
      assert.ok(ntkError < tol, `NTK error ${ntkError}`);
      // And the estimate tells architectures apart: without its skips, or with its activations
      // rotated, the kernel moves by more than twice the estimate's own error.
      const acts = arch.layers.map((l) => l.activation);
      const mutants: MlpArch[] = [
        { family: "mlp", layers: acts.map((_, i) => ({ activation: acts[(i + 1) % acts.length]! })) },
      ];
      if (arch.family === "resnet")
        mutants.push({ family: "mlp", layers: acts.map((activation) => ({ activation })) });
      for (const m of mutants) {
        const o = graphKernel(buildMlp(m, { inputShape: [12], numClasses: 4, width }), {
          parameterization: "standard",
        });
        assert.ok(o.ok);
        const mk = o.kernel(x1, x2);
        const gap = Math.max(
          relativeError(mk.features.nngp, exact.features.nngp),
          relativeError(mk.logits.ntk, exact.logits.ntk),
        );
        t.diagnostic(`mutant ${JSON.stringify(m.layers.map((l) => l.activation))}: ${gap.toFixed(3)} away`);
        assert.ok(gap > 2 * Math.max(nngpError, ntkError), `mutant ${JSON.stringify(m)} only ${gap} away`);
      }
    });
  }

  it("every sampled architecture has a kernel on MNIST-size inputs; unknown activations are named", () => {
    const rng = new Rng(2);
    const images = inputs(3, 784, "images");
    for (let i = 0; i < 5; i++) {
      const arch = mlp.sample(rng);
      const k = mlp.kernel(arch);
      assert.ok(k.ok, JSON.stringify(arch));
      const { features, logits } = k.kernel(images);
      // Symmetric, with the variances on the diagonal, and a positive NTK.
      for (let p = 0; p < 3; p++) {
        assert.ok(Math.abs(features.nngp[p * 3 + p]! - features.cov1[p]!) < 1e-9 * features.cov1[p]!);
        assert.ok(logits.ntk[p * 3 + p]! > 0);
        for (let q = 0; q < 3; q++)
          assert.ok(Math.abs(logits.ntk[p * 3 + q]! - logits.ntk[q * 3 + p]!) < 1e-9);
      }
    }
    const unknown = mlpKernel({
      family: "mlp",
      layers: [{ activation: "relu" }, { activation: "mish" as never }],
    });
    assert.deepEqual(unknown, { ok: false, reason: "layer2/mish: no analytic kernel for activation mish" });
  });
});
