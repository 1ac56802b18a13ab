// The optimizer registry: `--optimizer NAME` and `--set optimizer.key=value` resolve here.
import { adamw } from "./adamw.js";
import type { Optimizer } from "./optimizer.js";
import { sgd } from "./sgd.js";

export type { Optimizer, OptimizerState, Tensors } from "./optimizer.js";
export { freshState } from "./optimizer.js";

export const OPTIMIZERS: ReadonlyMap<string, Optimizer> = new Map<string, Optimizer>(
  [sgd, adamw].map((o) => [o.name, o as Optimizer]),
);

export function getOptimizer(name: string): Optimizer {
  const found = OPTIMIZERS.get(name);
  if (!found) throw new Error(`unknown optimizer "${name}" (known: ${[...OPTIMIZERS.keys()].join(", ")})`);
  return found;
}
