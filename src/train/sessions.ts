// The two sessions a training run creates once and reuses for every step: the training step
// (forward with batch-statistics BN, softmax cross-entropy on fed soft labels, the backward of every
// parameter) and the evaluation forward (running-statistics BN). Weights change every step, so they
// are graph inputs here, not baked initializers as in the training-free metrics.
import { batchNormNodes, type Graph } from "../ir/graph.js";
import {
  batchMeanName,
  batchVarName,
  compileToOnnx,
  runningMeanName,
  runningVarName,
} from "../onnx/compile.js";
import { compileGradient, gradName } from "../onnx/gradient.js";
import { OnnxSession, type RuntimeOptions, type TensorData } from "../onnx/runtime.js";
import type { Tensors } from "./optimizers/index.js";

export interface StepResult {
  readonly loss: number;
  /** [count, classes] */
  readonly logits: Float32Array;
  readonly grads: Map<string, Float32Array>;
  /** Per BN node name: the batch's mean and (biased) variance. */
  readonly batchStats: Map<string, { mean: Float32Array; variance: Float32Array }>;
}

/** Shapes of the graph inputs a session reads besides the images. */
function feeds(
  names: readonly string[],
  shapes: ReadonlyMap<string, readonly number[]>,
  values: ReadonlyMap<string, Float32Array>,
): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const name of names) {
    const data = values.get(name);
    if (!data) throw new Error(`no value for ${name}`);
    out[name] = { data, dims: shapes.get(name)! };
  }
  return out;
}

function tensorShapes(graph: Graph): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  for (const node of graph.nodes) for (const p of node.params) shapes.set(p.name, p.shape);
  for (const bn of batchNormNodes(graph)) {
    shapes.set(runningMeanName(bn), [bn.shape[0]!]);
    shapes.set(runningVarName(bn), [bn.shape[0]!]);
  }
  return shapes;
}

/** A session whose weights (and BN statistics) are fed on every run. */
abstract class FedWeightsSession {
  protected constructor(
    protected readonly graph: Graph,
    private readonly session: OnnxSession,
    private readonly weightInputs: readonly string[],
    private readonly shapes: Map<string, readonly number[]>,
  ) {}

  protected run(images: Float32Array, count: number, tensors: ReadonlyMap<string, Float32Array>, extra = {}) {
    return this.session.run({
      input: { data: images, dims: [count, ...this.graph.inputShape] },
      ...extra,
      ...feeds(this.weightInputs, this.shapes, tensors),
    });
  }

  protected get fed(): readonly string[] {
    return this.weightInputs;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export class TrainStepSession extends FedWeightsSession {
  static async create(graph: Graph, runtime: RuntimeOptions): Promise<TrainStepSession> {
    const model = compileGradient(graph, { bnMode: "train", loss: "cross_entropy", logits: true });
    const session = await OnnxSession.create(model.bytes, runtime);
    return new TrainStepSession(graph, session, model.weightInputs, tensorShapes(graph));
  }

  /** One forward and backward over `count` images with soft labels [count, classes]. */
  async step(
    images: Float32Array,
    count: number,
    labels: Float32Array,
    params: Tensors,
  ): Promise<StepResult> {
    const classes = this.graph.nodes[this.graph.logits]!.shape[0]!;
    const out = await this.run(images, count, params, { labels: { data: labels, dims: [count, classes] } });
    const grads = new Map<string, Float32Array>();
    for (const name of this.fed) {
      const g = out[gradName(name)];
      if (g) grads.set(name, g.data);
    }
    const batchStats = new Map<string, { mean: Float32Array; variance: Float32Array }>();
    for (const bn of batchNormNodes(this.graph))
      batchStats.set(bn.name, { mean: out[batchMeanName(bn)]!.data, variance: out[batchVarName(bn)]!.data });
    return { loss: out.loss!.data[0]!, logits: out.logits!.data, grads, batchStats };
  }
}

/** Inference-mode forward (running BN statistics) with fed weights, for validation accuracy. */
export class EvalSession extends FedWeightsSession {
  static async create(graph: Graph, runtime: RuntimeOptions): Promise<EvalSession> {
    const model = compileToOnnx(graph, { bnMode: "inference", outputs: ["logits"] });
    const session = await OnnxSession.create(model.bytes, runtime);
    return new EvalSession(graph, session, model.weightInputs, tensorShapes(graph));
  }

  async logits(
    images: Float32Array,
    count: number,
    tensors: ReadonlyMap<string, Float32Array>,
  ): Promise<Float32Array> {
    return (await this.run(images, count, tensors)).logits!.data;
  }
}
