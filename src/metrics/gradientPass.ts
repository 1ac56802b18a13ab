// Work shared by the gradient-based zero-cost proxies (zero-cost-nas protocol): one batch from the
// front of the data, PyTorch's default init, train-mode BN, mean cross-entropy. One forward and
// backward pass serves snip, grad_norm, fisher and grasp's gradient.
import * as v from "valibot";
import { imageSize } from "../data/imageSet.js";
import { type Graph, type Node, numel } from "../ir/graph.js";
import { type InitScheme, initWeights } from "../ir/init.js";
import { isReluFamily, reluMaskName } from "../onnx/compile.js";
import { activationGradientName, gradName } from "../onnx/gradient.js";
import { GradientSession, oneHot } from "../onnx/gradientSession.js";
import { frontBatch, type MetricInput, shared } from "./metric.js";
import { defaultsOf, initScheme, integer, type OptionsOf, option } from "./options.js";

/** The options of snip, grad_norm, fisher and jacob_cov (grasp adds its step, synflow keeps `init`). */
export const ZERO_COST_OPTIONS = v.strictObject({
  /** Images per batch (zero-cost-nas: 64). */
  batchSize: option(integer(1), 64),
  /** `kaiming_uniform` is PyTorch's default Conv/Linear init, which zero-cost-nas keeps. */
  init: option(initScheme(), "kaiming_uniform"),
});

export type ZeroCostOptions = OptionsOf<typeof ZERO_COST_OPTIONS>;

export const ZERO_COST_DEFAULTS: ZeroCostOptions = defaultsOf(ZERO_COST_OPTIONS);

/** Conv and linear nodes: the layers whose `.weight` zero-cost-nas scores ("prunable" layers). */
export function prunableLayers(graph: Graph): Node[] {
  return graph.nodes.filter((n) => n.op.kind === "conv" || n.op.kind === "linear");
}

export const weightOf = (layer: Node) => `${layer.name}.weight`;

/** The first `count` images (frontBatch) and their one-hot labels, checked against the network's input. */
export function firstBatch(input: MetricInput, count: number) {
  const { data, graph } = input;
  const batch = frontBatch(data, count);
  if (imageSize(data) !== numel(graph.inputShape))
    throw new Error(
      `images are ${data.channels}×${data.height}×${data.width}, the network takes ${graph.inputShape.join("×")}`,
    );
  const classes = graph.nodes[graph.logits]!.shape[0]!;
  return { images: batch.data, labels: oneHot(data.labels.subarray(0, count), classes), count };
}

/** The network's initial weights for a scheme and the input's seed (memoised per architecture). */
export function initialWeights(input: MetricInput, init: InitScheme): Promise<Map<string, Float32Array>> {
  return shared(input, `weights:${init}:${input.seed}`, async () =>
    initWeights(input.graph, init, input.seed, "init"),
  );
}

export interface CrossEntropyPass {
  readonly weights: ReadonlyMap<string, Float32Array>;
  /** ∂L/∂W of every prunable layer, by weight name. */
  readonly grads: ReadonlyMap<string, Float32Array>;
  /** Σ_spatial activation ⊙ ∂L/∂activation per prunable layer output, [N, C], by node name. */
  readonly activationGradients: ReadonlyMap<string, Float32Array>;
  readonly loss: number;
  /** With `withMasks`: the on/off pattern (uint8) of every ReLU-family node, by mask input name. */
  readonly masks?: ReadonlyMap<string, Uint8Array>;
}

/**
 * Gradients of the mean cross-entropy of the first batch at `weights` (default: the initial ones).
 * With `frozenMasks` (from another pass), ReLUs keep that on/off pattern instead of their own;
 * `withMasks` also returns this pass's own patterns (GraSP freezes them for its extra passes).
 */
export async function crossEntropyGradients(
  input: MetricInput,
  o: ZeroCostOptions,
  weights?: ReadonlyMap<string, Float32Array>,
  frozenMasks?: ReadonlyMap<string, Uint8Array>,
  withMasks = false,
): Promise<CrossEntropyPass> {
  const w = weights ?? (await initialWeights(input, o.init));
  const layers = prunableLayers(input.graph);
  const relus = input.graph.nodes.filter(isReluFamily);
  const session = await GradientSession.create(
    input.graph,
    w,
    {
      bnMode: "train",
      loss: "cross_entropy",
      params: layers.map(weightOf),
      activationGradientProducts: frozenMasks ? [] : layers.map((l) => l.id),
      ...(frozenMasks && { reluMasks: "frozen" as const }),
      ...(withMasks && { reluMasks: "output" as const }),
    },
    input.runtime,
  );
  try {
    const batch = firstBatch(input, o.batchSize);
    const feeds = frozenMasks
      ? Object.fromEntries(
          relus.map((r) => [
            reluMaskName(r),
            { bytes: frozenMasks.get(reluMaskName(r))!, dims: [batch.count, ...r.shape] },
          ]),
        )
      : {};
    const out = await session.run(batch.images, batch.count, batch.labels, feeds);
    return {
      weights: w,
      grads: new Map(layers.map((l) => [weightOf(l), out[gradName(weightOf(l))]!.data])),
      activationGradients: frozenMasks
        ? new Map()
        : new Map(layers.map((l) => [l.name, out[activationGradientName(l.name)]!.data])),
      loss: out.loss!.data[0]!,
      ...(withMasks && { masks: new Map(relus.map((r) => [reluMaskName(r), out[reluMaskName(r)]!.bytes!])) }),
    };
  } finally {
    await session.release();
  }
}

/** The shared pass at the initial weights, computed once per architecture and options. */
export function sharedCrossEntropyPass(input: MetricInput, o: ZeroCostOptions): Promise<CrossEntropyPass> {
  return shared(input, passKey(input, o), () => crossEntropyGradients(input, o));
}

const passKey = (input: MetricInput, o: ZeroCostOptions) => `ce-pass:${o.init}:${o.batchSize}:${input.seed}`;

/**
 * The shared pass with the ReLU patterns too (GraSP). It serves as the plain shared pass as well
 * when it runs first; a plain pass already made is not reused, since it lacks the patterns (a
 * separate forward-only session for them cost about as much as the extra outputs save).
 */
export async function sharedCrossEntropyPassWithMasks(
  input: MetricInput,
  o: ZeroCostOptions,
): Promise<CrossEntropyPass> {
  const pass = await shared(input, `${passKey(input, o)}:masks`, () =>
    crossEntropyGradients(input, o, undefined, undefined, true),
  );
  void shared(input, passKey(input, o), async () => pass);
  return pass;
}

/** Σ over prunable layers of Σ_i f(w_i, g_i). */
export function sumOverLayers(
  pass: CrossEntropyPass,
  graph: Graph,
  perLayer: (w: Float32Array, g: Float32Array) => number,
): number {
  let total = 0;
  for (const layer of prunableLayers(graph))
    total += perLayer(pass.weights.get(weightOf(layer))!, pass.grads.get(weightOf(layer))!);
  return total;
}
