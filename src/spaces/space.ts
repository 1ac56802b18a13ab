// The contract every search space implements. An architecture is a typed value with one canonical
// string form; the string is what stores, tables and the CLI exchange.
import type { Graph } from "../ir/graph.js";
import type { Rng } from "../util/random.js";

export interface BuildOptions {
  /** Per-sample input shape [C, H, W]. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

export interface SearchSpace<Arch> {
  readonly name: string;
  /** Parses the canonical string; throws an Error naming the fault for malformed input. */
  parse(text: string): Arch;
  format(arch: Arch): string;
  sample(rng: Rng): Arch;
  /** Every architecture, when the space is finite and small enough to list. */
  enumerate?(): Iterable<Arch>;
  readonly size?: number;
  /** Architectures one edit away. */
  neighbours(arch: Arch): Arch[];
  build(arch: Arch, options: BuildOptions): Graph;
  /** A fixed-length categorical code, for algorithms that work on vectors (DE, REINFORCE). */
  readonly categorical?: CategoricalCoding<Arch>;
}

/** Architecture ↔ one choice index per dimension; `choices[d]` options in dimension d. */
export interface CategoricalCoding<Arch> {
  readonly choices: readonly number[];
  encode(arch: Arch): number[];
  decode(codes: readonly number[]): Arch;
}
