// REINFORCE as NAS-Bench-201 runs it (Dong & Yang, exps/NATS-algos/reinforce.py, after Williams
// 1992): an independent softmax policy per dimension of the space's categorical code, logits
// initialised at 1e-3·N(0,1), Adam (learning rate 0.01 in their runs), and an exponential moving
// average baseline (momentum 0.9) updated with each reward before the advantage is taken.
import {
  type AlgorithmContext,
  AskTellGuard,
  algorithmRng,
  decodeOrRedraw,
  type Optimizer,
  rankable,
} from "../optimizer.js";

export interface ReinforceOptions {
  readonly learningRate: number;
  readonly baselineMomentum: number;
}

export const REINFORCE_DEFAULTS: ReinforceOptions = { learningRate: 0.01, baselineMomentum: 0.9 };

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

export function reinforce(ctx: AlgorithmContext, options: Partial<ReinforceOptions> = {}): Optimizer {
  const o = { ...REINFORCE_DEFAULTS, ...options };
  const coding = ctx.space.categorical;
  if (!coding) throw new Error(`REINFORCE needs a categorical coding, which ${ctx.space.name} lacks`);
  const rng = algorithmRng(ctx, "reinforce");
  const guard = new AskTellGuard();
  const logits = coding.choices.map((n) => Array.from({ length: n }, () => 1e-3 * rng.normal()));
  const m1 = coding.choices.map((n) => new Array<number>(n).fill(0));
  const m2 = coding.choices.map((n) => new Array<number>(n).fill(0));
  let step = 0;
  // Bias-corrected EMA, as the benchmark's ExponentialMovingAverage.
  let numerator = 0;
  let denominator = 0;
  let pending: number[] = [];

  return {
    ask() {
      const fromPolicy = () =>
        logits.map((l) => {
          const p = softmax(l);
          let u = rng.uniform();
          for (let k = 0; k < p.length; k++) {
            u -= p[k]!;
            if (u < 0) return k;
          }
          return p.length - 1;
        });
      // Codes that name no architecture are drawn again from the policy (sampling it restricted to
      // valid architectures), so the update uses the code that was evaluated.
      const drawn = decodeOrRedraw(ctx.space, fromPolicy(), (c) => c, fromPolicy);
      pending = drawn.proposal;
      return guard.asked(drawn.archStr);
    },
    tell(archStr, fitness) {
      guard.told(archStr);
      const reward = rankable(fitness[0]!);
      if (!Number.isFinite(reward)) return; // a failed evaluation carries no gradient signal
      numerator = o.baselineMomentum * numerator + (1 - o.baselineMomentum) * reward;
      denominator = o.baselineMomentum * denominator + (1 - o.baselineMomentum);
      const advantage = reward - numerator / denominator;
      step++;
      logits.forEach((l, dim) => {
        const p = softmax(l);
        for (let k = 0; k < l.length; k++) {
          // ∂/∂logit of −log π(a)·A is (p_k − [k = a])·A.
          const g = (p[k]! - (k === pending[dim] ? 1 : 0)) * advantage;
          m1[dim]![k] = ADAM_BETA1 * m1[dim]![k]! + (1 - ADAM_BETA1) * g;
          m2[dim]![k] = ADAM_BETA2 * m2[dim]![k]! + (1 - ADAM_BETA2) * g * g;
          const mHat = m1[dim]![k]! / (1 - ADAM_BETA1 ** step);
          const vHat = m2[dim]![k]! / (1 - ADAM_BETA2 ** step);
          l[k] = l[k]! - (o.learningRate * mHat) / (Math.sqrt(vHat) + ADAM_EPS);
        }
      });
    },
  };
}
