// Random initialisation of every parameter of a graph, deterministic in (seed, labels).
import { Rng, TRUNCATED_NORMAL_STD } from "../util/random.js";
import { allParams, type Graph, numel, type Param } from "./graph.js";

/**
 * - `variance_scaling`: truncated normal (|z|<2), std √(1/fan_in) after truncation — TF's
 *   variance_scaling_initializer() default, used by the NNGP-NAS reference.
 * - `kaiming_normal`: N(0, 2/fan_in) (PyTorch kaiming_normal_, fan_in, ReLU gain).
 * - `kaiming_uniform`: PyTorch's default Conv/Linear init, U(±√(1/fan_in)) (kaiming_uniform_ with a=√5).
 * - `standard_normal`: N(0, 1) weights, as Zen-NAS.
 */
export type InitScheme = "variance_scaling" | "kaiming_normal" | "kaiming_uniform" | "standard_normal";
export const INIT_SCHEMES: readonly InitScheme[] = [
  "variance_scaling",
  "kaiming_normal",
  "kaiming_uniform",
  "standard_normal",
];

function drawWeight(rng: Rng, scheme: InitScheme, fanIn: number): number {
  switch (scheme) {
    case "variance_scaling":
      return (rng.truncatedNormal() / TRUNCATED_NORMAL_STD) * Math.sqrt(1 / fanIn);
    case "kaiming_normal":
      return rng.normal() * Math.sqrt(2 / fanIn);
    case "kaiming_uniform":
      return (2 * rng.uniform() - 1) * Math.sqrt(1 / fanIn);
    case "standard_normal":
      return rng.normal();
  }
}

export function initParam(param: Param, rng: Rng, scheme: InitScheme): Float32Array {
  const values = new Float32Array(numel(param.shape));
  if (param.role === "bn_gamma") values.fill(1);
  else if (param.role === "weight")
    for (let i = 0; i < values.length; i++) values[i] = drawWeight(rng, scheme, param.fanIn);
  // Biases and BN β start at zero.
  return values;
}

/** Fresh weights for every parameter; each parameter has its own stream so adding one leaves the rest unchanged. */
export function initWeights(
  graph: Graph,
  scheme: InitScheme,
  seed: number,
  ...labels: Array<string | number>
) {
  const weights = new Map<string, Float32Array>();
  for (const p of allParams(graph)) {
    // An imported model scored with its own weights: a copy, as metrics may change them in place.
    const kept = graph.modelWeights?.get(p.name);
    weights.set(
      p.name,
      kept ? Float32Array.from(kept) : initParam(p, new Rng(seed, ...labels, p.name), scheme),
    );
  }
  return weights;
}
