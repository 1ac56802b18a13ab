// REINFORCE as NAS-Bench-201 runs it (Dong & Yang, exps/NATS-algos/reinforce.py, after Williams
// 1992): an independent softmax policy per dimension of the space's categorical code, logits
// initialised at 1e-3·N(0,1), Adam (learning rate 0.01 in their runs), and an exponential moving
// average baseline (momentum 0.9) updated with each reward before the advantage is taken.
//
// The policy is folded from the finished trials in finish order: each one is one Adam step on the
// code it was proposed with (carried in its proposal). Proposals sample the current policy; with
// several workers a step lands when its trial finishes, not when it was proposed.
import * as v from "valibot";
import { defaultsOf, type OptionsOf, option, positive, resolveOptions } from "../../metrics/options.js";
import {
  type AlgorithmContext,
  codesOf,
  codingOf,
  decodeOrRedraw,
  derivedRng,
  interval,
  type Optimizer,
  rankable,
  sequential,
} from "../optimizer.js";
import type { Sampler } from "../sampler.js";

export const REINFORCE_OPTIONS = v.strictObject({
  /** Adam's step size (reference: 0.01). */
  learningRate: option(positive(), 0.01),
  /** Momentum of the reward baseline's moving average (reference: 0.9). */
  baselineMomentum: option(interval("[", 0, 1, ")"), 0.9),
});

export type ReinforceOptions = OptionsOf<typeof REINFORCE_OPTIONS>;
export const REINFORCE_DEFAULTS: ReinforceOptions = defaultsOf(REINFORCE_OPTIONS);

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** The policy and its optimiser. */
export interface ReinforceState {
  /** Logits per dimension of the categorical code. */
  readonly logits: number[][];
  /** Adam's first and second moments, shaped as the logits. */
  readonly m1: number[][];
  readonly m2: number[][];
  /** Adam steps taken. */
  step: number;
  /** Bias-corrected EMA baseline (as the benchmark's ExponentialMovingAverage): numerator / denominator. */
  numerator: number;
  denominator: number;
}

export function reinforceSampler(
  ctx: AlgorithmContext,
  options: Partial<ReinforceOptions> = {},
): Sampler<ReinforceState> {
  const o = resolveOptions("reinforce", REINFORCE_OPTIONS, options);
  const coding = codingOf(ctx, "REINFORCE");
  return {
    init() {
      const rng = derivedRng(ctx.seed, "reinforce", "logits");
      return {
        logits: coding.choices.map((n) => Array.from({ length: n }, () => 1e-3 * rng.normal())),
        m1: coding.choices.map((n) => new Array<number>(n).fill(0)),
        m2: coding.choices.map((n) => new Array<number>(n).fill(0)),
        step: 0,
        numerator: 0,
        denominator: 0,
      };
    },
    fold(s, trial) {
      const reward = rankable(trial.fitness[0]!);
      if (!Number.isFinite(reward)) return s; // a failed evaluation carries no gradient signal
      const codes = codesOf(ctx, trial.proposal, trial.archStr);
      s.numerator = o.baselineMomentum * s.numerator + (1 - o.baselineMomentum) * reward;
      s.denominator = o.baselineMomentum * s.denominator + (1 - o.baselineMomentum);
      const advantage = reward - s.numerator / s.denominator;
      s.step++;
      s.logits.forEach((l, dim) => {
        const p = softmax(l);
        const m1 = s.m1[dim]!;
        const m2 = s.m2[dim]!;
        for (let k = 0; k < l.length; k++) {
          // ∂/∂logit of −log π(a)·A is (p_k − [k = a])·A.
          const g = (p[k]! - (k === codes[dim] ? 1 : 0)) * advantage;
          m1[k] = ADAM_BETA1 * m1[k]! + (1 - ADAM_BETA1) * g;
          m2[k] = ADAM_BETA2 * m2[k]! + (1 - ADAM_BETA2) * g * g;
          const mHat = m1[k]! / (1 - ADAM_BETA1 ** s.step);
          const vHat = m2[k]! / (1 - ADAM_BETA2 ** s.step);
          l[k] = l[k]! - (o.learningRate * mHat) / (Math.sqrt(vHat) + ADAM_EPS);
        }
      });
      return s;
    },
    propose(s, { rng }) {
      const policy = s.logits.map(softmax);
      const fromPolicy = () =>
        policy.map((p) => {
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
      return { archStr: drawn.archStr, proposal: { codes: drawn.proposal } };
    },
  };
}

/** The sampler driven by one worker (ask/tell). */
export const reinforce = (ctx: AlgorithmContext, options: Partial<ReinforceOptions> = {}): Optimizer =>
  sequential(reinforceSampler(ctx, options), ctx.seed, "reinforce");
