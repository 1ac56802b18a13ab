// MC-NNGP score (Park et al. 2020, "Towards NNGP-guided Neural Architecture Search"): the validation
// accuracy of kernel regression with the Monte-Carlo NNGP kernel of the network at initialisation.
import * as v from "valibot";
import { type ImageSet, subset, takeFirst } from "../data/imageSet.js";
import type { Graph } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import {
  argmaxAccuracy,
  type Dense,
  dense,
  kernelRegressor,
  logspace,
  regressionTargets,
} from "../linalg/kernelRegression.js";
import {
  batchStatistics,
  type ForwardTimings,
  forwardOutput,
  freshRunningStatistics,
  newTimings,
  runningStatisticsAfterOneUpdate,
} from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { defineMetric, frontSet, type Metric } from "./metric.js";
import {
  between,
  defaultsOf,
  initScheme,
  integer,
  type OptionsOf,
  oneOf,
  option,
  positiveList,
} from "./options.js";

/**
 * The options, with the reference settings as defaults (DESIGN.md §3). `batchNorm`:
 * - `reference`: one train-mode moving-statistics update (momentum 0.997) on a random batch, then all
 *   features in inference mode — the nngp_nas notebook.
 * - `train`: features with batch statistics, chunk by chunk (what most zero-cost proxies use).
 */
export const NNGP_OPTIONS = v.strictObject({
  /** Labelled images the kernel regression is fitted on: the first nTrain of the data. */
  nTrain: option(integer(1), 1000),
  /** Validation images, the nVal after them; held_out_score splits them in halves. */
  nVal: option(integer(2), 500),
  /** Random networks whose kernels are averaged. */
  ensemble: option(integer(1), 4),
  batchNorm: option(oneOf(["reference", "train"]), "reference"),
  init: option(initScheme(), "variance_scaling"),
  /** Images per ONNX Runtime call. */
  batchSize: option(integer(1), 64),
  /** Size of the random training batch of the reference BN update. */
  bnUpdateBatch: option(integer(1), 100),
  bnMomentum: option(between(0, 1), 0.997),
  /** ε values; the ridge is ε·tr(K_tt)/n_t. */
  epsilons: option(positiveList(), logspace(-7, 2, 20)),
});

export type NngpOptions = OptionsOf<typeof NNGP_OPTIONS>;

export type NngpBatchNorm = NngpOptions["batchNorm"];

export const NNGP_DEFAULTS: NngpOptions = defaultsOf(NNGP_OPTIONS);

/**
 * Named settings for the CLI (`--preset`), as option overrides. `default` is the reference
 * (DESIGN.md §3); `fast` runs in under a second per NB201 cell but measured no ranking signal there
 * (docs/nngp-nb201.md).
 */
export const NNGP_PRESETS = {
  default: {
    nTrain: NNGP_DEFAULTS.nTrain,
    nVal: NNGP_DEFAULTS.nVal,
    ensemble: NNGP_DEFAULTS.ensemble,
    bnUpdateBatch: NNGP_DEFAULTS.bnUpdateBatch,
  },
  // The BN update moves running statistics by only 0.3% (momentum 0.997), so a small batch suffices.
  fast: { nTrain: 200, nVal: 100, ensemble: 2, bnUpdateBatch: 32 },
} as const satisfies Record<string, Partial<NngpOptions>>;

/** The labelled images the kernel is fitted on and evaluated on. */
export interface NngpData {
  readonly train: ImageSet;
  readonly val: ImageSet;
}

/** The reference's split of a shuffled training set: train = the first nTrain, val = the last nVal. */
export function nngpSplit(set: ImageSet, nTrain: number, nVal: number): NngpData {
  if (set.count < nTrain + nVal) {
    throw new Error(`${set.name} has ${set.count} training images; n_train + n_val = ${nTrain + nVal}`);
  }
  return {
    train: takeFirst(set, nTrain),
    val: subset(
      set,
      Array.from({ length: nVal }, (_, i) => set.count - nVal + i),
    ),
  };
}

export interface NngpResult {
  /** Best validation accuracy over ε: the reference score (ε tuned on the validation set). */
  readonly score: number;
  readonly bestEpsilon: number;
  /**
   * Honest variant: ε chosen on one half of the validation set, accuracy measured on the other,
   * averaged over both ways round.
   */
  readonly heldOutScore: number;
  /** Accuracy for each ε, NaN where K_tt + λI was not numerically positive definite. */
  readonly accuracies: readonly number[];
  readonly failedEpsilons: number;
  readonly timings: { forward: number; setup: number; kernel: number; init: number };
}

/** Accuracy on `evalRows` of the ε chosen (first best) on `chooseRows`. */
function crossFitted(
  predictions: ReadonlyArray<Dense | undefined>,
  labels: Int32Array,
  chooseRows: number[],
  evalRows: number[],
): number {
  let best = -1;
  let bestIndex = -1;
  predictions.forEach((p, i) => {
    if (!p) return;
    const acc = argmaxAccuracy(p, labels, chooseRows);
    if (acc > best) {
      best = acc;
      bestIndex = i;
    }
  });
  const chosen = predictions[bestIndex];
  // Like the reference score, a network whose kernel never factorises (e.g. all-zero features) scores 0.
  return chosen ? argmaxAccuracy(chosen, labels, evalRows) : 0;
}

/** The MC-NNGP score of `graph` fitted on `data.train`, evaluated on `data.val` (nTrain/nVal unused). */
export async function nngpScore(
  graph: Graph,
  data: NngpData,
  options: Partial<NngpOptions> & { seed?: number } = {},
  runtime: RuntimeOptions = {},
): Promise<NngpResult> {
  const { seed = 0, ...given } = options;
  const o = { ...nngp.resolve(given), seed };
  const { train, val } = data;
  if (train.numClasses !== val.numClasses)
    throw new Error("train and validation sets disagree on the class count");
  const timings: ForwardTimings = newTimings();
  let initSeconds = 0;
  const featureDim = graph.nodes[graph.features]!.shape[0]!;
  const width = featureDim * o.ensemble;
  const gTrain = dense(train.count, width);
  const gVal = dense(val.count, width);
  const scale = 1 / Math.sqrt(o.ensemble);

  for (let member = 0; member < o.ensemble; member++) {
    const initStart = performance.now();
    const weights = initWeights(graph, o.init, o.seed, "nngp-member", member);
    initSeconds += (performance.now() - initStart) / 1000;
    let bnMode: "inference" | "train" = "train";
    if (o.batchNorm === "reference") {
      bnMode = "inference";
      const rng = new Rng(o.seed, "nngp-bn-batch", member);
      const batch = subset(
        train,
        rng.permutation(train.count).slice(0, Math.min(o.bnUpdateBatch, train.count)),
      );
      for (const [name, v] of freshRunningStatistics(graph)) weights.set(name, v);
      const stats = await batchStatistics(
        graph,
        weights,
        { data: batch.images, count: batch.count },
        runtime,
        timings,
      );
      for (const [name, v] of runningStatisticsAfterOneUpdate(stats, o.bnMomentum, batch.count)) {
        weights.set(name, v);
      }
    }
    const forward = { output: "features" as const, bnMode, batchSize: o.batchSize, runtime, timings };
    const [fTrain, fVal] = await forwardOutput(
      graph,
      weights,
      [
        { data: train.images, count: train.count },
        { data: val.images, count: val.count },
      ],
      forward,
    );
    // Concatenating members' features (scaled by 1/√M) makes G Gᵀ the ensemble average of F_m F_mᵀ.
    const place = (f: Float32Array, g: typeof gTrain) => {
      for (let i = 0; i < g.rows; i++) {
        for (let j = 0; j < featureDim; j++)
          g.data[i * width + member * featureDim + j] = f[i * featureDim + j]! * scale;
      }
    };
    place(fTrain!, gTrain);
    place(fVal!, gVal);
  }

  const kernelStart = performance.now();
  const regressor = kernelRegressor(gTrain, gVal, regressionTargets(train.labels, train.numClasses));
  const predictions = o.epsilons.map((eps) => regressor.predict(eps * regressor.meanDiagonal));
  const accuracies = predictions.map((p) => (p ? argmaxAccuracy(p, val.labels) : Number.NaN));
  let score = 0; // the reference starts from 0 and keeps it if every factorisation fails
  let bestEpsilon = Number.NaN;
  accuracies.forEach((acc, i) => {
    if (acc > score) {
      score = acc;
      bestEpsilon = o.epsilons[i]!;
    }
  });
  const half = Math.floor(val.count / 2);
  const a = Array.from({ length: half }, (_, i) => i);
  const b = Array.from({ length: val.count - half }, (_, i) => half + i);
  const heldOutScore =
    (crossFitted(predictions, val.labels, a, b) * b.length +
      crossFitted(predictions, val.labels, b, a) * a.length) /
    val.count;
  const kernelSeconds = (performance.now() - kernelStart) / 1000;

  return {
    score,
    bestEpsilon,
    heldOutScore,
    accuracies,
    failedEpsilons: accuracies.filter(Number.isNaN).length,
    timings: { forward: timings.run, setup: timings.setup, kernel: kernelSeconds, init: initSeconds },
  };
}

/**
 * NNGP through the Metric contract: the data's first nTrain + nVal images, split as the reference
 * splits its shuffled training set (train = the first nTrain, validation = the last nVal).
 */
export const nngp: Metric<NngpOptions> = defineMetric({
  name: "nngp",
  description:
    "MC-NNGP: validation accuracy of kernel regression with the network's Monte-Carlo NNGP kernel (google-research nngp_nas)",
  values: [
    {
      name: "score",
      higherIsBetter: true,
      description:
        "NNGP validation accuracy, best over the ε grid (the reference: ε tuned on the validation set)",
    },
    {
      name: "held_out_score",
      higherIsBetter: true,
      description:
        "NNGP validation accuracy with ε chosen on one half of the validation set, measured on the other",
    },
  ],
  options: NNGP_OPTIONS,
  images: (o) => o.nTrain + o.nVal,
  // The record format of its result files (docs/results/nb201-nngp-*.jsonl), so they resume.
  recordSettings(o) {
    const other = (["batchSize", "bnMomentum", "epsilons"] as const).filter(
      (k) => JSON.stringify(o[k]) !== JSON.stringify(NNGP_DEFAULTS[k]),
    );
    return {
      n_train: o.nTrain,
      n_val: o.nVal,
      ensemble: o.ensemble,
      bn: o.batchNorm,
      bn_update_batch: o.bnUpdateBatch,
      init: o.init,
      ...(other.length > 0 ? { options: Object.fromEntries(other.map((k) => [k, o[k]])) } : {}),
    };
  },
  async run(input, o) {
    const data = nngpSplit(frontSet(input.data, o.nTrain + o.nVal), o.nTrain, o.nVal);
    const r = await nngpScore(input.graph, data, { ...o, seed: input.seed }, input.runtime);
    return {
      values: { score: r.score, held_out_score: r.heldOutScore },
      diagnostics: { best_epsilon: r.bestEpsilon, failed_epsilons: r.failedEpsilons },
    };
  },
});
