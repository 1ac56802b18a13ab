// Running a compiled gradient model: weights baked in (as for the forward), images and the loss's
// target (one-hot labels or a seed) fed per call.

import type { Graph } from "../ir/graph.js";
import type { ForwardTimings } from "./forward.js";
import { compileGradient, type GradientOptions } from "./gradient.js";
import { defaultThreads, ort } from "./ort.js";
import {
  type ByteTensorData,
  fromOrtResult,
  type RuntimeOptions,
  type TensorData,
  toOrtFeeds,
} from "./runtime.js";

/**
 * ORT graph transformers that never change a gradient model (ORT's verbose log reports "modified:
 * 0" for every one of them on NB201 cells: quantisation, attention, GELU/LayerNorm fusions, NHWC,
 * fp16, ...). Each still walks the ~1,600-node graph once or twice, so skipping them cuts session
 * creation by ~20% (430 → 340 ms CPU, one thread, NB201 cell); runs are unchanged and outputs
 * bit-identical. What does change these models stays on: Level1_RuleBasedTransformer,
 * CommonSubexpressionElimination, ConstantFolding, MatmulTransposeFusion, ConvActivationFusion and
 * the NchwcTransformer (the fast conv path). Unknown names are ignored by ORT.
 */
const IDLE_TRANSFORMERS = [
  "AttentionFusion",
  "BiasDropoutFusion",
  "BiasGeluFusion",
  "BiasSkipLayerNormFusion",
  "BiasSoftmaxFusion",
  "CastFloat16Transformer",
  "ConstantSharing",
  "ConvAddActivationFusion",
  "DoubleQDQPairsRemover",
  "DynamicQuantizeMatMulFusion",
  "EmbedLayerNormFusion",
  "EnsureUniqueDQForNodeUnit",
  "FastGeluFusion",
  "FreeDimensionOverrideTransformer",
  "FuseFp16InitializerToFp32NodeTransformer",
  "GatherSliceToSplitFusion",
  "GatherToSliceFusion",
  "GeluFusionL1",
  "GeluFusionL2",
  "GemmActivationFusion",
  "GroupQueryAttentionFusion",
  "GroupQueryAttentionPreNormFusion",
  "LayerNormFusionL1",
  "LayerNormFusionL2",
  "MatMulActivationFusion",
  "MatMulAddFusion",
  "MatMulIntegerToFloatFusion",
  "MatMulNBitsFusion",
  "MatMulScaleFusion",
  "MemcpyTransformer",
  "NhwcTransformer",
  "QDQFinalCleanupTransformer",
  "QDQPropagationTransformer",
  "QDQS8ToU8Transformer",
  "QDQSelectorActionTransformer",
  "QuickGeluFusion",
  "RemoveDuplicateCastTransformer",
  "ReshapeFusion",
  "SimplifiedLayerNormFusion",
  "SkipLayerNormFusion",
  "SliceConcatToSpaceToDepthFusion",
  "TransposeOptimizer",
  "TransposeOptimizer_CPUExecutionProvider",
  "WeightBiasQuantization",
  "WhereDummyDq",
];

type Feeds = Record<string, TensorData | ByteTensorData>;
export type Outputs = Record<string, TensorData & { bytes?: Uint8Array }>;

/**
 * A session over a gradient model that serves one or a few runs (one architecture's metric): as
 * OnnxSession.create with `runOnce` (no memory-pattern planning), and the idle transformers off.
 */
export class GradientModelSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(bytes: Uint8Array, runtime: RuntimeOptions): Promise<GradientModelSession> {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: runtime.threads ?? defaultThreads(),
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      executionProviders: [...(runtime.executionProviders ?? ["cpu"])],
      enableMemPattern: false,
      extra: { optimization: { disable_specified_optimizers: IDLE_TRANSFORMERS.join(";") } },
    });
    return new GradientModelSession(session);
  }

  async run(feeds: Feeds): Promise<Outputs> {
    return fromOrtResult(await this.session.run(toOrtFeeds(feeds)));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Compiles (weights baked in) and creates the session; both count as setup in `timings`. */
export async function bakedGradientSession(
  compile: () => { bytes: Uint8Array; weightInputs: readonly string[] },
  runtime: RuntimeOptions,
  timings?: ForwardTimings,
): Promise<GradientModelSession> {
  const start = performance.now();
  const compiled = compile();
  if (compiled.weightInputs.length > 0)
    throw new Error(`unbound weights: ${compiled.weightInputs.join(", ")}`);
  const session = await GradientModelSession.create(compiled.bytes, runtime);
  if (timings) timings.setup += (performance.now() - start) / 1000;
  return session;
}

export class GradientSession {
  private constructor(
    private readonly graph: Graph,
    private readonly session: GradientModelSession,
    private readonly loss: GradientOptions["loss"],
    private readonly timings?: ForwardTimings,
  ) {}

  static async create(
    graph: Graph,
    weights: ReadonlyMap<string, Float32Array>,
    options: Omit<GradientOptions, "initializers">,
    runtime: RuntimeOptions,
    timings?: ForwardTimings,
  ): Promise<GradientSession> {
    const compile = () => compileGradient(graph, { ...options, initializers: weights });
    const session = await bakedGradientSession(compile, runtime, timings);
    return new GradientSession(graph, session, options.loss, timings);
  }

  /**
   * One forward and backward pass over `count` images. `target` is one-hot labels for the
   * cross-entropy loss or the seed for the seeded loss, [count, classes].
   */
  async run(
    images: Float32Array,
    count: number,
    target: Float32Array,
    extra: Record<string, ByteTensorData> = {},
  ): Promise<Outputs> {
    const classes = this.graph.nodes[this.graph.logits]!.shape[0]!;
    const start = performance.now();
    const result = await this.session.run({
      input: { data: images, dims: [count, ...this.graph.inputShape] },
      [this.loss === "cross_entropy" ? "labels" : "seed"]: { data: target, dims: [count, classes] },
      ...extra,
    });
    if (this.timings) this.timings.run += (performance.now() - start) / 1000;
    return result;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** One-hot rows for class labels. */
export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]!] = 1;
  return out;
}
