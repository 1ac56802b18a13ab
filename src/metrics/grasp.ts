// GraSP (Wang et al. 2020) as zero-cost-nas scores it: Σ −w ⊙ (H g) over conv/linear weights, with g
// the loss gradient and H the Hessian of the loss w.r.t. those weights. ONNX Runtime has no
// double-backward, so H·g is a central difference of gradients along g:
//   H g ≈ (∇L(w + h·g) − ∇L(w − h·g)) / 2h,
// with h set so the step moves the weights by `relativeStep` of their norm. ReLUs keep the on/off
// pattern of the unperturbed pass: autograd's Hessian treats ReLU'' as 0, while a difference that
// lets units switch picks up jumps that do not vanish as h → 0. The step matters a great deal (see
// GRASP_DEFAULTS): at 1e-3 the score correlated −0.31 with NB201 accuracy on 40 cells, at 3e-6
// +0.47, where PyTorch's autograd GraSP (bench/torch_metrics.py) gives +0.48 on 30 of them.
// Errors are measured in grasp.test.ts.
import * as v from "valibot";
import {
  crossEntropyGradients,
  prunableLayers,
  sharedCrossEntropyPassWithMasks,
  weightOf,
  ZERO_COST_OPTIONS,
} from "./gradientPass.js";
import type { MetricInput } from "./metric.js";
import { checkFinite, defineMetric, type Metric } from "./metric.js";
import { defaultsOf, type OptionsOf, option, positive } from "./options.js";

/**
 * The loss of an NB201 cell is curved on very small scales (BN channels with tiny batch variance):
 * on two cells, gᵀ-projected scores at relative steps 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6 were
 * 2.64, 6.70, 7.34, 7.40, 7.42, 7.40 and −50, −107, 18, 157, 184, 187, so the difference only
 * settles near 3e-6. Smaller steps drown in float32 rounding of the weights (~6e-8 relative).
 */
export const GRASP_OPTIONS = v.strictObject({
  ...ZERO_COST_OPTIONS.entries,
  /** ‖h·g‖ / ‖w‖ over the scored weights. */
  relativeStep: option(positive(), 3e-6),
});

export type GraspOptions = OptionsOf<typeof GRASP_OPTIONS>;

export const GRASP_DEFAULTS: GraspOptions = defaultsOf(GRASP_OPTIONS);

/** H·g for the prunable weights by central differences of gradients; returns it and g. */
export async function hessianGradientProduct(input: MetricInput, o: GraspOptions) {
  const base = await sharedCrossEntropyPassWithMasks(input, o);
  const names = prunableLayers(input.graph).map(weightOf);
  let wNorm = 0;
  let gNorm = 0;
  for (const name of names) {
    for (const v of base.weights.get(name)!) wNorm += v * v;
    for (const v of base.grads.get(name)!) gNorm += v * v;
  }
  if (gNorm === 0)
    return { base, hg: new Map(names.map((n) => [n, new Float32Array(base.grads.get(n)!.length)])) };
  const h = (o.relativeStep * Math.sqrt(wNorm)) / Math.sqrt(gNorm);
  const shifted = (sign: number) => {
    const weights = new Map(base.weights);
    for (const name of names) {
      const w = base.weights.get(name)!;
      const g = base.grads.get(name)!;
      weights.set(
        name,
        Float32Array.from(w, (v, i) => v + sign * h * g[i]!),
      );
    }
    return weights;
  };
  const plusWeights = shifted(1);
  const minusWeights = shifted(-1);
  const masks = base.masks!;
  const plus = await crossEntropyGradients(input, o, plusWeights, masks);
  const minus = await crossEntropyGradients(input, o, minusWeights, masks);
  const hg = new Map<string, Float32Array>();
  for (const name of names) {
    const gp = plus.grads.get(name)!;
    const gm = minus.grads.get(name)!;
    hg.set(
      name,
      Float32Array.from(gp, (v, i) => (v - gm[i]!) / (2 * h)),
    );
  }
  return { base, hg };
}

export const grasp: Metric<GraspOptions> = defineMetric({
  name: "grasp",
  description:
    "gradient signal preservation Σ −w·(H g) (zero-cost-nas; H·g by central differences of gradients)",
  values: [{ name: "grasp", higherIsBetter: true, description: "Σ −w·Hg over conv/linear weights" }],
  options: GRASP_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const { base, hg } = await hessianGradientProduct(input, o);
    let total = 0;
    for (const [name, v] of hg) {
      const w = base.weights.get(name)!;
      for (let i = 0; i < w.length; i++) total -= w[i]! * v[i]!;
    }
    return checkFinite({ grasp: total });
  },
});
