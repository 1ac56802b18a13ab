// TE-NAS (Chen, Gong & Wang, ICLR 2021) on NAS-Bench-201: prune a supernet, one op per edge per
// round, by the change in the NTK's condition number and in the number of linear regions.
//
// Reference: github.com/VITA-Group/TENAS (files and lines as stored at commits 1115d10/2f2e03b).
// - Launch settings, prune_launch.py l.24–32 and core_cmd (~l.50–64): precision 3, init
//   'kaiming_normal', prune_number 1, batch_size 72, --repeat 3, track_running_stats 1.
// - Supernets, prune_tenas.py main(): NTK network model_config {C: 3, N: 1, depth: -1,
//   use_stem: True} = stem + cell(C=3) + ResNet block + cell(6) + ResNet block + cell(12) + BN/ReLU,
//   pooling, linear; linear-region network model_config_thin {C: 1, N: 1, depth: 1, use_stem: False}
//   = one C=1 cell on the input; Linear_Region_Collector(input_size=(1000, 1, 3, 3), sample_batch=3).
// - Edge of the supernet, lib/models/cell_searchs/search_cells.py NAS201SearchCell.forward (~l.45):
//   Σ op(x)·w over ops with w = softmax(α) > 0.01, alive α = 0 and pruned α = −1000 (INF), i.e. the
//   mean of the alive ops; pruned ops are not run. "none" is pruned before the first round
//   (prune_tenas.py l.75 `alpha[:, 0] = -INF`), so every edge starts with 4 ops and three rounds
//   prune 24 + 18 + 12 = 54 candidates.
// - Round, prune_func_rank (l.67–173): for every edge with > 1 alive op, for every alive op (edge
//   and op index order), measure the supernet without that op against the current one at identical
//   weights: NTK Δ = round((κ_origin − κ)/κ_origin, 3) per repeat (l.111–113; κ = λ_max/λ_min of
//   J Jᵀ, J = per-sample gradients of the summed logits w.r.t. every parameter named 'weight' — conv,
//   linear, BN γ — train-mode BN, one batch: lib/procedures/ntk.py l.35–58), regions Δ =
//   round((R_origin − R)/R_origin, 3) per repeat (l.135–137; R = distinct ReLU sign patterns over
//   3 × 1000 random one-channel 3×3 crops, lib/procedures/linear_region_counter.py), each averaged
//   over the repeats. Ranks (l.147–172): NTK Δ sorted descending by round_to(Δ, 3 significant
//   digits), regions Δ ascending likewise, dense ranks that tie only on exactly equal Δ; per edge,
//   prune the op with the smallest rank sum (stable sort, NTK order breaking ties).
// - Init: prune_launch.py asks for 'kaiming_normal', but init_model (l.45) only knows
//   'kaiming_norm_fanin'/'_fanout' (l.105 passes 'kaiming_normal_fanout'), so the networks keep
//   PyTorch's default init (our kaiming_uniform) and the "random reinit" per repeat is a no-op.
//
// Where this implementation differs (all deterministic given the seed):
// - Weights: fresh per (round, repeat), shared by the current supernet and every candidate of that
//   round (parameters are seeded by name, see nb201Supernet.ts). The reference draws the NTK
//   network once per round (its re-init is a no-op) and the thin network once per candidate.
// - Inputs: per (round, repeat) one NTK batch (a seeded sample of `data`) and 3 × 1000 crops,
//   shared by the current supernet and every candidate, so the current supernet is measured once
//   per round and repeat instead of once per candidate (the reference draws a fresh loader batch
//   for every pair). The NTK batch has no flip / pad-4 crop augmentation (the reference's
//   training transform).
// - A NaN change (e.g. a singular NTK) ranks as the least prunable op.
import type { ImageSet } from "../data/imageSet.js";
import { imageSize } from "../data/imageSet.js";
import type { Graph } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { dense, symmetricEigen } from "../linalg/kernelRegression.js";
import {
  distinctPatterns,
  LINEAR_REGION_DEFAULTS,
  type LinearRegionOptions,
  randomCrops,
} from "../metrics/linearRegions.js";
import { reluInputs } from "../metrics/naswot.js";
import { NTK_DEFAULTS, type NtkOptions, perSampleGradients } from "../metrics/ntk.js";
import { NodeProbe, newTimings } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import type { SearchSpace } from "../spaces/space.js";
import { type EdgeWeighting, ntkParams, type OpSets, supernetWeights } from "../spaces/supernet.js";
import { Rng } from "../util/random.js";

/** Repeats of both measurements per candidate (prune_launch.py --repeat 3). */
export const TENAS_REPEATS = 3;

export type TenasLinearRegionOptions = Pick<LinearRegionOptions, "batchSize" | "batches" | "init">;

export interface TenasOptions<A = unknown> {
  /** The space whose supernet is pruned (it must declare the `supernet` hook). */
  readonly space: SearchSpace<A>;
  /** Labelled, normalised images; NTK batches are seeded samples of it, crops are cut from it. */
  readonly data: ImageSet;
  readonly seed: number;
  readonly runtime: RuntimeOptions;
  /** NTK batch (reference 72), init and BN mode (defaults: metrics/ntk.ts). */
  readonly ntk?: Partial<NtkOptions>;
  /** Crops per batch (1000), batches pooled per count (3) and init (defaults: metrics/linearRegions.ts). */
  readonly linearRegions?: Partial<TenasLinearRegionOptions>;
  /** Repeats of both measurements per candidate, averaged (reference 3). */
  readonly repeats?: number;
  /** NTK supernet stem width (reference 3). */
  readonly channels?: number;
  /** NTK supernet cells per stage (reference 1). */
  readonly cellsPerStage?: number;
  /** Decimal places of each change and significant digits of the sort key (reference 3). */
  readonly precision?: number;
  /** The ops every edge starts with (default: the space's supernet hook's). */
  readonly ops?: readonly string[];
  /** How an edge combines its alive ops (default "mean", the reference's softmax of equal α). */
  readonly edgeWeighting?: EdgeWeighting;
  /** After each round, with what it pruned. */
  readonly onRound?: (info: TenasRoundInfo) => void;
  /** After each candidate's measurement (progress). */
  readonly onEvaluation?: (info: TenasEvaluationInfo) => void;
}

export interface TenasSettings {
  readonly ntk: NtkOptions;
  readonly linearRegions: TenasLinearRegionOptions;
  readonly repeats: number;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly precision: number;
  readonly ops: readonly string[];
  readonly edgeWeighting: EdgeWeighting;
}

/** One edge's pruning in a round: the op removed and the supernet's measurements without it. */
export interface TenasPruneStep {
  /** Edge index (the space's edge order). */
  readonly edge: number;
  readonly pruned: string;
  /** Mean NTK condition number of the supernet without the op, over the repeats. */
  readonly ntkCond: number;
  /** Mean linear-region count of the thin supernet without the op, over the repeats. */
  readonly linearRegions: number;
  /** Mean of round((κ_origin − κ)/κ_origin): higher means pruning lowers κ more. */
  readonly ntkChange: number;
  /** Mean of round((R_origin − R)/R_origin): lower means pruning keeps more regions. */
  readonly regionsChange: number;
  readonly ntkRank: number;
  readonly regionsRank: number;
}

export interface TenasRoundInfo {
  /** 0-based. */
  readonly round: number;
  readonly pruned: readonly TenasPruneStep[];
  /** Alive ops per edge after this round. */
  readonly opSets: OpSets;
  /** The current supernet's mean κ and region count in this round (before pruning). */
  readonly originNtkCond: number;
  readonly originLinearRegions: number;
  readonly evaluations: number;
  readonly seconds: number;
}

export interface TenasEvaluationInfo {
  readonly round: number;
  readonly edge: number;
  readonly op: string;
  /** Candidates measured so far, this one included, and this round's total. */
  readonly done: number;
  readonly roundTotal: number;
  readonly seconds: number;
}

export interface TenasResult<A = unknown> {
  readonly arch: A;
  readonly archStr: string;
  readonly rounds: Array<TenasPruneStep[]>;
  /** Candidates (supernet minus one op) measured: Σ over rounds of the alive ops on undecided edges. */
  readonly evaluations: number;
  /** NTK spectra and region counts computed: repeats × (rounds + evaluations) each. */
  readonly ntkRuns: number;
  readonly regionRuns: number;
  readonly seconds: number;
  readonly settings: TenasSettings;
}

/** Python's round(x, digits) on a float: nearest, exact halves to even. */
export function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf(".");
  const rest = exact.slice(point + 1 + digits);
  if (/^50*$/.test(rest)) {
    // An exact tie: keep the even last digit.
    const truncated = Number(exact.slice(0, point + 1 + digits));
    const last = Number(exact[digits === 0 ? point - 1 : point + digits]);
    const up = last % 2 === 1;
    const magnitude = up ? truncated + 10 ** -digits : truncated;
    return Math.sign(x) * Number(magnitude.toFixed(digits));
  }
  return Number(x.toFixed(digits));
}

/** prune_tenas.py round_to: `precision` significant digits (float branch). */
export function roundTo(x: number, precision: number, eps = 1e-8): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const sign = x / Math.abs(x);
  const n = Math.abs(x) + eps;
  const power = Math.floor(Math.log(n) / Math.log(10)) + 1;
  return sign * pyRound(n * 10 ** -power, precision) * 10 ** power;
}

interface Candidate {
  readonly edge: number;
  readonly op: string;
  readonly ntkCond: number;
  readonly linearRegions: number;
  readonly ntkChange: number;
  readonly regionsChange: number;
}

/** Dense ranks in sorted order; an entry ties with the previous only when its value is exactly equal. */
function denseRanks(sorted: readonly Candidate[], value: (c: Candidate) => number): Map<Candidate, number> {
  const ranks = new Map<Candidate, number>();
  sorted.forEach((c, i) => {
    if (i === 0) ranks.set(c, 0);
    else {
      const prev = sorted[i - 1]!;
      ranks.set(c, ranks.get(prev)! + (value(c) === value(prev) ? 0 : 1));
    }
  });
  return ranks;
}

/** One op to prune per undecided edge, by the reference's rank sum (prune_tenas.py l.147–173). */
export function chooseTenasPrunes(
  candidates: readonly Omit<Candidate, "ntkCond" | "linearRegions">[],
  precision = 3,
): Array<{ edge: number; op: string; ntkRank: number; regionsRank: number }> {
  const cs = candidates.map((c) => ({ ntkCond: Number.NaN, linearRegions: Number.NaN, ...c }));
  // NaN sorts as the least prunable: last for NTK (descending), last for regions (ascending).
  const ntkKey = (c: Candidate) => (Number.isNaN(c.ntkChange) ? -Infinity : roundTo(c.ntkChange, precision));
  const lrKey = (c: Candidate) =>
    Number.isNaN(c.regionsChange) ? Infinity : roundTo(c.regionsChange, precision);
  const byNtk = [...cs].sort((a, b) => compare(ntkKey(b), ntkKey(a)));
  const byRegions = [...cs].sort((a, b) => compare(lrKey(a), lrKey(b)));
  const ntkRanks = denseRanks(byNtk, (c) => c.ntkChange);
  const lrRanks = denseRanks(byRegions, (c) => c.regionsChange);
  // The rankings dict is filled in NTK order; Python's sort by the rank sum is stable.
  const bySum = [...byNtk].sort(
    (a, b) => ntkRanks.get(a)! + lrRanks.get(a)! - ntkRanks.get(b)! - lrRanks.get(b)!,
  );
  const chosen = new Map<number, Candidate>();
  for (const c of bySum) if (!chosen.has(c.edge)) chosen.set(c.edge, c);
  return [...chosen.values()]
    .sort((a, b) => a.edge - b.edge)
    .map((c) => ({ edge: c.edge, op: c.op, ntkRank: ntkRanks.get(c)!, regionsRank: lrRanks.get(c)! }));
}

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** κ = λ_max/λ_min of the empirical NTK (raw ratio, as ntk.py l.58), NaN when not finite. */
async function ntkCondition(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  images: Float32Array,
  n: number,
  bnMode: NtkOptions["bnMode"],
  runtime: RuntimeOptions,
): Promise<number> {
  const rows: Float32Array[] = [];
  await perSampleGradients(graph, weights, ntkParams(graph), images, n, bnMode, runtime, (row) =>
    rows.push(row),
  );
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const a = rows[i]!;
      const b = rows[j]!;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < a.length; k += 2) {
        s0 += a[k]! * b[k]!;
        s1 += a[k + 1]! * b[k + 1]!;
      }
      if (k < a.length) s0 += a[k]! * b[k]!;
      gram[i * n + j] = s0 + s1;
      gram[j * n + i] = s0 + s1;
    }
  if (gram.some((v) => !Number.isFinite(v))) return Number.NaN;
  const values = Float64Array.from(symmetricEigen(dense(n, n, gram)).values).sort();
  const cond = values[n - 1]! / values[0]!;
  return Number.isFinite(cond) ? cond : Number.NaN;
}

/** Distinct ReLU sign patterns (ReLUs on feature maps) over all `batches`, train-mode BN per batch. */
async function regionCount(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  batches: readonly Float32Array[],
  batchSize: number,
  runtime: RuntimeOptions,
): Promise<number> {
  const ids = [...reluInputs(graph, (n) => n.shape.length === 3).keys()];
  const units = ids.map((id) => numel(graph.nodes[id]!.shape));
  const probe = await NodeProbe.create(graph, {
    bnMode: "train",
    nodes: ids,
    baked: weights,
    runtime,
    timings: newTimings(),
  });
  try {
    const names = ids.map((id) => probe.outputName(id));
    const seen = new Set<string>();
    for (const data of batches) {
      const out = await probe.run({ data, count: batchSize }, names);
      distinctPatterns(
        names.map((name, t) => ({ values: out[name]!, units: units[t]! })),
        batchSize,
        seen,
      );
    }
    return seen.size;
  } finally {
    await probe.release();
  }
}

/** The space's supernet hook, or the error saying TE-NAS is not available there. */
export function supernetOf<A>(space: SearchSpace<A>) {
  if (!space.supernet)
    throw new Error(`TE-NAS is not available for space ${space.name}: it declares no supernet to prune`);
  return space.supernet;
}

function resolveSettings<A>(o: TenasOptions<A>): TenasSettings {
  const settings: TenasSettings = {
    ntk: { ...NTK_DEFAULTS, ...o.ntk },
    linearRegions: {
      batchSize: o.linearRegions?.batchSize ?? LINEAR_REGION_DEFAULTS.batchSize,
      batches: o.linearRegions?.batches ?? LINEAR_REGION_DEFAULTS.batches,
      init: o.linearRegions?.init ?? LINEAR_REGION_DEFAULTS.init,
    },
    repeats: o.repeats ?? TENAS_REPEATS,
    channels: o.channels ?? 3,
    cellsPerStage: o.cellsPerStage ?? 1,
    precision: o.precision ?? 3,
    ops: [...(o.ops ?? supernetOf(o.space).ops)],
    edgeWeighting: o.edgeWeighting ?? "mean",
  };
  const positive = {
    repeats: settings.repeats,
    channels: settings.channels,
    cellsPerStage: settings.cellsPerStage,
  };
  for (const [name, v] of Object.entries(positive))
    if (!(Number.isInteger(v) && v > 0))
      throw new Error(`tenas: ${name} must be a positive integer, got ${v}`);
  if (settings.ops.length < 1 || new Set(settings.ops).size !== settings.ops.length)
    throw new Error(`tenas: ops must be distinct and non-empty, got ${settings.ops.join(", ")}`);
  if (settings.ntk.batchSize > o.data.count)
    throw new Error(
      `tenas: NTK batch ${settings.ntk.batchSize} exceeds the ${o.data.count} images of ${o.data.name}`,
    );
  return settings;
}

/**
 * TE-NAS pruning from the space's supernet (NB201's in the reference): rounds of measuring, for every alive op on every edge
 * with more than one, the supernet without it; each round prunes one op per such edge, until one
 * op per edge is left (see the notes at the top of this file). Deterministic given the seed.
 */
export async function tenasPrune<A>(options: TenasOptions<A>): Promise<TenasResult<A>> {
  const start = performance.now();
  const s = resolveSettings(options);
  const supernet = supernetOf(options.space);
  const { data, seed, runtime } = options;
  const seconds = () => (performance.now() - start) / 1000;
  const buildOptions = {
    inputShape: [data.channels, data.height, data.width],
    numClasses: data.numClasses,
    channels: s.channels,
    cellsPerStage: s.cellsPerStage,
    edgeWeighting: s.edgeWeighting,
  };
  const size = imageSize(data);

  /** Per repeat: κ and region count of the supernet with `opSets`, at round `round`'s weights and inputs. */
  async function measure(opSets: OpSets, round: number, inputs: RoundInputs): Promise<Measurement> {
    const graph = supernet.build(opSets, buildOptions);
    const thin = supernet.thin(opSets, data.numClasses, s.edgeWeighting);
    const cond: number[] = [];
    const regions: number[] = [];
    for (let r = 0; r < s.repeats; r++) {
      const w = supernetWeights(graph, s.ntk.init, seed, "tenas-ntk", round, r);
      cond.push(await ntkCondition(graph, w, inputs.ntk[r]!, s.ntk.batchSize, s.ntk.bnMode, runtime));
      const wt = supernetWeights(thin, s.linearRegions.init, seed, "tenas-lr", round, r);
      regions.push(await regionCount(thin, wt, inputs.crops[r]!, s.linearRegions.batchSize, runtime));
    }
    return { cond, regions };
  }

  function roundInputs(round: number): RoundInputs {
    const ntk: Float32Array[] = [];
    const crops: Float32Array[][] = [];
    for (let r = 0; r < s.repeats; r++) {
      const picks = new Rng(seed, "tenas-ntk-batch", round, r)
        .permutation(data.count)
        .slice(0, s.ntk.batchSize);
      const batch = new Float32Array(picks.length * size);
      picks.forEach((p, i) => {
        batch.set(data.images.subarray(p * size, (p + 1) * size), i * size);
      });
      ntk.push(batch);
      const rng = new Rng(seed, "tenas-lr-inputs", round, r);
      crops.push(
        Array.from({ length: s.linearRegions.batches }, () =>
          randomCrops(data, supernet.thinInputShape, s.linearRegions.batchSize, rng),
        ),
      );
    }
    return { ntk, crops };
  }

  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let opSets: OpSets = Array.from({ length: supernet.edges }, () => [...s.ops]);
  const rounds: TenasPruneStep[][] = [];
  let evaluations = 0;
  let measurements = 0;
  for (let round = 0; opSets.some((ops) => ops.length > 1); round++) {
    const inputs = roundInputs(round);
    const origin = await measure(opSets, round, inputs);
    measurements++;
    const roundTotal = opSets.reduce((n, ops) => n + (ops.length > 1 ? ops.length : 0), 0);
    const candidates: Candidate[] = [];
    for (let edge = 0; edge < opSets.length; edge++) {
      const alive = opSets[edge]!;
      if (alive.length === 1) continue;
      for (const op of alive) {
        const pruned = opSets.map((ops, e) => (e === edge ? ops.filter((o) => o !== op) : ops));
        const m = await measure(pruned, round, inputs);
        measurements++;
        evaluations++;
        const change = (a: readonly number[], b: readonly number[]) =>
          mean(a.map((o, r) => pyRound((o - b[r]!) / o, s.precision)));
        candidates.push({
          edge,
          op,
          ntkCond: mean(m.cond),
          linearRegions: mean(m.regions),
          ntkChange: change(origin.cond, m.cond),
          regionsChange: change(origin.regions, m.regions),
        });
        options.onEvaluation?.({ round, edge, op, done: candidates.length, roundTotal, seconds: seconds() });
      }
    }
    const steps = chooseTenasPrunes(candidates, s.precision).map((choice): TenasPruneStep => {
      const c = candidates.find((x) => x.edge === choice.edge && x.op === choice.op)!;
      return {
        edge: c.edge,
        pruned: c.op,
        ntkCond: c.ntkCond,
        linearRegions: c.linearRegions,
        ntkChange: c.ntkChange,
        regionsChange: c.regionsChange,
        ntkRank: choice.ntkRank,
        regionsRank: choice.regionsRank,
      };
    });
    opSets = opSets.map((ops, e) => {
      const step = steps.find((p) => p.edge === e);
      return step ? ops.filter((o) => o !== step.pruned) : ops;
    });
    rounds.push(steps);
    options.onRound?.({
      round,
      pruned: steps,
      opSets,
      originNtkCond: mean(origin.cond),
      originLinearRegions: mean(origin.regions),
      evaluations,
      seconds: seconds(),
    });
  }
  const arch = supernet.arch(opSets.map((ops) => ops[0]!));
  return {
    arch,
    archStr: options.space.format(arch),
    rounds,
    evaluations,
    ntkRuns: measurements * s.repeats,
    regionRuns: measurements * s.repeats,
    seconds: seconds(),
    settings: s,
  };
}

interface RoundInputs {
  /** Per repeat: one NTK batch. */
  readonly ntk: readonly Float32Array[];
  /** Per repeat: the crop batches. */
  readonly crops: readonly (readonly Float32Array[])[];
}

interface Measurement {
  readonly cond: readonly number[];
  readonly regions: readonly number[];
}
