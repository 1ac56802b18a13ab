// SGD with momentum, Nesterov and coupled L2 weight decay, with PyTorch's torch.optim.SGD semantics
// (dampening 0): g ← ∇ + λw; b ← μb + g (b = g on the first step); w ← w − η(g + μb) with Nesterov,
// w ← w − ηb without. NAS-Bench-201 trains with lr 0.1, μ 0.9, Nesterov, λ 5e-4 on every parameter.
import * as v from "valibot";
import { between, flag, option } from "../../metrics/options.js";
import type { Optimizer } from "./optimizer.js";
import { slot } from "./optimizer.js";

export const sgdOptions = v.strictObject({
  momentum: option(between(0, 0.999999), 0.9),
  nesterov: option(flag(), true),
  weightDecay: option(between(0, 1), 5e-4),
});
export type SgdOptions = v.InferOutput<typeof sgdOptions>;

export const sgd: Optimizer<SgdOptions> = {
  name: "sgd",
  description: "SGD with momentum (Nesterov by default) and L2 weight decay, as torch.optim.SGD",
  options: sgdOptions,
  step(params, grads, lr, state, { momentum, nesterov, weightDecay }) {
    const first = state.step === 0;
    for (const [name, w] of params) {
      const grad = grads.get(name);
      if (!grad) continue;
      const buf = momentum > 0 ? slot(state, "momentum", name, w.length) : undefined;
      for (let i = 0; i < w.length; i++) {
        let g = grad[i]! + weightDecay * w[i]!;
        if (buf) {
          const b = first ? g : momentum * buf[i]! + g;
          buf[i] = b;
          g = nesterov ? g + momentum * b : b;
        }
        w[i] = w[i]! - lr * g;
      }
    }
    state.step++;
  },
};
