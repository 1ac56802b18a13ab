// Reverse-mode differentiation emitted as ONNX. ONNX Runtime's JS packages cannot differentiate, so
// the backward pass is written into the same model as the forward: one vector-Jacobian rule per IR
// op, each a few standard ONNX nodes, applied in reverse topological order.
import type { onnx } from "onnx-proto";
import type { Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import {
  type BatchNormMode,
  exposeOutput,
  isReluFamily,
  lowerForward,
  OnnxWriter,
  reluMaskName,
  tensorName,
} from "./compile.js";
import { vjp } from "./vjp.js";
import { intAttr, OPSET, pb, valueInfo } from "./writer.js";

const INT64 = pb.TensorProto.DataType.INT64;
const BOOL = pb.TensorProto.DataType.BOOL;

/**
 * - `cross_entropy`: mean softmax cross-entropy over the batch; one-hot labels fed as `labels` [N, K].
 * - `seeded`: L = Σ seed ⊙ logits with `seed` [N, K] fed in: all ones gives the gradient of the
 *   summed logits, a one-hot row gives one sample's row of the Jacobian.
 */
export type Loss = "cross_entropy" | "seeded";

export interface GradientOptions {
  readonly bnMode: BatchNormMode;
  readonly loss: Loss;
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Parameters to differentiate, by name; default every parameter. */
  readonly params?: readonly string[];
  /** Also output ∂L/∂input. */
  readonly wrtInput?: boolean;
  /** Also output ∂L/∂(output of these nodes). */
  readonly wrtNodes?: readonly number[];
  /** Also output Σ_spatial y ⊙ ∂L/∂y ([N, C]) for these nodes, as `actgrad:<node name>` (Fisher). */
  readonly activationGradientProducts?: readonly number[];
  /** Forward outputs of these nodes to expose, under their node names. */
  readonly extraOutputs?: readonly number[];
  /** Expose the logits as `logits`. */
  readonly logits?: boolean;
  /**
   * `output`: also output every ReLU-family node's on/off pattern as uint8 `<node>.relu_mask`.
   * `frozen`: take those patterns as inputs instead of computing them (see LowerOptions).
   */
  readonly reluMasks?: "output" | "frozen";
}

export interface GradientModel {
  readonly bytes: Uint8Array;
  readonly weightInputs: readonly string[];
  readonly outputNames: readonly string[];
}

/** Output name of a gradient: `grad:<param name>`, `grad:input` or `grad:<node name>`. */
export const gradName = (name: string) => `grad:${name}`;
export const activationGradientName = (nodeName: string) => `actgrad:${nodeName}`;

export function compileGradient(graph: Graph, options: GradientOptions): GradientModel {
  const w = new OnnxWriter();
  const { weightInputs } = lowerForward(graph, w, {
    bnMode: options.bnMode,
    initializers: options.initializers,
    maxPoolIndices: true,
    frozenReluMasks: options.reluMasks === "frozen",
  });
  const emit = w.emit.bind(w);
  if (options.reluMasks === "output")
    for (const node of graph.nodes.filter(isReluFamily)) {
      const on = emit("Greater", [tensorName(node.inputs[0]!), w.scalar(0)], [w.name("on")]);
      emit("Cast", [on], [reluMaskName(node)], [intAttr("to", 2)]); // 2 = UINT8
      w.output(reluMaskName(node), ["N", ...node.shape], "uint8");
    }
  const logitsNode = graph.nodes[graph.logits]!;
  const classes = logitsNode.shape[0]!;
  const z = tensorName(logitsNode.id);

  // Loss and its gradient w.r.t. the logits.
  let dz: string;
  if (options.loss === "cross_entropy") {
    w.input("labels", ["N", classes]);
    const n = emit(
      "Cast",
      [
        emit(
          "Gather",
          [emit("Shape", [z], [w.name("shape")]), w.constant("i64_scalar_0", [], BigInt64Array.from([0n]))],
          [w.name("n")],
        ),
      ],
      [w.name("nf")],
      [{ name: "to", type: 2, i: 1 }],
    );
    const logp = emit("LogSoftmax", [z], [w.name("logp")], [intAttr("axis", 1)]);
    const total = emit(
      "ReduceSum",
      [emit("Mul", ["labels", logp], [w.name("ll")])],
      [w.name("lltot")],
      [intAttr("keepdims", 0)],
    );
    emit("Neg", [emit("Div", [total, n], [w.name("llmean")])], ["loss"]);
    const p = emit("Softmax", [z], [w.name("softmax")], [intAttr("axis", 1)]);
    dz = emit("Div", [emit("Sub", [p, "labels"], [w.name("resid")]), n], [w.name("dlogits")]);
  } else {
    w.input("seed", ["N", classes]);
    emit("ReduceSum", [emit("Mul", ["seed", z], [w.name("seeded")])], ["loss"], [intAttr("keepdims", 0)]);
    dz = "seed";
  }
  w.output("loss", []);

  const outputs = emitBackward(graph, w, options, dz);
  bindOutputs(w, outputs);
  if (options.logits) exposeOutput(w, "logits", logitsNode);
  for (const id of options.extraOutputs ?? []) exposeOutput(w, graph.nodes[id]!.name, graph.nodes[id]!);
  pruneDeadNodes(w);
  return { bytes: encode(w), weightInputs, outputNames: w.outputs.map((o) => o.name!) };
}

interface GradientOutput {
  readonly name: string;
  readonly tensor: string;
  readonly dims: ReadonlyArray<number | string>;
}

type BackwardOptions = Pick<
  GradientOptions,
  "bnMode" | "initializers" | "params" | "wrtInput" | "wrtNodes" | "activationGradientProducts" | "reluMasks"
>;

/** Emits the backward pass from ∂L/∂logits = `dz`; returns the wanted gradients (not yet declared). */
function emitBackward(graph: Graph, w: OnnxWriter, options: BackwardOptions, dz: string): GradientOutput[] {
  const emit = w.emit.bind(w);
  const logitsNode = graph.nodes[graph.logits]!;
  const wantedParams = new Set(options.params ?? graph.nodes.flatMap((n) => n.params.map((p) => p.name)));
  const wantedNodes = new Set(options.wrtNodes ?? []);
  const productNodes = new Set(options.activationGradientProducts ?? []);
  // needed[v]: some wanted gradient lies at v or upstream of it, so ∂L/∂y_v must be formed.
  const needed = graph.nodes.map(() => false);
  for (const node of graph.nodes) {
    needed[node.id] =
      node.params.some((p) => wantedParams.has(p.name)) ||
      wantedNodes.has(node.id) ||
      productNodes.has(node.id) ||
      (node.op.kind === "input" && options.wrtInput === true) ||
      node.inputs.some((u) => needed[u]);
  }

  const contributions = graph.nodes.map((): string[] => []);
  contributions[logitsNode.id]!.push(dz);
  const outputs: GradientOutput[] = [];
  const gradientOf = (node: Node): string | undefined => {
    const parts = contributions[node.id]!;
    if (parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0]!;
    return emit("Sum", parts, [w.name(`g${node.id}`)]);
  };
  // "zeroed", not "zeros": constants are named zeros_<size> and w.name appends a counter.
  const zerosLike = (tensor: string) => emit("Mul", [tensor, w.scalar(0)], [w.name("zeroed")]);

  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    const node = graph.nodes[id]!;
    if (!needed[id]) continue;
    const dy = gradientOf(node);
    if (wantedNodes.has(id))
      outputs.push({
        name: gradName(node.name),
        tensor: dy ?? zerosLike(tensorName(id)),
        dims: ["N", ...node.shape],
      });
    if (productNodes.has(id)) {
      // (Σ y·dy could be formed from the following BN's y − μ so that conv outputs die after the
      // forward, 124 of 368 MB saved tensors on an NB201 cell; measured: 3 more nodes per layer
      // cost more session time than the ~5% fewer page faults saved.)
      const product =
        dy === undefined ? zerosLike(tensorName(id)) : emit("Mul", [tensorName(id), dy], [w.name("yg")]);
      const spatial = node.shape.length === 3;
      outputs.push({
        name: activationGradientName(node.name),
        tensor: spatial
          ? emit("ReduceSum", [product, w.int64s([2, 3])], [w.name("ygs")], [intAttr("keepdims", 0)])
          : product,
        dims: ["N", node.shape[0]!],
      });
    }
    if (node.op.kind === "input" && options.wrtInput)
      outputs.push({ name: gradName("input"), tensor: dy ?? zerosLike("input"), dims: ["N", ...node.shape] });
    const rule =
      dy === undefined
        ? undefined
        : vjp(graph, node, dy, w, options.bnMode, options.initializers, options.reluMasks === "frozen");
    for (const p of node.params) {
      if (!wantedParams.has(p.name)) continue;
      const g =
        rule?.params[p.name] ??
        w.constant(`zeros_${p.shape.join("x")}`, p.shape, new Float32Array(numel(p.shape)));
      outputs.push({ name: gradName(p.name), tensor: g, dims: p.shape });
    }
    if (!rule) continue;
    node.inputs.forEach((u, k) => {
      const g = rule.inputs[k];
      if (needed[u] && g !== undefined) contributions[u]!.push(g);
    });
  }

  return outputs;
}

/** The writer's model plus ORT's contrib domain, for the weight gradients' FusedMatMul (ir/ops/conv.ts). */
function encode(w: OnnxWriter): Uint8Array {
  const model = pb.ModelProto.create({
    irVersion: 8,
    producerName: "nasprobe",
    opsetImport: [
      { domain: "", version: OPSET },
      { domain: "com.microsoft", version: 1 },
    ],
    graph: {
      name: "nasprobe",
      node: w.nodes,
      initializer: w.initializers,
      input: w.inputs,
      output: w.outputs,
    },
  });
  return pb.ModelProto.encode(model).finish();
}

/**
 * Declares the gradient outputs. A tensor that some node computes is renamed to its output name
 * instead of being copied by an Identity: session creation costs ~80–120 µs per node whatever the
 * node does, and an NB201 cell has ~100 gradient outputs. Constants, graph inputs and tensors
 * wanted under two names still go through an Identity.
 */
function bindOutputs(
  w: OnnxWriter,
  outputs: ReadonlyArray<{ name: string; tensor: string; dims: ReadonlyArray<number | string> }>,
): void {
  const produced = new Set(w.nodes.flatMap((n) => n.output ?? []));
  const declared = new Set(w.outputs.map((o) => o.name!));
  const rename = new Map<string, string>();
  for (const o of outputs) {
    if (produced.has(o.tensor) && !declared.has(o.tensor) && !rename.has(o.tensor))
      rename.set(o.tensor, o.name);
    else w.emit("Identity", [o.tensor], [o.name]);
    w.output(o.name, o.dims);
  }
  const renamed = (t: string) => rename.get(t) ?? t;
  for (const node of w.nodes) {
    node.input = (node.input ?? []).map(renamed);
    node.output = (node.output ?? []).map(renamed);
  }
}

/**
 * Drops nodes whose outputs reach no graph output (the vjp rules emit every parameter's gradient;
 * BN's γ/β gradients, for one, are unused by the zero-cost metrics) and the constants only they read.
 */
function pruneDeadNodes(w: OnnxWriter): void {
  const live = prune(w.nodes, new Set(w.outputs.map((o) => o.name!)));
  const constants = w.initializers.filter((t) => live.has(t.name!));
  w.initializers.length = 0;
  w.initializers.push(...constants);
}

/**
 * Keeps the nodes of `nodes` that `live` depends on, in place, recursing into Loop bodies (whose
 * outer-scope reads count as reads of the Loop node); returns every tensor name read.
 */
function prune(nodes: onnx.INodeProto[], live: Set<string>): Set<string> {
  const keep: boolean[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    keep[i] = (node.output ?? []).some((t) => live.has(t));
    if (!keep[i]) continue;
    for (const t of node.input ?? []) live.add(t);
    for (const attr of node.attribute ?? []) {
      if (!attr.g) continue;
      const inner = prune(attr.g.node!, new Set(attr.g.output!.map((o) => o.name!)));
      if (attr.g.initializer) attr.g.initializer = attr.g.initializer.filter((t) => inner.has(t.name!));
      const local = new Set([
        ...attr.g.input!.map((i) => i.name!),
        ...attr.g.node!.flatMap((n) => n.output ?? []),
      ]);
      for (const t of inner) if (!local.has(t)) live.add(t);
    }
  }
  const kept = nodes.filter((_, i) => keep[i]);
  nodes.length = 0;
  nodes.push(...kept);
  return live;
}

/**
 * Loop-invariant code motion: body nodes that read nothing computed from the iteration (`variant`)
 * move in front of the Loop and run once. For the per-sample backward these are the conv weight
 * gradients' im2col convs (a third of each iteration's conv time), the ReLU patterns and BN's
 * per-channel terms. The price is memory: the im2col tensors of every layer stay alive through the
 * Loop (~1.1 GB for an NB201 cell at batch 72). Returns the nodes left in the body.
 */
function hoistInvariants(
  w: OnnxWriter,
  body: onnx.INodeProto[],
  variant: readonly string[],
): onnx.INodeProto[] {
  const varies = new Set(variant);
  const kept: onnx.INodeProto[] = [];
  for (const node of body)
    if ((node.input ?? []).some((t) => varies.has(t))) {
      kept.push(node);
      for (const t of node.output ?? []) varies.add(t);
    } else w.nodes.push(node);
  return kept;
}

/**
 * The constants a Loop body reads, as the body's own initializers: ORT's NCHWc conv rewrite only
 * treats a subgraph's own initializers as constant weights, and without it the backward's grouped
 * im2col convs run ~8× slower per sample. Constants only the body reads move; ones the outer graph
 * reads too are copied under a new name (ONNX names may not shadow the outer scope).
 */
function localConstants(w: OnnxWriter, body: onnx.INodeProto[]): onnx.ITensorProto[] {
  const outer = new Set(w.nodes.flatMap((n) => n.input ?? []));
  const read = new Set(body.flatMap((n) => n.input ?? []));
  const local: onnx.ITensorProto[] = [];
  const rename = new Map<string, string>();
  const kept = w.initializers.filter((t) => {
    if (!read.has(t.name!)) return true;
    if (!outer.has(t.name!)) {
      local.push(t);
      return false;
    }
    rename.set(t.name!, `${t.name}.body`);
    local.push({ ...t, name: `${t.name}.body` });
    return true;
  });
  w.initializers.length = 0;
  w.initializers.push(...kept);
  for (const node of body) node.input = (node.input ?? []).map((t) => rename.get(t) ?? t);
  return local;
}

export interface PerSampleOptions {
  readonly bnMode: BatchNormMode;
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Parameters to differentiate, by name, in the order their gradients are laid out in a row. */
  readonly params: readonly string[];
}

/** Output of compilePerSampleGradients: [N, Σ numel(params)]. */
export const PER_SAMPLE_ROWS = "rows";

/**
 * Row n of the Jacobian of the per-sample summed logits, ∂(Σ_c z_nc)/∂θ, for every sample n of the
 * batch, in one run: one forward, then an ONNX Loop over the samples whose body is the backward pass
 * seeded with ones on sample n's logits (the forward's tensors are read from the outer scope).
 * With train-mode BN the samples are coupled, so each row needs its own backward over the whole
 * batch; the Loop saves the forward that a run per sample would repeat, and the per-run overhead.
 */
export function compilePerSampleGradients(graph: Graph, options: PerSampleOptions): GradientModel {
  const w = new OnnxWriter();
  const { weightInputs } = lowerForward(graph, w, {
    bnMode: options.bnMode,
    initializers: options.initializers,
    maxPoolIndices: true,
  });
  const emit = w.emit.bind(w);
  const logitsNode = graph.nodes[graph.logits]!;
  const classes = logitsNode.shape[0]!;
  const z = tensorName(logitsNode.id);
  const count = emit(
    "Gather",
    [emit("Shape", [z], [w.name("shape")]), w.constant("i64_scalar_0", [], BigInt64Array.from([0n]))],
    [w.name("count")],
  );
  const samples = emit(
    "Range",
    [
      w.constant("i64_scalar_0", [], BigInt64Array.from([0n])),
      count,
      w.constant("i64_scalar_1", [], BigInt64Array.from([1n])),
    ],
    [w.name("samples")],
  );
  const first = w.nodes.length;
  const iteration = "per_sample_n";
  const condIn = "per_sample_cond_in";
  // seed[m, c] = [m = n]
  const hit = emit(
    "Cast",
    [emit("Equal", [samples, iteration], [w.name("hit")])],
    [w.name("hitf")],
    [intAttr("to", 1)],
  );
  const seed = emit(
    "Mul",
    [
      emit("Unsqueeze", [hit, w.int64s([1])], [w.name("hitcol")]),
      w.constant(`ones_1x${classes}`, [1, classes], new Float32Array(classes).fill(1)),
    ],
    [w.name("seed")],
  );
  const grads = emitBackward(
    graph,
    w,
    { bnMode: options.bnMode, initializers: options.initializers, params: options.params },
    seed,
  );
  const byName = new Map(grads.map((g) => [g.name, g.tensor]));
  const flat = options.params.map((p) =>
    emit("Reshape", [byName.get(gradName(p))!, w.int64s([-1])], [w.name("flat")]),
  );
  const row = flat.length === 1 ? flat[0]! : emit("Concat", flat, [w.name("row")], [intAttr("axis", 0)]);
  const rowOut = emit("Identity", [row], ["per_sample_row"]);
  const condOut = emit("Identity", [condIn], ["per_sample_cond_out"]);
  const body = hoistInvariants(w, w.nodes.splice(first), [iteration, condIn]);
  const bodyConstants = localConstants(w, body);
  const size = options.params.reduce(
    (s, p) => s + numel(graph.nodes.flatMap((n) => n.params).find((q) => q.name === p)!.shape),
    0,
  );
  emit(
    "Loop",
    [count, ""],
    [PER_SAMPLE_ROWS],
    [
      {
        name: "body",
        type: pb.AttributeProto.AttributeType.GRAPH,
        g: {
          name: "per_sample_backward",
          node: body,
          initializer: bodyConstants,
          input: [valueInfo(iteration, [], INT64), valueInfo(condIn, [], BOOL)],
          output: [valueInfo(condOut, [], BOOL), valueInfo(rowOut, [size])],
        },
      },
    ],
  );
  w.output(PER_SAMPLE_ROWS, ["N", size]);
  pruneDeadNodes(w);
  return { bytes: encode(w), weightInputs, outputNames: [PER_SAMPLE_ROWS] };
}
