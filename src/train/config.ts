// A training run's settings: one valibot schema per part (run, schedule, optimizer), checked before
// any work, and one canonical identity that a checkpoint must match to be resumed.
import * as v from "valibot";
import { between, flag, initScheme, integer, option, resolveOptions } from "../metrics/options.js";
import { getOptimizer } from "./optimizers/index.js";
import { type ScheduleOptions, scheduleOptions } from "./schedule.js";

export const runOptions = v.strictObject({
  epochs: option(integer(1, 100000), 12),
  batchSize: option(integer(2, 65536), 64),
  /** Images per evaluation call (no effect on values). */
  evalBatchSize: option(integer(1, 65536), 250),
  labelSmoothing: option(between(0, 0.999), 0),
  /** Random-crop padding for [C,H,W] inputs (torchvision RandomCrop(size, padding)); 0 is off. */
  cropPadding: option(integer(0, 64), 4),
  flip: option(flag(), true),
  init: option(initScheme(), "kaiming_normal"),
  /** PyTorch's BatchNorm momentum for the running statistics used in evaluation. */
  bnMomentum: option(between(0, 1), 0.1),
  seed: option(integer(0), 0),
});
export type RunOptions = v.InferOutput<typeof runOptions>;

export interface TrainConfig {
  readonly run: RunOptions;
  readonly schedule: ScheduleOptions;
  readonly optimizer: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
}

export interface TrainConfigInput {
  readonly run?: Readonly<Record<string, unknown>>;
  readonly schedule?: Readonly<Record<string, unknown>>;
  readonly optimizer?: string;
  readonly optimizerOptions?: Readonly<Record<string, unknown>>;
}

/** Checks every part and fills defaults; throws one error naming the part, key and what is allowed. */
export function resolveTrainConfig(input: TrainConfigInput = {}): TrainConfig {
  const optimizer = getOptimizer(input.optimizer ?? "sgd");
  return {
    run: resolveOptions("train", runOptions, input.run),
    schedule: resolveOptions("schedule", scheduleOptions, input.schedule),
    optimizer: {
      name: optimizer.name,
      options: resolveOptions(optimizer.name, optimizer.options, input.optimizerOptions),
    },
  };
}

export { canonicalJson, differences, flatten } from "../util/canonical.js";
