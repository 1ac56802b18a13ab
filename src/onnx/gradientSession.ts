// Running a compiled gradient model: weights baked in (as for the forward), images and the loss's
// target (one-hot labels or a seed) fed per call.
import type { Graph } from "../ir/graph.js";
import { bakedSession, type ForwardTimings } from "./forward.js";
import { compileGradient, type GradientOptions } from "./gradient.js";
import type { ByteTensorData, OnnxSession, RuntimeOptions, TensorData } from "./runtime.js";

export class GradientSession {
  private constructor(
    private readonly graph: Graph,
    private readonly session: OnnxSession,
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
    const session = await bakedSession(compile, runtime, timings, true);
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
  ): Promise<Record<string, TensorData & { bytes?: Uint8Array }>> {
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
