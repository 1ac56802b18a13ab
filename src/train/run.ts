// Training one architecture of any space end to end: data, network, identity, the loop. The CLI's
// `train`, the `train:E` search objective and the study scripts all go through here.

import { downsample } from "../data/imageSet.js";
import { type LoadedDataset, loadDataset } from "../data/index.js";
import type { Graph } from "../ir/graph.js";
import { compileToOnnx } from "../onnx/compile.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import type { SearchSpace } from "../spaces/space.js";
import type { TrainConfig } from "./config.js";
import {
  type EpochRecord,
  type StepProgress,
  type TrainData,
  type TrainResult,
  trainNetwork,
} from "./trainer.js";

export interface DataSpec {
  /** As `--data` takes it (see data/index.ts). */
  readonly spec: string;
  readonly seed: number;
  /** Training images (default all the source's training split). */
  readonly trainCount?: number;
  /** Validation images, from the source's test split (default all of it). */
  readonly valCount?: number;
  /** Shrink images by this factor (block averages), a reduced-resolution proxy; default 1. */
  readonly downsample?: number;
}

export interface LoadedTrainData extends TrainData {
  readonly dataset: LoadedDataset;
}

export function loadTrainData(data: DataSpec): LoadedTrainData {
  const dataset = loadDataset(data.spec, {
    seed: data.seed,
    ...(data.trainCount !== undefined ? { trainCount: data.trainCount } : {}),
    ...(data.valCount !== undefined ? { testCount: data.valCount } : {}),
  });
  const factor = data.downsample ?? 1;
  return {
    dataset,
    train: downsample(dataset.train, factor),
    ...(dataset.test ? { val: downsample(dataset.test, factor) } : {}),
    padValue: dataset.mean.map((m, c) => -m / dataset.std[c]!),
  };
}

export interface TrainRequest<Arch> {
  readonly space: SearchSpace<Arch>;
  readonly arch: Arch;
  readonly data: DataSpec;
  readonly config: TrainConfig;
  readonly runtime: RuntimeOptions;
  readonly checkpoint?: string;
  readonly budgetSeconds?: number;
  onEpoch?(record: EpochRecord): void;
  onStep?(progress: StepProgress): void;
}

/** Everything a run's result depends on; a checkpoint resumes only under an equal identity. */
export function trainIdentity<Arch>(request: TrainRequest<Arch>, loaded: LoadedTrainData) {
  return {
    space: request.space.name,
    arch: request.space.format(request.arch),
    data: {
      spec: request.data.spec,
      seed: request.data.seed,
      downsample: request.data.downsample ?? 1,
      train: loaded.train.count,
      val: loaded.val?.count ?? 0,
    },
    settings: request.config,
    threads: request.runtime.threads ?? null,
  };
}

export interface TrainedArchitecture extends TrainResult {
  readonly graph: Graph;
  readonly identity: ReturnType<typeof trainIdentity>;
}

export async function trainArchitecture<Arch>(
  request: TrainRequest<Arch>,
  loaded: LoadedTrainData = loadTrainData(request.data),
): Promise<TrainedArchitecture> {
  const { train } = loaded;
  const graph = request.space.build(request.arch, {
    inputShape: [train.channels, train.height, train.width],
    numClasses: train.numClasses,
  });
  const identity = trainIdentity(request, loaded);
  const result = await trainNetwork(graph, loaded, request.config, {
    runtime: request.runtime,
    ...(request.checkpoint ? { checkpoint: { file: request.checkpoint, identity } } : {}),
    ...(request.budgetSeconds !== undefined ? { budgetSeconds: request.budgetSeconds } : {}),
    ...(request.onEpoch ? { onEpoch: request.onEpoch } : {}),
    ...(request.onStep ? { onStep: request.onStep } : {}),
  });
  return { ...result, graph, identity };
}

/** The trained network as a standalone ONNX model (weights and running statistics baked in). */
export function exportTrained(trained: TrainedArchitecture): Uint8Array {
  return compileToOnnx(trained.graph, {
    bnMode: "inference",
    initializers: trained.tensors,
    outputs: ["logits", "features"],
  }).bytes;
}
