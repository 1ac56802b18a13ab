// Short training as a search objective (`train:E`): the run's settings with the schedule compressed
// to E epochs (as NAS-Bench-101's 4/12/36/108-epoch budgets each run a full cosine schedule), its
// final validation accuracy as the value. Data are loaded once for all architectures.
import type { RuntimeOptions } from "../onnx/runtime.js";
import type { ShortTrainer } from "../search/objective.js";
import type { SearchSpace } from "../spaces/space.js";
import type { TrainConfig } from "./config.js";
import { type DataSpec, type LoadedTrainData, loadTrainData, trainArchitecture } from "./run.js";

export function shortTrainer(options: {
  readonly space: SearchSpace<unknown>;
  readonly data: DataSpec;
  readonly config: TrainConfig;
  readonly runtime: RuntimeOptions;
}): ShortTrainer {
  let loaded: LoadedTrainData | undefined;
  return {
    async train(archStr, epochs) {
      loaded ??= loadTrainData(options.data);
      const config = { ...options.config, run: { ...options.config.run, epochs } };
      const r = await trainArchitecture(
        {
          space: options.space,
          arch: options.space.parse(archStr),
          data: options.data,
          config,
          runtime: options.runtime,
        },
        loaded,
      );
      const last = r.records.at(-1);
      const accuracy = last ? (last.val_accuracy ?? last.train_accuracy) : null;
      if (r.stopped === "diverged")
        return { values: { [`train_${epochs}`]: null, [`train_${epochs}_loss`]: null }, reason: r.reason! };
      return {
        values: { [`train_${epochs}`]: accuracy, [`train_${epochs}_loss`]: last?.train_loss ?? null },
      };
    },
  };
}
