import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import {
  abReluActivation,
  erfActivation,
  geluActivation,
  signActivation,
  sinActivation,
  stepActivation,
} from "./activations.js";
import {
  dense,
  denseLayers,
  empiricalKernels,
  erf,
  fanInSum,
  fanOut,
  fromRows,
  gelu,
  identity,
  leakyRelu,
  type Mat,
  parallel,
  paramArrays,
  perSampleGradients,
  relu,
  residual,
  serial,
  sin,
} from "./index.js";
import { gaussianExpectation2d } from "./quadrature.js";

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

function randomInputs(rows: number, cols: number, label: string): Mat {
  const rng = new Rng(3, label);
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal())));
}

const x1 = randomInputs(4, 5, "x1");
const x2 = randomInputs(3, 5, "x2");
/** x·x'/d, the stax input kernel, computed directly. */
const k0 = (a: Mat, i: number, b: Mat, j: number) => {
  let s = 0;
  for (let c = 0; c < a.cols; c++) s += a.data[i * a.cols + c]! * b.data[j * b.cols + c]!;
  return s / a.cols;
};

describe("closed-form dual kernels equal 2-D Gaussian quadrature", () => {
  // Covariances with positive, negative, zero and perfect correlation.
  const covs: [number, number, number][] = [
    [1, 0.3, 2],
    [2.5, -1.2, 0.8],
    [1, 1, 1],
    [0.7, -0.7, 0.7],
    [3, 0, 0.5],
    [0.4, 0.39, 0.5],
  ];
  const acts = [
    abReluActivation(0, 1),
    abReluActivation(-0.5, 1.3),
    abReluActivation(0.1, 1),
    erfActivation(),
    erfActivation(1.7, 0.6, 0.3),
    geluActivation(),
    sinActivation(1.2, 0.9, 0.4),
    signActivation(),
    stepActivation(),
  ];
  for (const act of acts) {
    it(act.name, () => {
      for (const [k11, k12, k22] of covs) {
        const dual = act.dual(k11, k12, k22);
        const nngp = gaussianExpectation2d((u, v) => act.fn(u) * act.fn(v), k11, k12, k22);
        const dot = gaussianExpectation2d((u, v) => act.grad(u) * act.grad(v), k11, k12, k22);
        // 1e-7, not 1e-15: at |ρ| = 1 the quadrature's own ρ is off by rounding in √k11·√k22.
        assertClose([dual.nngp, dual.dot], [nngp, dot], 1e-7, `${act.name} at ${[k11, k12, k22]}`);
      }
    });
  }
});

describe("single Dense + nonlinearity on inputs", () => {
  const wStd = 1.5;
  const bStd = 0.3;
  const cases = [
    { name: "relu (arc-cosine, order 1)", layer: relu(), f: (z: number) => Math.max(z, 0) },
    { name: "erf (arcsine)", layer: erf(), f: erfActivation().fn },
  ];
  for (const { name, layer, f } of cases) {
    it(`${name}: NNGP and NTK by quadrature`, () => {
      const k = serial(dense({ wStd, bStd }), layer).kernel(x1, x2);
      const fd = (z: number) => (f(z + 1e-6) - f(z - 1e-6)) / 2e-6; // derivative, independent of grad()
      for (let i = 0; i < x1.rows; i++) {
        for (let j = 0; j < x2.rows; j++) {
          const kk = (a: Mat, p: number, b: Mat, q: number) => wStd * wStd * k0(a, p, b, q) + bStd * bStd;
          const [k11, k12, k22] = [kk(x1, i, x1, i), kk(x1, i, x2, j), kk(x2, j, x2, j)];
          const nngp = gaussianExpectation2d((u, v) => f(u) * f(v), k11, k12, k22);
          const dot = gaussianExpectation2d((u, v) => fd(u) * fd(v), k11, k12, k22);
          // The Dense layer's NTK equals its NNGP k12 (its own weights; the inputs are fixed).
          assertClose([k.nngp[i * 3 + j]!, k.ntk[i * 3 + j]!], [nngp, k12 * dot], 1e-6, name);
        }
      }
    });
  }
});

describe("Dense", () => {
  it("ntk parameterisation: K' = σw²K + σb², Θ' = K' + σw²Θ", () => {
    const k = serial(dense({ wStd: 2, bStd: 0.5 }), dense({ wStd: 1.5, bStd: 0.1 })).kernel(x1, x2);
    const nngp = [];
    const ntk = [];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const k1 = 4 * k0(x1, i, x2, j) + 0.25;
        const k2 = 2.25 * k1 + 0.01;
        nngp.push(k2);
        ntk.push(k2 + 2.25 * k1);
      }
    }
    assertClose(k.nngp, nngp, 1e-14, "nngp");
    assertClose(k.ntk, ntk, 1e-14, "ntk");
    assertClose(
      k.cov1,
      [0, 1, 2, 3].map((i) => 2.25 * (4 * k0(x1, i, x1, i) + 0.25) + 0.01),
      1e-14,
      "cov1",
    );
  });

  it("standard parameterisation: same NNGP, Θ' = fan_in·K + σw²Θ + 1, and needs the width", () => {
    const layers = (p: "ntk" | "standard") =>
      serial(dense({ wStd: 2, bStd: 0.5, parameterization: p }), relu(), dense({ parameterization: p }));
    const std = layers("standard");
    assert.throws(() => std.kernel(x1, x2), /width/);
    const k = std.kernel(x1, x2, { width: 100 });
    const ref = layers("ntk").kernel(x1, x2);
    assertClose(k.nngp, ref.nngp, 1e-14, "nngp");
    const first = serial(dense({ wStd: 2, bStd: 0.5, parameterization: "standard" }), relu());
    const k1 = first.kernel(x1, x2, { width: 100 });
    const expected = Array.from(k1.ntk, (t, i) => 100 * k1.nngp[i]! + t); // σw = 1, no bias
    assertClose(k.ntk, expected, 1e-14, "ntk");
  });
});

describe("combinators", () => {
  const block = serial(relu(), dense({ wStd: 1.2, bStd: 0.2 }));
  it("residual(block) = block kernel + identity kernel, after a Dense", () => {
    const stem = dense({ wStd: 1.4, bStd: 0.1 });
    const res = serial(stem, residual(block)).kernel(x1, x2);
    const a = serial(stem, block).kernel(x1, x2);
    const b = stem.kernel(x1, x2);
    assertClose(
      res.nngp,
      Array.from(a.nngp, (v, i) => v + b.nngp[i]!),
      1e-14,
      "nngp",
    );
    assertClose(
      res.ntk,
      Array.from(a.ntk, (v, i) => v + b.ntk[i]!),
      1e-14,
      "ntk",
    );
    const manual = serial(stem, fanOut(2), parallel(block, identity()), fanInSum()).kernel(x1, x2);
    assertClose(manual.ntk, res.ntk, 0, "spelled out");
  });

  it("fanInSum refuses branches that are not mean-zero Gaussian, and branches without fanInSum", () => {
    assert.throws(() => serial(dense(), relu(), residual(block)).kernel(x1, x2), /Gaussian/);
    assert.throws(() => serial(dense(), fanOut(2)).kernel(x1, x2), /fanInSum/);
  });

  it("kernel(x) is symmetric with cov1 on its diagonal", () => {
    const k = serial(dense({ wStd: 1.5, bStd: 0.2 }), gelu(), dense(), sin(), dense()).kernel(x1);
    for (let i = 0; i < 4; i++) {
      assertClose([k.nngp[i * 4 + i]!], [k.cov1[i]!], 1e-14, "diag");
      for (let j = 0; j < 4; j++) assertClose([k.ntk[i * 4 + j]!], [k.ntk[j * 4 + i]!], 1e-14, "sym");
    }
  });
});

describe("finite network from the same definition", () => {
  const net = serial(
    dense({ wStd: 1.3, bStd: 0.4 }),
    residual(serial(gelu(), dense({ wStd: 1.1, bStd: 0.2 }))),
    leakyRelu(0.2),
    dense({ wStd: 0.9, parameterization: "standard", bStd: 0.3 }),
    erf(),
    dense({ out: 3, bStd: 0.3 }),
  );
  const params = net.init({ inputDim: 5, width: 6, seed: 11 });

  it("init is reproducible per seed; `out` fixes a layer's size, the others take the width", () => {
    assert.deepEqual(net.init({ inputDim: 5, width: 6, seed: 11 }), params);
    assert.notDeepEqual(net.init({ inputDim: 5, width: 6, seed: 12 }), params);
    assert.deepEqual(
      denseLayers(params).map((p) => [p.inDim, p.outDim]),
      [
        [5, 6],
        [6, 6],
        [6, 6],
        [6, 3],
      ],
    );
    const y = net.apply(params, x1);
    assert.deepEqual([y.rows, y.cols], [4, 3]);
  });

  it("per-sample gradients match central finite differences", () => {
    const output = 1;
    const grads = perSampleGradients(net, params, x2, output);
    const arrays = paramArrays(params);
    let offset = 0;
    const h = 1e-6;
    for (const arr of arrays) {
      for (let k = 0; k < arr.length; k++) {
        const keep = arr[k]!;
        arr[k] = keep + h;
        const up = net.apply(params, x2);
        arr[k] = keep - h;
        const down = net.apply(params, x2);
        arr[k] = keep;
        for (let i = 0; i < x2.rows; i++) {
          const fd = (up.data[i * 3 + output]! - down.data[i * 3 + output]!) / (2 * h);
          assertClose([grads[i]![offset + k]!], [fd], 1e-7, `param ${offset + k}, sample ${i}`);
        }
      }
      offset += arr.length;
    }
    assert.equal(offset, grads[0]!.length);
  });

  it("empirical NTK equals Σθ ∂f(x1)/∂θ · ∂f(x2)/∂θ of the explicit gradients", () => {
    const g1 = perSampleGradients(net, params, x1, 2);
    const g2 = perSampleGradients(net, params, x2, 2);
    const { ntk, nngp } = empiricalKernels(net, params, x1, x2, [2]);
    const y1 = net.apply(params, x1);
    const y2 = net.apply(params, x2);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const dot = g1[i]!.reduce((s, v, p) => s + v * g2[j]![p]!, 0);
        const ff = [0, 1, 2].reduce((s, o) => s + y1.data[i * 3 + o]! * y2.data[j * 3 + o]!, 0) / 3;
        assertClose([ntk[i * 3 + j]!, nngp[i * 3 + j]!], [dot, ff], 1e-12, `(${i}, ${j})`);
      }
    }
  });
});
