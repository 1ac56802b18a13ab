// Running one random draw of a network over many images. Weights are baked into the model as
// initializers: ONNX Runtime's NCHWc layout pass only rewrites convs with constant weights, and
// measured here that makes the forward ~2.2× faster than feeding weights as inputs, far more than
// the ~60 ms a session costs to create (see docs/performance.md).
import type { onnx } from "onnx-proto";
import type { Graph, Node } from "../ir/graph.js";
import { batchNormNodes, numel } from "../ir/graph.js";
import {
  batchMeanName,
  batchVarName,
  compileToOnnx,
  exposeOutput,
  lowerForward,
  OnnxWriter,
  runningMeanName,
  runningVarName,
  tensorName,
  weightSpecs,
} from "./compile.js";
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

/**
 * A session over a model whose weights are all baked in; compiling and creating count as setup.
 * `runOnce` as in OnnxSession.create.
 */
export async function bakedSession(
  compile: () => { bytes: Uint8Array; weightInputs: readonly string[] },
  runtime: RuntimeOptions,
  timings?: ForwardTimings,
  runOnce = false,
): Promise<OnnxSession> {
  const start = performance.now();
  const compiled = compile();
  if (compiled.weightInputs.length > 0)
    throw new Error(`unbound weights: ${compiled.weightInputs.join(", ")}`);
  const session = await OnnxSession.create(compiled.bytes, runtime, runOnce);
  if (timings) timings.setup += (performance.now() - start) / 1000;
  return session;
}

function createSession(
  graph: Graph,
  initializers: ReadonlyMap<string, Float32Array>,
  bnMode: "inference" | "train",
  outputs: ReadonlyArray<"features" | "logits">,
  runtime: RuntimeOptions,
  timings: ForwardTimings,
): Promise<OnnxSession> {
  return bakedSession(() => compileToOnnx(graph, { bnMode, initializers, outputs }), runtime, timings);
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

/** Running statistics of freshly initialised BN layers (mean 0, var 1), or an imported model's own (Graph.modelWeights). */
export function freshRunningStatistics(graph: Graph): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const bn of batchNormNodes(graph)) {
    const kept = (name: string) => graph.modelWeights?.get(name)?.slice();
    out.set(runningMeanName(bn), kept(runningMeanName(bn)) ?? new Float32Array(bn.shape[0]!));
    out.set(runningVarName(bn), kept(runningVarName(bn)) ?? new Float32Array(bn.shape[0]!).fill(1));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Probing intermediate node outputs (activation-pattern metrics: NASWOT, SWAP, Zen, linear regions).

/**
 * ONNX nodes appended after the probed node outputs, e.g. to reduce activations inside ONNX Runtime
 * before they are copied out (a 128×128 Gram instead of 128 × 500k floats).
 */
export interface ProbeTail {
  readonly nodes: onnx.INodeProto[];
  readonly initializers?: onnx.ITensorProto[];
  /** Float outputs of the tail, with their dims ("N" for a batch dimension). */
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly dims: ReadonlyArray<number | string> }>;
}

export interface ProbeOptions {
  readonly bnMode: "inference" | "train";
  /** Nodes whose outputs are probed (the graph's input node included). */
  readonly nodes: readonly number[];
  /**
   * Weights baked in as initializers. Weights not given here are graph inputs that every run must
   * feed: one session then serves many random draws (cheaper than a session per draw when each
   * draw sees only a few images).
   */
  readonly baked?: ReadonlyMap<string, Float32Array>;
  /**
   * Appends ONNX nodes reading the probed tensors (`tensors`: node id → ONNX tensor name). With a
   * tail, the probed tensors themselves are no longer model outputs.
   */
  readonly tail?: (tensors: ReadonlyMap<number, string>) => ProbeTail;
  readonly runtime: RuntimeOptions;
  readonly timings: ForwardTimings;
}

/** One ONNX session over a graph with chosen intermediate node outputs (or a tail over them) exposed. */
export class NodeProbe {
  private constructor(
    private readonly graph: Graph,
    private readonly session: OnnxSession,
    private readonly tensors: ReadonlyMap<number, string>,
    /** Weights the caller must feed on every run, with their shapes. */
    private readonly fed: ReadonlyMap<string, readonly number[]>,
    private readonly timings: ForwardTimings,
  ) {}

  /** Names of the weights every run must feed. */
  get weightInputs(): string[] {
    return [...this.fed.keys()];
  }

  static async create(graph: Graph, o: ProbeOptions): Promise<NodeProbe> {
    const start = performance.now();
    // The input node has no tensor of its own to expose: probes of it read the fed images.
    const exposed = [...new Set(o.nodes)].filter((id) => graph.nodes[id]!.op.kind !== "input");
    const w = new OnnxWriter();
    const { weightInputs } = lowerForward(graph, w, {
      bnMode: o.bnMode,
      ...(o.baked && { initializers: o.baked }),
    });
    // A tail reads the probed tensors inside the model; without one they are outputs under node names.
    const tensors = new Map<number, string>(
      o.nodes.map((id) => [
        id,
        graph.nodes[id]!.op.kind === "input" ? "input" : o.tail ? tensorName(id) : graph.nodes[id]!.name,
      ]),
    );
    if (o.tail) {
      const tail = o.tail(tensors);
      w.nodes.push(...tail.nodes);
      w.initializers.push(...(tail.initializers ?? []));
      for (const t of tail.outputs) w.output(t.name, t.dims);
    } else for (const id of exposed) exposeOutput(w, graph.nodes[id]!.name, graph.nodes[id]!);
    const bytes = w.encode();
    const session = await OnnxSession.create(bytes, o.runtime);
    o.timings.setup += (performance.now() - start) / 1000;
    const shapes = new Map(weightSpecs(graph, o.bnMode).map((s) => [s.name, s.shape] as const));
    const fed = new Map(weightInputs.map((name) => [name, shapes.get(name)!]));
    return new NodeProbe(graph, session, tensors, fed, o.timings);
  }

  /** The ONNX name under which a probed node's output is fetched (without a tail). */
  outputName(node: number): string {
    const name = this.tensors.get(node);
    if (name === undefined) throw new Error(`node ${node} is not probed`);
    return name;
  }

  /**
   * One run over all of `images` as a single batch (train-mode BN normalises with its statistics).
   * `fetch` names tail outputs, probed outputs (see outputName) or BN batch statistics; the graph
   * input, when probed, comes back as the fed images.
   */
  async run(
    images: Images,
    fetch: readonly string[],
    weights?: ReadonlyMap<string, Float32Array>,
  ): Promise<Record<string, Float32Array>> {
    const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {
      input: slice(this.graph, images, 0, images.count),
    };
    for (const [name, dims] of this.fed) {
      const w = weights?.get(name);
      if (!w) throw new Error(`probe run: weight ${name} not fed`);
      feeds[name] = { data: w, dims };
    }
    const start = performance.now();
    const wanted = fetch.filter((f) => f !== "input");
    const result = wanted.length > 0 ? await this.session.run(feeds, wanted) : {};
    this.timings.run += (performance.now() - start) / 1000;
    const out: Record<string, Float32Array> = {};
    for (const f of fetch) out[f] = f === "input" ? feeds.input!.data : result[f]!.data;
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Outputs of the given nodes for all `images` in one run with baked weights, keyed by node id
 * (per-sample layout as the node's shape; the input node gives back the images).
 */
export async function nodeOutputs(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  images: Images,
  nodes: readonly number[],
  o: { bnMode: "inference" | "train"; runtime: RuntimeOptions; timings: ForwardTimings },
): Promise<Map<number, Float32Array>> {
  const probe = await NodeProbe.create(graph, { ...o, nodes, baked: weights });
  try {
    const names = nodes.map((id) => probe.outputName(id));
    const result = await probe.run(images, names);
    return new Map(nodes.map((id, i) => [id, result[names[i]!]!]));
  } finally {
    await probe.release();
  }
}
