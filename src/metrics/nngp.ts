// MC-NNGP score (Park et al. 2020, "Towards NNGP-guided Neural Architecture Search"): the validation
// accuracy of kernel regression with the Monte-Carlo NNGP kernel of the network at initialisation.
import { type ImageSet, subset, takeFirst } from "../data/imageSet.js";
import type { Graph } from "../ir/graph.js";
import { type InitScheme, initWeights } from "../ir/init.js";
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

/**
 * - `reference`: one train-mode moving-statistics update (momentum 0.997) on a random batch, then all
 *   features in inference mode — the nngp_nas notebook.
 * - `train`: features with batch statistics, chunk by chunk (what most zero-cost proxies use).
 */
export type NngpBatchNorm = "reference" | "train";

export interface NngpOptions {
  readonly ensemble: number;
  readonly batchNorm: NngpBatchNorm;
  readonly init: InitScheme;
  /** Images per ONNX Runtime call. */
  readonly batchSize: number;
  /** Size of the random training batch of the reference BN update. */
  readonly bnUpdateBatch: number;
  readonly bnMomentum: number;
  /** ε values; the ridge is ε·tr(K_tt)/n_t. */
  readonly epsilons: readonly number[];
  readonly seed: number;
}

export const NNGP_DEFAULTS: NngpOptions = {
  ensemble: 4,
  batchNorm: "reference",
  init: "variance_scaling",
  batchSize: 64,
  bnUpdateBatch: 100,
  bnMomentum: 0.997,
  epsilons: logspace(-7, 2, 20),
  seed: 0,
};

/**
 * Named settings for the CLI. `default` is the reference (DESIGN.md §3); `fast` runs in under a
 * second per NB201 cell but measured no ranking signal there (docs/nngp-nb201.md).
 */
export const NNGP_PRESETS = {
  default: { nTrain: 1000, nVal: 500, ensemble: 4, bnUpdateBatch: 100 },
  // The BN update moves running statistics by only 0.3% (momentum 0.997), so a small batch suffices.
  fast: { nTrain: 200, nVal: 100, ensemble: 2, bnUpdateBatch: 32 },
} as const;

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

export async function nngpScore(
  graph: Graph,
  data: NngpData,
  options: Partial<NngpOptions> = {},
  runtime: RuntimeOptions = {},
): Promise<NngpResult> {
  const o = { ...NNGP_DEFAULTS, ...options };
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
