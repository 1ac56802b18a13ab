// AdamW (Loshchilov & Hutter) with torch.optim.AdamW semantics: decoupled decay w ← w(1 − ηλ), then
// the bias-corrected Adam step w ← w − η m̂/(√v̂ + ε).
import * as v from "valibot";
import { between, option, positive } from "../../metrics/options.js";
import type { Optimizer } from "./optimizer.js";
import { slot } from "./optimizer.js";

export const adamwOptions = v.strictObject({
  beta1: option(between(0, 0.999999), 0.9),
  beta2: option(between(0, 0.999999999), 0.999),
  eps: option(positive(), 1e-8),
  weightDecay: option(between(0, 1), 0.01),
});
export type AdamwOptions = v.InferOutput<typeof adamwOptions>;

export const adamw: Optimizer<AdamwOptions> = {
  name: "adamw",
  description: "AdamW: Adam with decoupled weight decay, as torch.optim.AdamW",
  options: adamwOptions,
  step(params, grads, lr, state, { beta1, beta2, eps, weightDecay }) {
    const t = state.step + 1;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const decay = 1 - lr * weightDecay;
    for (const [name, w] of params) {
      const grad = grads.get(name);
      if (!grad) continue;
      const m = slot(state, "m", name, w.length);
      const s = slot(state, "v", name, w.length);
      for (let i = 0; i < w.length; i++) {
        const g = grad[i]!;
        const mi = beta1 * m[i]! + (1 - beta1) * g;
        const si = beta2 * s[i]! + (1 - beta2) * g * g;
        m[i] = mi;
        s[i] = si;
        w[i] = w[i]! * decay - (lr * (mi / c1)) / (Math.sqrt(si / c2) + eps);
      }
    }
    state.step = t;
  },
};
