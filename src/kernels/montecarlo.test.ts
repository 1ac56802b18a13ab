// Monte-Carlo check that each definition's kernelFn is the infinite-width limit of the finite network
// it instantiates: errors shrink like 1/√width and end below a tolerance that wrong factors exceed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import {
  abRelu,
  convergence,
  dense,
  erf,
  fromRows,
  type Mat,
  monteCarloKernels,
  type Net,
  relativeError,
  relu,
  residual,
  serial,
} from "./index.js";

function randomInputs(rows: number, cols: number, label: string): Mat {
  const rng = new Rng(7, label);
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal())));
}

const x1 = randomInputs(4, 6, "x1");
const x2 = randomInputs(3, 6, "x2");

interface Spec {
  readonly wStd: number;
  readonly bStd: number | undefined;
  readonly act: () => Net;
}

const mlp = (s: Spec) => {
  const d = () => dense({ wStd: s.wStd, bStd: s.bStd });
  return serial(d(), s.act(), d(), s.act(), d());
};
const resNet = (s: Spec) => {
  const d = () => dense({ wStd: s.wStd, bStd: s.bStd });
  return serial(d(), residual(serial(s.act(), d())), residual(serial(s.act(), d())), s.act(), d());
};

const base = { wStd: 1.5, bStd: 0.5 };
const cases = [
  { name: "relu MLP", build: mlp, act: relu, tol: 0.1 },
  { name: "erf MLP", build: mlp, act: () => erf(), tol: 0.11 },
  { name: "residual relu net", build: resNet, act: relu, tol: 0.12 },
];
/**
 * Plausible slips, each of which must land at least 2 tolerances away, so that the test would fail
 * on them. Smaller slips (e.g. b² for 2b² inside erf) are the quadrature tests' job.
 */
const mutants: Record<string, (s: Spec) => Spec> = {
  "bias dropped": (s) => ({ ...s, bStd: undefined }),
  "σw where σw² belongs": (s) => ({ ...s, wStd: Math.sqrt(s.wStd) }),
  "relu kernel without its 1/2": (s) => ({ ...s, act: s.act === relu ? () => abRelu(0, Math.SQRT2) : s.act }),
  "arcsine kernel without its 2/π": (s) => ({
    ...s,
    act: s.act === relu ? s.act : () => erf(Math.sqrt(Math.PI / 2)),
  }),
};

describe("Monte-Carlo kernels converge to the analytic ones", () => {
  for (const c of cases) {
    it(`${c.name}: NNGP and NTK errors shrink like 1/√width`, (t) => {
      const spec: Spec = { ...base, act: c.act };
      const net = c.build(spec);
      // Same 4 networks per estimate at every width, so only the width changes the error; more
      // repeats at the cheap widths steady their RMS error.
      const rows = convergence(net, x1, x2, {
        widths: [64, 256, 1024],
        repeats: [16, 4, 1],
        networks: 4,
        outputs: [0, 1],
        seed: 1,
      });
      for (const r of rows) {
        t.diagnostic(`width ${r.width}: NNGP ${r.nngpError.toFixed(4)}, NTK ${r.ntkError.toFixed(4)}`);
      }
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      const expected = Math.sqrt(last.width / first.width); // 4
      for (const key of ["nngpError", "ntkError"] as const) {
        const ratio = first[key] / last[key];
        const table = rows.map((r) => `${r.width}: ${r[key].toFixed(4)}`).join(", ");
        // A wrong kernel shows as a plateau (ratio near 1). The bound above is looser because the
        // widest estimate is a single draw that is sometimes lucky (up to 15 over 24 seeds tried).
        assert.ok(ratio > expected / 2.5 && ratio < expected * 4, `${key} ratio ${ratio} (${table})`);
        assert.ok(last[key] < c.tol, `${key} at width ${last.width}: ${last[key]} ≥ ${c.tol} (${table})`);
      }
      const exact = net.kernel(x1, x2);
      for (const [slip, mutate] of Object.entries(mutants)) {
        const wrong = c.build(mutate(spec)).kernel(x1, x2);
        const gap = Math.min(relativeError(wrong.nngp, exact.nngp), relativeError(wrong.ntk, exact.ntk));
        if (gap === 0) continue; // slip does not apply to this activation
        assert.ok(gap > 2 * c.tol, `${slip} is only ${gap} away`);
      }
    });
  }

  it("standard parameterisation: the NTK grows with the width and matches kernel(..., { width })", (t) => {
    const d = (bStd?: number) => dense({ wStd: 1.5, bStd, parameterization: "standard" });
    const net = serial(d(0.5), relu(), d(0.5), relu(), d());
    const width = 512;
    const mc = monteCarloKernels(net, x1, x2, { width, seed: 5, networks: 4, outputs: [0, 1] });
    const exact = net.kernel(x1, x2, { width });
    const nngpError = relativeError(mc.nngp, exact.nngp);
    const ntkError = relativeError(mc.ntk, exact.ntk);
    t.diagnostic(`width ${width}: NNGP ${nngpError.toFixed(4)}, NTK ${ntkError.toFixed(4)}`);
    assert.ok(nngpError < 0.15 && ntkError < 0.15, `errors ${nngpError}, ${ntkError}`);
    // The analytic NTK of the wrong width is far off: the width really enters.
    assert.ok(relativeError(mc.ntk, net.kernel(x1, x2, { width: 2 * width }).ntk) > 0.3);
  });
});
