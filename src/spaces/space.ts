// The contract every search space implements. An architecture is a typed value with one canonical
// string form; the string is what stores, tables and the CLI exchange. Besides building networks, a
// space declares the protocol hooks that metrics, algorithms and reports would otherwise guess:
// the thin network for linear regions, a supernet for TE-NAS, its benchmark table and FLOP counting.
import type { Graph } from "../ir/graph.js";
import type { Rng } from "../util/random.js";
import type { SupernetHook } from "./supernet.js";

export interface BuildOptions {
  /** Per-sample input shape, e.g. [C, H, W] for images or [F] for flat inputs. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

export interface SearchSpace<Arch> {
  readonly name: string;
  /** One line for `nasprobe spaces`. */
  readonly description: string;
  /** Parses the canonical string (or any accepted alias form); throws a SpaceError naming the fault. */
  parse(text: string): Arch;
  /** The canonical string: two architectures that build the same network format the same. */
  format(arch: Arch): string;
  /** Seeded and uniform over unique architectures where the space defines canonical forms. */
  sample(rng: Rng): Arch;
  /** Every unique architecture, when the space is finite and small enough to list. */
  enumerate?(): Iterable<Arch>;
  /** Number of unique architectures; undefined for unbounded spaces. */
  readonly size?: number;
  /** Architectures one edit away (valid, canonical, distinct from `arch`). */
  neighbours(arch: Arch): Arch[];
  build(arch: Arch, options: BuildOptions): Graph;
  /** The input shape and class count the space is normally built for (e.g. CIFAR-10's [3,32,32], 10). */
  readonly defaultBuild: BuildOptions;
  /** A fixed-length categorical code, for algorithms that work on vectors (DE, NSGA-II, REINFORCE). */
  readonly categorical?: CategoricalCoding<Arch>;
  /** FLOPs per sample as this space's benchmark counts them (default: ir/cost.ts, NAS-Bench-201's counter). */
  flops?(graph: Graph): number;
  /** TE-NAS's thin network for counting linear regions; absent means "score the network as built". */
  thinNetwork?(arch: Arch, numClasses: number): Graph;
  /** The supernet TE-NAS prunes; absent where the space has none (TE-NAS is then not available). */
  readonly supernet?: SupernetHook<Arch>;
  /** Further facts `nasprobe info` prints for an architecture (e.g. NB101's module hash). */
  describe?(arch: Arch): Readonly<Record<string, string | number>>;
  /** The benchmark table whose rows this space's architectures join, when there is one. */
  readonly benchmark?: BenchmarkHook<Arch>;
}

export interface BenchmarkHook<Arch> {
  /** Path of the default table below the shared data folder, e.g. "nb201/nb201.csv". */
  readonly table: string;
  /** Column holding the join key. */
  readonly keyColumn: string;
  /** The join key of an architecture (default: its canonical string). */
  key?(arch: Arch): string;
  /** Parses a key as it appears in the table (default: `parse`). */
  parseKey?(key: string): Arch;
  /** How the table writes FLOPs, which `info` follows: millions (default) or a plain count. */
  readonly flopsUnit?: "M" | "count";
  /** Columns `search` prints for its best trials. */
  readonly reportColumns: readonly string[];
  /** The default `table:` objective column. */
  readonly defaultObjective: string;
  /** Training epochs a query of a column costs (for `--cost-budget`); columns absent cost nothing. */
  epochCost?(column: string): number | undefined;
}

/** Architecture ↔ one choice index per dimension; `choices[d]` options in dimension d. */
export interface CategoricalCoding<Arch> {
  readonly choices: readonly number[];
  encode(arch: Arch): number[];
  /**
   * A code may name no valid architecture (e.g. an NB101 cell with more than 9 edges or no
   * input→output path); decode then says why, and each algorithm decides how to handle it.
   */
  decode(codes: readonly number[]): Decoded<Arch>;
}

export type Decoded<Arch> =
  | { readonly ok: true; readonly arch: Arch }
  | { readonly ok: false; readonly reason: string };

/** A malformed architecture or space definition; the message names the fault. */
export class SpaceError extends Error {
  override readonly name = "SpaceError";
}
