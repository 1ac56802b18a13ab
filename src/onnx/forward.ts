// Running one random draw of a network over many images. Weights are baked into the model as
// initializers: ONNX Runtime's NCHWc layout pass only rewrites convs with constant weights, and
// measured here that makes the forward ~2.2× faster than feeding weights as inputs, far more than
// the ~60 ms a session costs to create (see docs/performance.md).
import type { Graph, Node } from "../ir/graph.js";
import { batchNormNodes, numel } from "../ir/graph.js";
import { batchMeanName, batchVarName, compileToOnnx, runningMeanName, runningVarName } from "./compile.js";
import { OnnxSession, type RuntimeOptions } from "./runtime.js";

export interface Images {
  /** count × (per-sample shape) float32 values. */
  readonly data: Float32Array;
  readonly count: number;
}

export interface BatchNormStatistics {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

export interface ForwardTimings {
  /** Seconds spent compiling and creating sessions. */
  setup: number;
  /** Seconds inside ONNX Runtime's run. */
  run: number;
}

export function newTimings(): ForwardTimings {
  return { setup: 0, run: 0 };
}

async function createSession(
  graph: Graph,
  initializers: ReadonlyMap<string, Float32Array>,
  bnMode: "inference" | "train",
  outputs: ReadonlyArray<"features" | "logits">,
  runtime: RuntimeOptions,
  timings: ForwardTimings,
): Promise<OnnxSession> {
  const start = performance.now();
  const compiled = compileToOnnx(graph, { bnMode, initializers, outputs });
  if (compiled.weightInputs.length > 0)
    throw new Error(`unbound weights: ${compiled.weightInputs.join(", ")}`);
  const session = await OnnxSession.create(compiled.bytes, runtime);
  timings.setup += (performance.now() - start) / 1000;
  return session;
}

function slice(graph: Graph, images: Images, from: number, to: number) {
  const per = numel(graph.inputShape);
  return { data: images.data.subarray(from * per, to * per), dims: [to - from, ...graph.inputShape] };
}

/**
 * The chosen output for every image of each set, computed in chunks of `batchSize` with one
 * session. In `train` BN mode each chunk is normalised with its own statistics, as a network in
 * training mode would.
 */
export async function forwardOutput(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  sets: readonly Images[],
  o: {
    output: "features" | "logits";
    bnMode: "inference" | "train";
    batchSize: number;
    runtime: RuntimeOptions;
    timings: ForwardTimings;
  },
): Promise<Float32Array[]> {
  const session = await createSession(graph, weights, o.bnMode, [o.output], o.runtime, o.timings);
  try {
    const dim = numel(graph.nodes[graph[o.output]]!.shape);
    const outputs: Float32Array[] = [];
    for (const images of sets) {
      const out = new Float32Array(images.count * dim);
      for (let from = 0; from < images.count; from += o.batchSize) {
        const to = Math.min(images.count, from + o.batchSize);
        const start = performance.now();
        const result = await session.run({ input: slice(graph, images, from, to) }, [o.output]);
        o.timings.run += (performance.now() - start) / 1000;
        out.set(result[o.output]!.data, from * dim);
      }
      outputs.push(out);
    }
    return outputs;
  } finally {
    await session.release();
  }
}

/** Batch statistics of every BN layer for one train-mode pass over `images` (biased variance). */
export async function batchStatistics(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  images: Images,
  runtime: RuntimeOptions,
  timings: ForwardTimings,
): Promise<Map<Node, BatchNormStatistics>> {
  const session = await createSession(graph, weights, "train", ["features"], runtime, timings);
  try {
    const bns = batchNormNodes(graph);
    const start = performance.now();
    const result = await session.run(
      { input: slice(graph, images, 0, images.count) },
      bns.flatMap((bn) => [batchMeanName(bn), batchVarName(bn)]),
    );
    timings.run += (performance.now() - start) / 1000;
    return new Map(
      bns.map((bn) => [
        bn,
        { mean: result[batchMeanName(bn)]!.data, variance: result[batchVarName(bn)]!.data },
      ]),
    );
  } finally {
    await session.release();
  }
}

/**
 * Running statistics after one moving-average update from fresh ones (mean 0, var 1), as TF's
 * batch_normalization does in training mode: moving = momentum·old + (1−momentum)·batch, with the
 * batch variance Bessel-corrected over the batchCount × H × W values per channel it came from.
 */
export function runningStatisticsAfterOneUpdate(
  stats: ReadonlyMap<Node, BatchNormStatistics>,
  momentum: number,
  batchCount: number,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [bn, { mean, variance }] of stats) {
    const n = batchCount * numel(bn.shape.slice(1));
    const bessel = n > 1 ? n / (n - 1) : 1;
    out.set(
      runningMeanName(bn),
      mean.map((m) => (1 - momentum) * m),
    );
    out.set(
      runningVarName(bn),
      variance.map((v) => momentum + (1 - momentum) * v * bessel),
    );
  }
  return out;
}

/** Running statistics of freshly initialised BN layers (mean 0, var 1). */
export function freshRunningStatistics(graph: Graph): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const bn of batchNormNodes(graph)) {
    out.set(runningMeanName(bn), new Float32Array(bn.shape[0]!));
    out.set(runningVarName(bn), new Float32Array(bn.shape[0]!).fill(1));
  }
  return out;
}
