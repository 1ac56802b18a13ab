// Scores one architecture string at a time with fixed settings: the per-architecture step that
// `nasprobe score` loops over and that a search's training-free objective calls. Data are loaded
// once per scorer; failures become null values plus a reason, never an exception that ends a sweep.
import { loadDataset } from "../data/index.js";
import type { InitScheme } from "../ir/init.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import type { SearchSpace } from "../spaces/space.js";
import { getMetric } from "./index.js";
import { Memo } from "./metric.js";
import { NNGP_DEFAULTS, NNGP_PRESETS, type NngpBatchNorm, nngpScore, nngpSplit } from "./nngp.js";

export interface ArchScore {
  /** Every value the metrics report; null where a value is not finite or the metric failed. */
  readonly values: Record<string, number | null>;
  /** Why a metric gave no finite value, by metric name. */
  readonly reasons: Record<string, string>;
  readonly seconds: Record<string, number>;
}

export interface Scorer {
  /** The settings that determine the values (stored with every record; resuming compares them). */
  readonly settings: Record<string, unknown>;
  score(archStr: string): Promise<ArchScore>;
}

/** Images the zero-cost metrics may take from the front of the data (NASWOT's 128 is the most). */
const ZERO_COST_IMAGES = 256;

export interface ZeroCostScorerOptions {
  readonly space: SearchSpace<unknown>;
  readonly data: string;
  readonly dataSeed: number;
  readonly seed: number;
  readonly runtime: RuntimeOptions;
  readonly metrics: readonly string[];
  /** Per-metric option overrides, e.g. { ntk: { batchSize: 32 } }. */
  readonly overrides?: Record<string, Record<string, unknown>>;
}

/** Every named metric but NNGP, sharing one Memo per architecture. */
export function zeroCostScorer(o: ZeroCostScorerOptions): Scorer {
  const metrics = o.metrics.map(getMetric);
  const overrides = o.overrides ?? {};
  const dataset = loadDataset(o.data, { seed: o.dataSeed, trainCount: ZERO_COST_IMAGES });
  const data = dataset.train;
  const inputShape = [data.channels, data.height, data.width];
  return {
    settings: {
      data: o.data,
      data_seed: o.dataSeed,
      metrics: [...o.metrics],
      ...(Object.keys(overrides).length > 0 ? { options: overrides } : {}),
    },
    async score(archStr) {
      const graph = o.space.build(o.space.parse(archStr), { inputShape, numClasses: data.numClasses });
      const input = { graph, data, seed: o.seed, runtime: o.runtime, memo: new Memo() };
      const values: Record<string, number | null> = {};
      const reasons: Record<string, string> = {};
      const seconds: Record<string, number> = {};
      for (const metric of metrics) {
        const start = performance.now();
        try {
          const r = await metric.compute(input, overrides[metric.name]);
          for (const [k, v] of Object.entries(r.values)) values[k] = Number.isFinite(v) ? v : null;
          if (r.reason) reasons[metric.name] = r.reason;
        } catch (error) {
          for (const v of metric.values) values[v.name] = null;
          reasons[metric.name] = error instanceof Error ? error.message : String(error);
        }
        seconds[metric.name] = (performance.now() - start) / 1000;
      }
      return { values, reasons, seconds };
    },
  };
}

export interface NngpScorerOptions {
  readonly space: SearchSpace<unknown>;
  readonly data: string;
  readonly dataSeed: number;
  readonly seed: number;
  readonly runtime: RuntimeOptions;
  readonly preset?: keyof typeof NNGP_PRESETS;
  readonly nTrain?: number;
  readonly nVal?: number;
  readonly ensemble?: number;
  readonly bn?: NngpBatchNorm;
  readonly init?: InitScheme;
  readonly batchSize?: number;
}

/** NNGP kernel-regression validation accuracy (values `score`, `held_out_score`). */
export function nngpScorer(o: NngpScorerOptions): Scorer {
  const preset = NNGP_PRESETS[o.preset ?? "default"];
  if (!preset)
    throw new Error(`unknown preset "${o.preset}" (known: ${Object.keys(NNGP_PRESETS).join(", ")})`);
  const nTrain = o.nTrain ?? preset.nTrain;
  const nVal = o.nVal ?? preset.nVal;
  const ensemble = o.ensemble ?? preset.ensemble;
  const bn = o.bn ?? NNGP_DEFAULTS.batchNorm;
  const init = o.init ?? NNGP_DEFAULTS.init;
  const dataset = loadDataset(o.data, { seed: o.dataSeed, trainCount: nTrain + nVal });
  const { train, val } = nngpSplit(dataset.train, nTrain, nVal);
  const inputShape = [train.channels, train.height, train.width];
  return {
    settings: {
      data: o.data,
      data_seed: o.dataSeed,
      n_train: nTrain,
      n_val: nVal,
      ensemble,
      bn,
      bn_update_batch: preset.bnUpdateBatch,
      init,
    },
    async score(archStr): Promise<ArchScore> {
      const graph = o.space.build(o.space.parse(archStr), { inputShape, numClasses: train.numClasses });
      const start = performance.now();
      try {
        const r = await nngpScore(
          graph,
          { train, val },
          {
            ensemble,
            batchNorm: bn,
            init,
            seed: o.seed,
            batchSize: o.batchSize ?? NNGP_DEFAULTS.batchSize,
            bnUpdateBatch: preset.bnUpdateBatch,
          },
          o.runtime,
        );
        return {
          values: {
            score: r.score,
            held_out_score: r.heldOutScore,
            best_epsilon: r.bestEpsilon,
            failed_epsilons: r.failedEpsilons,
          },
          reasons: {},
          seconds: { total: (performance.now() - start) / 1000, ...r.timings },
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          values: { score: null, held_out_score: null },
          reasons: { nngp: message },
          seconds: { total: (performance.now() - start) / 1000 },
        };
      }
    },
  };
}
