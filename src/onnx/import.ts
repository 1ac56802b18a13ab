// ONNX → IR: maps a model's nodes onto nasprobe's IR ops and returns an IR Graph (plus the model's
// own weights, under the IR's parameter names, and a report of what was mapped). Takes bytes and
// uses no Node APIs, so a browser page imports dropped files with the same code.
//
// What maps (docs/onnx-import.md): Conv (groups, strides, pads, dilations, auto_pad),
// BatchNormalization (inference mode), Relu / Clip(0,6) / Clip(0,∞) / LeakyRelu / Sigmoid / Tanh /
// Elu / Softplus / Erf / HardSigmoid / HardSwish / Gelu, MaxPool and AveragePool (ceil_mode as the
// equivalent end padding), GlobalAveragePool, GlobalMaxPool, ReduceMean over H,W, Add / Sum, Mul
// (two tensors, or by a zero scalar: the IR's `zero`), Concat on channels, Slice of the first
// channels, Flatten / Reshape / Squeeze / Unsqueeze of the per-sample axes, Gemm, MatMul (+ Add
// of a constant bias), Identity and Dropout; Constant / Shape / Gather / Unsqueeze / Concat /
// Cast chains on integer constants are folded, with the batch size as a symbol, so a reshape to
// [N, -1] computed from the input's shape is a flatten. Anything else is refused in one line.
//
// Naming, and why: a node with parameters takes its name from its weight tensor (`conv1.weight`
// → node `conv1`, parameter `conv1.weight`; a BN's scale `bn1.weight` → node `bn1`, parameters
// `bn1.gamma`, `bn1.beta`). The IR's init draws each parameter from a stream seeded by its name
// (ir/init.ts), so a model that `nasprobe export` wrote gets back exactly the names, and so the
// random weights, of the space graph it came from.
import type { onnx } from "onnx-proto";
import type { Activation, Graph, Node, Op, Pads, Pair } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { opDef } from "../ir/ops/index.js";
import {
  Attributes,
  decodeModel,
  int,
  OnnxImportError,
  shortFloat,
  type TensorValues,
  tensorValues,
  valueInfoDims,
} from "./importProto.js";
import { runningMeanName, runningVarName } from "./writer.js";

export { OnnxImportError } from "./importProto.js";

export interface ImportOptions {
  /** Per-sample input shape, e.g. [3, 32, 32]: overrides the model's (needed where it is dynamic). */
  readonly inputShape?: readonly number[];
  /** The feature layer: an ONNX node name (its first output) or tensor name. */
  readonly features?: string;
}

export interface ImportReport {
  /** The default-domain opset the model imports. */
  readonly opset: number;
  readonly producer: string;
  /** ONNX op types in the model and how many nodes of each. */
  readonly onnxOps: Readonly<Record<string, number>>;
  /** IR node kinds (activations as `act:relu`) in the imported graph and how many of each. */
  readonly irOps: Readonly<Record<string, number>>;
  readonly inputName: string;
  readonly logitsName: string;
  /** The feature layer: the ONNX tensor, the IR node and the rule that chose it. */
  readonly features: { readonly tensor: string; readonly node: string; readonly rule: string };
}

export interface ImportedModel {
  readonly graph: Graph;
  /**
   * The model's own weights under the IR's names: every parameter, and each BN's running mean and
   * variance (`<bn>.running_mean|var`); what `--keep-weights` scores with.
   */
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly report: ImportReport;
}

/** An ONNX tensor while importing: an IR node's output seen with the ONNX per-sample shape, or a constant. */
type Value =
  | { readonly kind: "tensor"; readonly ref: number; readonly shape: readonly number[] }
  | ConstValue;

/** What each op's mapping returns once its outputs are bound (lets a switch case `return` it). */
const MAPPED = "mapped";
type Mapped = typeof MAPPED;

/** The batch size inside folded shape arithmetic. */
const BATCH = "N";
type Dim = number | typeof BATCH;

interface ConstValue {
  readonly kind: "const";
  /** The initializer (or first tensor) it came from: names parameters. */
  readonly name: string;
  readonly dims: readonly number[];
  readonly floats?: Float32Array;
  readonly ints?: readonly Dim[];
}

const sameDims = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly (number | string | undefined)[]) => s.map((d) => d ?? "?").join("x");

/** Decodes an ONNX model and maps it onto the IR (throws OnnxImportError, one line, when it cannot). */
export function importOnnx(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  return new Importer(decodeModel(bytes), options).run();
}

class Importer {
  private readonly graphProto: onnx.IGraphProto;
  private readonly values = new Map<string, Value>();
  private readonly nodes: Node[] = [];
  private readonly names = new Set<string>();
  private readonly weights = new Map<string, Float32Array>();
  private readonly materialized = new Map<Value, number>();
  /** How many nodes read each tensor, and which tensors are graph outputs. */
  private readonly readers = new Map<string, onnx.INodeProto[]>();
  private readonly graphOutputs: Set<string>;
  /** Nodes already mapped as part of another (an Add fused into its MatMul). */
  private readonly fused = new Set<onnx.INodeProto>();
  /** ONNX node and tensor names → the tensor they stand for (for --features). */
  private readonly nodeOutputs = new Map<string, string>();
  private readonly opset: number;
  private inputName = "";
  private inputRef = 0;

  constructor(
    private readonly model: onnx.ModelProto,
    private readonly options: ImportOptions,
  ) {
    this.graphProto = model.graph!;
    this.graphOutputs = new Set((this.graphProto.output ?? []).map((o) => o.name ?? ""));
    const main = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
    this.opset = main ? int(main.version) : 1;
    for (const n of this.graphProto.node ?? [])
      for (const i of n.input ?? []) if (i) this.readers.set(i, [...(this.readers.get(i) ?? []), n]);
  }

  run(): ImportedModel {
    const g = this.graphProto;
    for (const t of g.initializer ?? [])
      this.values.set(t.name ?? "", this.constFrom(t.name ?? "", tensorValues(t)));
    this.declareInput();
    const onnxOps: Record<string, number> = {};
    for (const [index, n] of (g.node ?? []).entries()) {
      const type = n.domain && n.domain !== "ai.onnx" ? `${n.domain}.${n.opType}` : (n.opType ?? "");
      onnxOps[type] = (onnxOps[type] ?? 0) + 1;
      if (this.fused.has(n)) continue;
      const name = n.name || n.output?.[0] || `${type}_${index}`;
      if (n.domain && n.domain !== "ai.onnx")
        throw new OnnxImportError(`unsupported ONNX op ${type} at node "${name}"`);
      try {
        this.mapNode(n, name);
      } catch (e) {
        if (e instanceof OnnxImportError) throw e;
        // A shape rule of an IR op refused the inputs: say which ONNX node it was.
        throw new OnnxImportError(`ONNX ${type} at node "${name}": ${(e as Error).message}`);
      }
      if (n.name && n.output?.[0]) this.nodeOutputs.set(n.name, n.output[0]);
    }
    const outputs = (g.output ?? []).map((o) => o.name ?? "");
    const logitsName = outputs.includes("logits") ? "logits" : outputs[0];
    if (logitsName === undefined) throw new OnnxImportError("the model has no outputs");
    const logitsValue = this.tensor(logitsName, "the output");
    if (logitsValue.shape.length !== 1)
      throw new OnnxImportError(
        `the output "${logitsName}" is N×${fmt(logitsValue.shape)}, not per-sample logits (N×classes)`,
      );
    const logits = this.materialize(logitsValue);
    const features = this.featureLayer(logits);
    const graph: Graph = {
      nodes: this.nodes,
      inputShape: [...this.nodes[0]!.shape],
      features: features.ref,
      logits,
    };
    for (const n of graph.nodes)
      for (const p of n.params)
        if (!this.weights.has(p.name)) throw new Error(`importer bug: no weights for ${p.name}`);
    const irOps: Record<string, number> = {};
    for (const n of graph.nodes) {
      const key = n.op.kind === "act" ? `act:${n.op.fn}` : n.op.kind;
      irOps[key] = (irOps[key] ?? 0) + 1;
    }
    return {
      graph,
      weights: this.weights,
      report: {
        opset: this.opset,
        producer: [this.model.producerName, this.model.producerVersion].filter(Boolean).join(" "),
        onnxOps,
        irOps,
        inputName: this.inputName,
        logitsName,
        features: { tensor: features.tensor, node: this.nodes[features.ref]!.name, rule: features.rule },
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Input and outputs.

  private declareInput(): void {
    const inits = new Set((this.graphProto.initializer ?? []).map((t) => t.name));
    const inputs = (this.graphProto.input ?? []).filter((i) => !inits.has(i.name));
    if (inputs.length !== 1)
      throw new OnnxImportError(
        `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ")}); nasprobe imports models with one image input`,
      );
    const input = inputs[0]!;
    this.inputName = input.name ?? "";
    const dims = valueInfoDims(input);
    const given = this.options.inputShape;
    let shape: number[];
    if (given) {
      if (dims && dims.length > 0 && dims.length !== given.length + 1)
        throw new OnnxImportError(
          `--input-shape ${given.join(",")} has ${given.length} axes; the model's input "${this.inputName}" has ${dims.length - 1} per sample`,
        );
      shape = [...given];
    } else {
      const perSample = dims?.slice(1);
      if (!perSample || perSample.length === 0 || perSample.some((d) => d === undefined))
        throw new OnnxImportError(
          `the input "${this.inputName}" has a dynamic or missing shape (N×${fmt(perSample ?? ["?"])}); pass --input-shape C,H,W`,
        );
      shape = perSample as number[];
    }
    this.inputRef = this.add({ kind: "input" }, [], "input", [shape]);
    this.values.set(this.inputName, { kind: "tensor", ref: this.inputRef, shape });
  }

  /** The feature layer: --features, the input of the classifier, or the squeezenet-style head rule. */
  private featureLayer(logits: number): { ref: number; tensor: string; rule: string } {
    if (this.options.features !== undefined) {
      const asked = this.options.features;
      const tensorName = this.values.has(asked) ? asked : this.nodeOutputs.get(asked);
      const v = tensorName === undefined ? undefined : this.values.get(tensorName);
      if (v?.kind !== "tensor")
        throw new OnnxImportError(`--features ${asked}: no node or tensor of that name carries activations`);
      // NNGP and Zen read per-sample feature vectors: a spatial tensor is flattened as it is.
      const ref =
        v.shape.length === 1
          ? this.materialize(v)
          : this.add({ kind: "flatten" }, [v.ref], "features_flatten");
      return { ref, tensor: tensorName!, rule: "--features" };
    }
    // Back from the logits through ops that only move values (flatten, reshape, identity).
    const passive = new Set(["flatten", "reshape", "identity"]);
    let head = this.nodes[logits]!;
    while (passive.has(head.op.kind)) head = this.nodes[head.inputs[0]!]!;
    if (head.op.kind === "linear" || head.op.kind === "matmul") {
      const ref = head.inputs[0]!;
      return { ref, tensor: this.tensorOf(ref), rule: "input of the last Gemm/MatMul" };
    }
    // SqueezeNet's classifier: a 1×1 conv to the classes, an optional activation, global average
    // pooling. Its input, globally pooled, is the per-sample vector the classifier reads (what the
    // Gemm's input is in a ResNet); NNGP needs a vector, and 512×13×13 values would make a Gram
    // matrix over positions rather than over pooled channels.
    if (head.op.kind === "globalAvgPool") {
      let conv = this.nodes[head.inputs[0]!]!;
      if (conv.op.kind === "act") conv = this.nodes[conv.inputs[0]!]!;
      if (conv.op.kind === "conv" && conv.op.kernel[0] === 1 && conv.op.kernel[1] === 1) {
        const into = conv.inputs[0]!;
        const ref = this.add({ kind: "globalAvgPool" }, [into], `${conv.name}.input_pool`);
        return {
          ref,
          tensor: this.tensorOf(into),
          rule: "input of the 1×1-conv classifier, globally average-pooled",
        };
      }
    }
    throw new OnnxImportError(
      `no classifier found: the output comes from ${head.op.kind} "${head.name}", not a Gemm/MatMul or a 1×1-conv + global-pool head; pass --features NODE`,
    );
  }

  /** The ONNX tensor an IR node's output was first bound to (for reports). */
  private tensorOf(ref: number): string {
    for (const [name, v] of this.values) if (v.kind === "tensor" && v.ref === ref) return name;
    return this.nodes[ref]!.name;
  }

  // -------------------------------------------------------------------------------------------
  // IR nodes.

  /** Adds an IR node (shape and parameters from its op module) under a unique name. */
  private add(
    op: Op,
    inputs: readonly number[],
    name: string,
    inShapes?: readonly (readonly number[])[],
  ): number {
    const def = opDef(op);
    const shapes = inShapes ?? inputs.map((i) => this.nodes[i]!.shape);
    const shape = def.shape(op, shapes);
    if (shape.some((d) => !(d > 0)))
      throw new Error(`${op.kind} produces an empty shape ${fmt(shape)} from ${shapes.map(fmt).join(", ")}`);
    let unique = name;
    for (let i = 1; this.names.has(unique); i++) unique = `${name}_${i}`;
    this.names.add(unique);
    const id = this.nodes.length;
    this.nodes.push({
      id,
      name: unique,
      op,
      inputs: [...inputs],
      shape,
      params: def.params(op, shapes, unique),
    });
    return id;
  }

  /** An IR node whose output has exactly `v`'s shape (a reshape or flatten where only numel agrees). */
  private materialize(v: Value & { kind: "tensor" }): number {
    const node = this.nodes[v.ref]!;
    if (sameDims(node.shape, v.shape)) return v.ref;
    const cached = this.materialized.get(v);
    if (cached !== undefined) return cached;
    const ref =
      v.shape.length === 1
        ? this.add({ kind: "flatten" }, [v.ref], `${node.name}.flat`)
        : this.add({ kind: "reshape", shape: [...v.shape] }, [v.ref], `${node.name}.reshape`);
    this.materialized.set(v, ref);
    return ref;
  }

  private bind(name: string | undefined, v: Value): Mapped {
    if (name) this.values.set(name, v);
    return MAPPED;
  }

  private bindNode(n: onnx.INodeProto, ref: number, shape?: readonly number[]): Mapped {
    return this.bind(n.output?.[0], { kind: "tensor", ref, shape: shape ?? this.nodes[ref]!.shape });
  }

  // -------------------------------------------------------------------------------------------
  // Operands.

  private value(name: string, what: string): Value {
    const v = this.values.get(name);
    if (!v)
      throw new OnnxImportError(
        `${what}: tensor "${name}" is not produced by any node, initializer or input`,
      );
    return v;
  }

  private tensor(name: string, what: string): Value & { kind: "tensor" } {
    const v = this.value(name, what);
    if (v.kind !== "tensor")
      throw new OnnxImportError(`${what}: "${name}" is a constant, expected activations`);
    return v;
  }

  private constant(name: string | undefined, what: string): ConstValue | undefined {
    if (!name) return undefined;
    const v = this.value(name, what);
    if (v.kind !== "const")
      throw new OnnxImportError(`${what}: "${name}" must be a constant (an initializer)`);
    return v;
  }

  private constFrom(name: string, t: TensorValues): ConstValue {
    return {
      kind: "const",
      name,
      dims: t.dims,
      ...(t.floats ? { floats: t.floats } : {}),
      ...(t.ints ? { ints: t.ints } : {}),
    };
  }

  private floatsOf(c: ConstValue, what: string): Float32Array {
    if (c.floats) return c.floats;
    if (c.ints?.every((d) => typeof d === "number")) return Float32Array.from(c.ints as number[]);
    throw new OnnxImportError(`${what}: "${c.name}" is not a float tensor`);
  }

  private intsOf(c: ConstValue, what: string): Dim[] {
    if (c.ints) return [...c.ints];
    if (c.floats?.every((f) => Number.isInteger(f))) return Array.from(c.floats);
    throw new OnnxImportError(`${what}: "${c.name}" is not an integer tensor`);
  }

  private numbersOf(c: ConstValue, what: string): number[] {
    const ints = this.intsOf(c, what);
    if (ints.some((d) => d === BATCH))
      throw new OnnxImportError(`${what}: "${c.name}" depends on the batch size here`);
    return ints as number[];
  }

  /** An integer list given as an input (newer opsets) or an attribute (older ones). */
  private intList(n: onnx.INodeProto, inputIndex: number, attr: string, what: string): number[] | undefined {
    const fromInput = n.input?.[inputIndex];
    if (fromInput) return this.numbersOf(this.constant(fromInput, what)!, what);
    return new Attributes(n).ints(attr);
  }

  private setWeight(name: string, dims: readonly number[], data: Float32Array, what: string): void {
    if (data.length !== numel(dims))
      throw new OnnxImportError(`${what}: ${name} needs ${numel(dims)} values, the model has ${data.length}`);
    this.weights.set(name, data);
  }

  /** The node name an IR node with parameters takes from its weight tensor (see the file comment). */
  private paramName(tensor: string, suffixes: readonly string[], fallback: string): string {
    for (const s of suffixes)
      if (tensor.endsWith(s) && tensor.length > s.length) return tensor.slice(0, -s.length);
    return fallback;
  }

  // -------------------------------------------------------------------------------------------
  // The ops.

  private mapNode(n: onnx.INodeProto, name: string): Mapped {
    const type = n.opType ?? "";
    const ins = n.input ?? [];
    const at = new Attributes(n);
    const what = `ONNX ${type} at node "${name}"`;
    const act = (fn: Activation, alpha?: number): Mapped => {
      const x = this.materialize(this.tensor(ins[0]!, what));
      const op: Op = alpha === undefined ? { kind: "act", fn } : { kind: "act", fn, alpha };
      return this.bindNode(n, this.add(op, [x], name));
    };
    switch (type) {
      case "Conv":
        return this.mapConv(n, name, what, at);
      case "BatchNormalization":
        return this.mapBatchNorm(n, name, what, at);
      case "Relu":
        return act("relu");
      case "Sigmoid":
        return act("sigmoid");
      case "Tanh":
        return act("tanh");
      case "Softplus":
        return act("softplus");
      case "Erf":
        return act("erf");
      case "HardSwish":
        return act("hswish");
      case "Gelu":
        if (at.string("approximate", "none") !== "none")
          throw new OnnxImportError(`${what}: only exact (erf) GELU maps`);
        return act("gelu");
      case "LeakyRelu": {
        const alpha = shortFloat(at.float("alpha", 0.01));
        return alpha === 0.01 ? act("leaky_relu") : act("leaky_relu", alpha);
      }
      case "Elu":
        if (shortFloat(at.float("alpha", 1)) !== 1)
          throw new OnnxImportError(`${what}: only ELU with alpha 1 maps`);
        return act("elu");
      case "HardSigmoid": {
        const alpha = at.float("alpha", 0.2);
        const beta = at.float("beta", 0.5);
        if (Math.fround(alpha) !== Math.fround(1 / 6) || Math.fround(beta) !== 0.5)
          throw new OnnxImportError(
            `${what}: only HardSigmoid(alpha 1/6, beta 1/2) (PyTorch's) maps, got ${alpha}, ${beta}`,
          );
        return act("hsigmoid");
      }
      case "Clip": {
        const bound = (index: number, attr: string) => {
          if (this.opset < 11) return at.has(attr) ? at.float(attr, 0) : undefined;
          const c = this.constant(ins[index], what);
          return c ? this.floatsOf(c, what)[0] : undefined;
        };
        const lo = bound(1, "min");
        const hi = bound(2, "max");
        if (lo === 0 && hi === 6) return act("relu6");
        if (lo === 0 && (hi === undefined || hi === Number.POSITIVE_INFINITY)) return act("relu");
        throw new OnnxImportError(
          `${what}: only Clip(0, 6) (ReLU6) and Clip(0, ∞) (ReLU) map to IR activations, got Clip(${lo ?? "-∞"}, ${hi ?? "∞"})`,
        );
      }
      case "MaxPool":
      case "AveragePool":
        return this.mapPool(n, name, what, at);
      case "GlobalAveragePool": {
        const x = this.spatialInput(ins[0]!, what);
        const ref = this.add({ kind: "globalAvgPool" }, [x], name);
        return this.bindNode(n, ref, [this.nodes[ref]!.shape[0]!, 1, 1]);
      }
      case "GlobalMaxPool": {
        const x = this.spatialInput(ins[0]!, what);
        const [, h, w] = this.nodes[x]!.shape as [number, number, number];
        const op: Op = {
          kind: "pool",
          mode: "max",
          kernel: [h, w],
          stride: [1, 1],
          pads: [0, 0, 0, 0],
          countIncludePad: false,
        };
        return this.bindNode(n, this.add(op, [x], name));
      }
      case "ReduceMean": {
        const v = this.tensor(ins[0]!, what);
        const rank = v.shape.length + 1;
        const axes = (this.intList(n, 1, "axes", what) ?? []).map((a) => (a < 0 ? a + rank : a)).sort();
        if (rank !== 4 || axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3)
          throw new OnnxImportError(
            `${what}: only a mean over H and W of an N×C×H×W tensor maps (axes ${axes.join(",")})`,
          );
        const ref = this.add({ kind: "globalAvgPool" }, [this.materialize(v)], name);
        const c = this.nodes[ref]!.shape[0]!;
        return this.bindNode(n, ref, at.int("keepdims", 1) ? [c, 1, 1] : [c]);
      }
      case "Add":
      case "Sum":
        return this.mapSum(n, name, what);
      case "Mul": {
        const [a, b] = [this.value(ins[0]!, what), this.value(ins[1]!, what)];
        if (a.kind === "tensor" && b.kind === "tensor")
          return this.bindNode(
            n,
            this.add({ kind: "mul" }, [this.materialize(a), this.materialize(b)], name),
          );
        const [x, c] = a.kind === "tensor" ? [a, b as ConstValue] : [b as Value, a];
        if (x.kind === "tensor" && c.kind === "const") {
          const f = this.floatsOf(c, what);
          // The IR's `zero` op (NB201's `none` edge) lowers to a multiplication by a 0 scalar.
          if (f.length === 1 && f[0] === 0)
            return this.bindNode(n, this.add({ kind: "zero" }, [this.materialize(x)], name), x.shape);
          throw new OnnxImportError(`${what}: multiplying by a constant other than 0 is not supported`);
        }
        throw new OnnxImportError(`${what}: only shape arithmetic on constants folds, not Mul`);
      }
      case "Concat":
        return this.mapConcat(n, name, what, at);
      case "Flatten": {
        const v = this.tensor(ins[0]!, what);
        const axis = at.int("axis", 1);
        if (axis !== 1 && axis !== -v.shape.length)
          throw new OnnxImportError(`${what}: only Flatten at axis 1 (per sample) maps, got axis ${axis}`);
        return this.bind(n.output?.[0], { kind: "tensor", ref: v.ref, shape: [numel(v.shape)] });
      }
      case "Reshape":
        return this.mapReshape(n, what, at);
      case "Squeeze":
      case "Unsqueeze":
        return this.mapSqueeze(n, what, type === "Squeeze");
      case "Gemm":
        return this.mapGemm(n, name, what, at);
      case "MatMul":
        return this.mapMatMul(n, name, what);
      case "Slice":
        return this.mapSlice(n, name, what, at);
      case "Identity": {
        const v = this.value(ins[0]!, what);
        // An identity of a constant or of the graph input (the IR's input node lowers to one), or
        // one that only names a graph output, adds nothing; others are an IR identity (NB201's
        // skip_connect lowers to one), so the imported graph mirrors the space's.
        const renamesOutput =
          this.graphOutputs.has(n.output?.[0] ?? "") && !this.readers.has(n.output?.[0] ?? "");
        if (v.kind === "const" || (v.kind === "tensor" && (v.ref === this.inputRef || renamesOutput)))
          return this.bind(n.output?.[0], v);
        return this.bindNode(n, this.add({ kind: "identity" }, [this.materialize(v)], name), v.shape);
      }
      case "Dropout": {
        // Inference: the identity. Its mask output, if any reader needed it, stays unbound.
        if (
          at.int("training_mode", 0) !== 0 ||
          (ins[2] && this.intsOf(this.constant(ins[2], what)!, what)[0])
        )
          throw new OnnxImportError(`${what}: Dropout in training mode is not supported`);
        return this.bind(n.output?.[0], this.value(ins[0]!, what));
      }
      case "Constant":
        return this.mapConstant(n, name, what, at);
      case "Shape": {
        const v = this.tensor(ins[0]!, what);
        const dims: Dim[] = [BATCH, ...v.shape];
        const rank = dims.length;
        const norm = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
        const sliced = dims.slice(norm(at.int("start", 0)), at.has("end") ? norm(at.int("end", rank)) : rank);
        return this.bind(n.output?.[0], { kind: "const", name, dims: [sliced.length], ints: sliced });
      }
      case "Gather": {
        const data = this.constant(ins[0], what);
        const indices = this.constant(ins[1], what);
        if (!data || !indices || data.dims.length !== 1 || at.int("axis", 0) !== 0)
          throw new OnnxImportError(`${what}: only Gather from a 1-D shape constant folds`);
        const values = this.intsOf(data, what);
        const picked = this.numbersOf(indices, what).map((i) => values[i < 0 ? i + values.length : i]!);
        return this.bind(n.output?.[0], { kind: "const", name, dims: [...indices.dims], ints: picked });
      }
      case "Cast": {
        const c = this.value(ins[0]!, what);
        if (c.kind !== "const") throw new OnnxImportError(`${what}: only Cast of a constant folds`);
        return this.bind(n.output?.[0], c);
      }
      default:
        throw new OnnxImportError(`unsupported ONNX op ${type} at node "${name}"`);
    }
  }

  /** A [C,H,W] input tensor as an IR node. */
  private spatialInput(name: string, what: string): number {
    const v = this.tensor(name, what);
    if (v.shape.length !== 3)
      throw new OnnxImportError(`${what}: needs an N×C×H×W input, got N×${fmt(v.shape)}`);
    return this.materialize(v);
  }

  /** Pads [top, left, bottom, right] from pads or auto_pad, for a [h, w] input. */
  private pads(at: Attributes, what: string, size: Pair, kernel: Pair, stride: Pair, dilation: Pair): Pads {
    const autoPad = at.string("auto_pad", "NOTSET");
    if (autoPad === "NOTSET") {
      const p = at.ints("pads") ?? [0, 0, 0, 0];
      if (p.length !== 4) throw new OnnxImportError(`${what}: pads ${p.join(",")} are not 2-D`);
      return [p[0]!, p[1]!, p[2]!, p[3]!];
    }
    if (autoPad === "VALID") return [0, 0, 0, 0];
    if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER")
      throw new OnnxImportError(`${what}: auto_pad ${autoPad} is not one ONNX defines`);
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < 2; i++) {
      const out = Math.ceil(size[i]! / stride[i]!);
      const total = Math.max((out - 1) * stride[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - size[i]!, 0);
      const small = Math.floor(total / 2);
      begin.push(autoPad === "SAME_UPPER" ? small : total - small);
      end.push(autoPad === "SAME_UPPER" ? total - small : small);
    }
    return [begin[0]!, begin[1]!, end[0]!, end[1]!];
  }

  private pair(at: Attributes, attr: string, what: string, fallback: Pair): Pair {
    const v = at.ints(attr);
    if (!v) return fallback;
    if (v.length !== 2)
      throw new OnnxImportError(`${what}: ${attr} ${v.join(",")} is not 2-D (only 2-D maps)`);
    return [v[0]!, v[1]!];
  }

  private mapConv(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const ins = n.input ?? [];
    const x = this.spatialInput(ins[0]!, what);
    const weight = this.constant(ins[1], what);
    if (!weight) throw new OnnxImportError(`${what}: no weight`);
    if (weight.dims.length !== 4)
      throw new OnnxImportError(`${what}: only 2-D convolutions map (weight ${fmt(weight.dims)})`);
    const bias = this.constant(ins[2], what);
    const [co, , kh, kw] = weight.dims as [number, number, number, number];
    const kernel = this.pair(at, "kernel_shape", what, [kh, kw]);
    const stride = this.pair(at, "strides", what, [1, 1]);
    const dilation = this.pair(at, "dilations", what, [1, 1]);
    const [, h, w] = this.nodes[x]!.shape as [number, number, number];
    const op: Op = {
      kind: "conv",
      outChannels: co,
      kernel,
      stride,
      pads: this.pads(at, what, [h, w], kernel, stride, dilation),
      dilation,
      groups: at.int("group", 1),
      bias: bias !== undefined,
    };
    const ref = this.add(op, [x], this.paramName(weight.name, [".weight"], name));
    const node = this.nodes[ref]!;
    const [wParam, bParam] = node.params;
    if (!sameDims(wParam!.shape, weight.dims))
      throw new OnnxImportError(
        `${what}: weight is ${fmt(weight.dims)}, but a conv on a ${fmt(this.nodes[x]!.shape)} input needs ${fmt(wParam!.shape)} (check --input-shape)`,
      );
    this.setWeight(wParam!.name, wParam!.shape, this.floatsOf(weight, what), what);
    if (bias) this.setWeight(bParam!.name, bParam!.shape, this.floatsOf(bias, what), what);
    return this.bindNode(n, ref);
  }

  private mapBatchNorm(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const ins = n.input ?? [];
    if (at.int("training_mode", 0) !== 0 || (n.output ?? []).slice(1).some((o) => o && this.readers.has(o)))
      throw new OnnxImportError(
        `${what}: BatchNormalization in training mode is not supported (export in eval mode)`,
      );
    const v = this.tensor(ins[0]!, what);
    const x = this.materialize(v);
    const [scale, shift, mean, variance] = [1, 2, 3, 4].map((i) => this.constant(ins[i], what));
    if (!scale || !shift || !mean || !variance)
      throw new OnnxImportError(`${what}: needs constant scale, B, mean and var`);
    // nasprobe's writer gives a BN without affine parameters shared constants `ones_C` and
    // `zeros_C`; anything else is the layer's own learnable scale and shift (PyTorch counts them).
    const c = this.nodes[x]!.shape[0]!;
    const affine = !(scale.name === `ones_${c}` && shift.name === `zeros_${c}`);
    const base = affine
      ? this.paramName(scale.name, [".weight", ".gamma", ".scale"], name)
      : this.paramName(mean.name, [".running_mean"], name);
    const ref = this.add(
      { kind: "batchnorm", eps: shortFloat(at.float("epsilon", 1e-5)), affine },
      [x],
      base,
    );
    const node = this.nodes[ref]!;
    if (affine) {
      this.setWeight(node.params[0]!.name, [c], this.floatsOf(scale, what), what);
      this.setWeight(node.params[1]!.name, [c], this.floatsOf(shift, what), what);
    }
    this.setWeight(runningMeanName(node), [c], this.floatsOf(mean, what), what);
    this.setWeight(runningVarName(node), [c], this.floatsOf(variance, what), what);
    return this.bindNode(n, ref, v.shape);
  }

  private mapPool(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const x = this.spatialInput(n.input![0]!, what);
    if ((n.output ?? []).slice(1).some((o) => o && this.readers.has(o)))
      throw new OnnxImportError(`${what}: MaxPool's indices output is not supported`);
    const kernel = this.pair(at, "kernel_shape", what, [1, 1]);
    const stride = this.pair(at, "strides", what, [1, 1]);
    const dilation = this.pair(at, "dilations", what, [1, 1]);
    if (dilation[0] !== 1 || dilation[1] !== 1)
      throw new OnnxImportError(`${what}: dilated pooling is not supported`);
    const [, h, w] = this.nodes[x]!.shape as [number, number, number];
    const pads = [...this.pads(at, what, [h, w], kernel, stride, dilation)];
    const mode = n.opType === "MaxPool" ? "max" : "avg";
    const countIncludePad = mode === "avg" && at.int("count_include_pad", 0) === 1;
    if (at.int("ceil_mode", 0) === 1) {
      // Ceil mode adds a last window that hangs over the end (PyTorch and ONNX drop it when it would
      // start in the end padding). For max pooling, and for average pooling that counts only the
      // inside, that window is what floor mode gives with the end padded by the overhang; the
      // padded positions take part in neither.
      for (const [axis, size] of [h, w].entries()) {
        const span = size + pads[axis]! + pads[axis + 2]! - kernel[axis]!;
        let out = Math.ceil(span / stride[axis]!) + 1;
        if ((out - 1) * stride[axis]! >= size + pads[axis]!) out--;
        const extra = (out - 1) * stride[axis]! - span;
        if (extra > 0) {
          if (countIncludePad)
            throw new OnnxImportError(
              `${what}: ceil_mode with count_include_pad changes the last window's divisor; not supported`,
            );
          pads[axis + 2]! += extra;
        }
      }
    }
    const op: Op = {
      kind: "pool",
      mode,
      kernel,
      stride,
      pads: pads as unknown as Pads,
      countIncludePad,
    };
    return this.bindNode(n, this.add(op, [x], name));
  }

  private mapSum(n: onnx.INodeProto, name: string, what: string): Mapped {
    const operands = (n.input ?? []).map((i) => this.value(i, what));
    if (operands.some((v) => v.kind !== "tensor"))
      throw new OnnxImportError(`${what}: adding a constant is supported only as a MatMul's bias`);
    const tensors = operands as Array<Value & { kind: "tensor" }>;
    if (tensors.length === 1) return this.bind(n.output?.[0], tensors[0]!);
    const shape = tensors[0]!.shape;
    for (const t of tensors)
      if (t.shape.length !== shape.length)
        throw new OnnxImportError(`${what}: operands N×${fmt(t.shape)} and N×${fmt(shape)} differ in rank`);
    const out = shape.map((_, i) => Math.max(...tensors.map((t) => t.shape[i]!)));
    return this.bindNode(
      n,
      this.add(
        { kind: "add" },
        tensors.map((t) => this.materialize(t)),
        name,
      ),
      out,
    );
  }

  private mapConcat(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const operands = (n.input ?? []).map((i) => this.value(i, what));
    if (operands.every((v) => v.kind === "const")) {
      // Shape arithmetic: 1-D integer lists joined.
      const ints = operands.flatMap((c) => this.intsOf(c as ConstValue, what));
      return this.bind(n.output?.[0], { kind: "const", name, dims: [ints.length], ints });
    }
    if (operands.some((v) => v.kind !== "tensor"))
      throw new OnnxImportError(`${what}: concatenating activations with a constant is not supported`);
    const tensors = operands as Array<Value & { kind: "tensor" }>;
    const rank = tensors[0]!.shape.length + 1;
    const axis = at.int("axis", 1);
    if ((axis < 0 ? axis + rank : axis) !== 1)
      throw new OnnxImportError(`${what}: only Concat on the channel axis (1) maps, got axis ${axis}`);
    if (tensors.length === 1) return this.bind(n.output?.[0], tensors[0]!);
    return this.bindNode(
      n,
      this.add(
        { kind: "concat" },
        tensors.map((t) => this.materialize(t)),
        name,
      ),
    );
  }

  /** The per-sample shape a Reshape's target gives `shape` (batch kept), or a refusal. */
  private reshapeTarget(
    shape: readonly number[],
    target: readonly Dim[],
    allowZero: boolean,
    what: string,
  ): number[] {
    const total = numel(shape);
    const [first, ...rest] = target;
    const copied = rest.map((d, i) => (d === 0 && !allowZero ? (shape[i] ?? Number.NaN) : d));
    if (copied.some((d) => d === BATCH || Number.isNaN(d)))
      throw new OnnxImportError(`${what}: the target [${target.join(",")}] moves the batch axis`);
    const known = (copied as number[]).filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const inferred = (copied as number[]).filter((d) => d === -1).length;
    const batchKept =
      first === BATCH || (first === 0 && !allowZero) || (first === -1 && inferred === 0 && known === total);
    if (!batchKept || inferred > 1 || (inferred === 1 ? total % known !== 0 : known !== total))
      throw new OnnxImportError(
        `${what}: cannot reshape N×${fmt(shape)} to [${target.join(",")}] per sample`,
      );
    return (copied as number[]).map((d) => (d === -1 ? total / known : d));
  }

  private mapReshape(n: onnx.INodeProto, what: string, at: Attributes): Mapped {
    const ins = n.input ?? [];
    const v = this.value(ins[0]!, what);
    const target = this.intsOf(this.constant(ins[1], what) ?? this.missing(what, "shape"), what);
    if (v.kind === "const") {
      const known = this.numbersOf({ ...v, ints: target }, what);
      return this.bind(n.output?.[0], { ...v, dims: known });
    }
    const shape = this.reshapeTarget(v.shape, target, at.int("allowzero", 0) === 1, what);
    return this.bind(n.output?.[0], { kind: "tensor", ref: v.ref, shape });
  }

  private mapSqueeze(n: onnx.INodeProto, what: string, squeeze: boolean): Mapped {
    const v = this.value(n.input![0]!, what);
    const axes = this.intList(n, 1, "axes", what);
    if (v.kind === "const") {
      // Shape arithmetic: a scalar index made a 1-element list and back; the values stay.
      const count = v.ints?.length ?? v.floats?.length ?? 0;
      return this.bind(n.output?.[0], { ...v, dims: squeeze ? (count === 1 ? [] : [count]) : [count] });
    }
    const full = [BATCH as Dim, ...v.shape];
    let out: Dim[];
    if (squeeze) {
      const rank = full.length;
      const drop = new Set(
        (axes ?? full.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => (a < 0 ? a + rank : a)),
      );
      if (drop.has(0) || [...drop].some((a) => full[a] !== 1))
        throw new OnnxImportError(`${what}: can squeeze only per-sample axes of size 1`);
      out = full.filter((_, i) => !drop.has(i));
    } else {
      if (!axes) throw new OnnxImportError(`${what}: no axes`);
      const rank = full.length + axes.length;
      const add = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      if (add.has(0)) throw new OnnxImportError(`${what}: cannot add an axis before the batch`);
      out = [];
      for (let i = 0, j = 0; i < rank; i++) out.push(add.has(i) ? 1 : full[j++]!);
    }
    return this.bind(n.output?.[0], { kind: "tensor", ref: v.ref, shape: out.slice(1) as number[] });
  }

  private missing(what: string, input: string): never {
    throw new OnnxImportError(`${what}: no ${input} input`);
  }

  /** A linear layer [out, in] (+ bias) named after its weight tensor, with the model's values. */
  private linear(
    n: onnx.INodeProto,
    name: string,
    what: string,
    x: Value & { kind: "tensor" },
    weightName: string,
    weight: Float32Array,
    outFeatures: number,
    bias: Float32Array | undefined,
  ): number {
    if (x.shape.length !== 1)
      throw new OnnxImportError(
        `${what}: the input is N×${fmt(x.shape)}; only a linear map of flat inputs maps`,
      );
    const op: Op = { kind: "linear", outFeatures, bias: bias !== undefined };
    const ref = this.add(op, [this.materialize(x)], this.paramName(weightName, [".weight"], name));
    const [wParam, bParam] = this.nodes[ref]!.params;
    this.setWeight(wParam!.name, wParam!.shape, weight, what);
    if (bias) this.setWeight(bParam!.name, bParam!.shape, bias, what);
    this.bind(n.output?.[0], { kind: "tensor", ref, shape: [outFeatures] });
    return ref;
  }

  /** A bias vector of `out` values from a constant broadcast against [N, out]. */
  private biasOf(c: ConstValue, out: number, scale: number, what: string): Float32Array {
    const f = this.floatsOf(c, what);
    if (f.length !== 1 && f.length !== out)
      throw new OnnxImportError(`${what}: bias ${fmt(c.dims)} does not fit ${out} outputs`);
    return Float32Array.from({ length: out }, (_, i) => scale * f[f.length === 1 ? 0 : i]!);
  }

  private mapGemm(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const ins = n.input ?? [];
    const x = this.tensor(ins[0]!, what);
    const b = this.constant(ins[1], what);
    if (b?.dims.length !== 2) throw new OnnxImportError(`${what}: B must be a 2-D constant`);
    if (at.int("transA", 0) !== 0) throw new OnnxImportError(`${what}: transA is not supported`);
    const transB = at.int("transB", 0) === 1;
    const alpha = at.float("alpha", 1);
    const beta = at.float("beta", 1);
    const [rows, cols] = b.dims as [number, number];
    const [outF, inF] = transB ? [rows, cols] : [cols, rows];
    const bv = this.floatsOf(b, what);
    // The IR's linear keeps W as [out, in] (Gemm transB); α and β are folded into the weights.
    const weight = new Float32Array(outF * inF);
    for (let o = 0; o < outF; o++)
      for (let i = 0; i < inF; i++) weight[o * inF + i] = alpha * bv[transB ? o * inF + i : i * outF + o]!;
    const c = this.constant(ins[2], what);
    this.linear(n, name, what, x, b.name, weight, outF, c ? this.biasOf(c, outF, beta, what) : undefined);
    return MAPPED;
  }

  private mapMatMul(n: onnx.INodeProto, name: string, what: string): Mapped {
    const ins = n.input ?? [];
    const a = this.value(ins[0]!, what);
    const b = this.value(ins[1]!, what);
    if (a.kind === "tensor" && b.kind === "tensor")
      return this.bindNode(n, this.add({ kind: "matmul" }, [this.materialize(a), this.materialize(b)], name));
    if (a.kind !== "tensor" || b.kind !== "const" || b.dims.length !== 2)
      throw new OnnxImportError(`${what}: only activations × a 2-D constant, or two activations, map`);
    const [inF, outF] = b.dims as [number, number];
    const bv = this.floatsOf(b, what);
    const weight = new Float32Array(outF * inF);
    for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) weight[o * inF + i] = bv[i * outF + o]!;
    // MatMul then Add of a constant vector is a linear layer with bias (torch exports nn.Linear so
    // when it does not emit Gemm).
    const out = n.output?.[0] ?? "";
    const readers = this.readers.get(out) ?? [];
    const add = readers.length === 1 && !this.graphOutputs.has(out) ? readers[0]! : undefined;
    let bias: Float32Array | undefined;
    if (add && (add.opType === "Add" || add.opType === "Sum") && (add.input ?? []).length === 2) {
      const other = add.input![0] === out ? add.input![1]! : add.input![0]!;
      const c = this.values.get(other);
      if (
        c?.kind === "const" &&
        (this.floatsOf(c, what).length === outF || this.floatsOf(c, what).length === 1)
      ) {
        bias = this.biasOf(c, outF, 1, what);
        this.fused.add(add);
      }
    }
    const ref = this.linear(n, name, what, a, b.name, weight, outF, bias);
    if (bias) this.bind(add!.output?.[0], { kind: "tensor", ref, shape: [outF] });
    return MAPPED;
  }

  private mapSlice(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const ins = n.input ?? [];
    const v = this.value(ins[0]!, what);
    const list = (index: number, attr: string) =>
      this.opset >= 10
        ? ins[index]
          ? this.numbersOf(this.constant(ins[index], what)!, what)
          : undefined
        : at.ints(attr);
    const starts = list(1, "starts") ?? [];
    const ends = list(2, "ends") ?? [];
    const axes = list(3, "axes") ?? starts.map((_, i) => i);
    const steps = list(4, "steps") ?? starts.map(() => 1);
    if (v.kind === "const") {
      if (axes.length !== 1 || axes[0] !== 0 || steps[0] !== 1 || v.dims.length !== 1)
        throw new OnnxImportError(`${what}: only a 1-D slice of a shape constant folds`);
      const ints = this.intsOf(v, what);
      const norm = (i: number) => Math.min(Math.max(i < 0 ? i + ints.length : i, 0), ints.length);
      const sliced = ints.slice(norm(starts[0]!), norm(ends[0]!));
      return this.bind(n.output?.[0], { kind: "const", name, dims: [sliced.length], ints: sliced });
    }
    const rank = v.shape.length + 1;
    if (
      axes.length !== 1 ||
      (axes[0]! < 0 ? axes[0]! + rank : axes[0]) !== 1 ||
      starts[0] !== 0 ||
      steps[0] !== 1
    )
      throw new OnnxImportError(`${what}: only a slice of the first channels (axis 1, from 0, step 1) maps`);
    const channels = Math.min(ends[0]!, v.shape[0]!);
    return this.bindNode(n, this.add({ kind: "sliceChannels", channels }, [this.materialize(v)], name));
  }

  private mapConstant(n: onnx.INodeProto, name: string, what: string, at: Attributes): Mapped {
    const t = at.tensor("value");
    const out = n.output?.[0];
    if (t) return this.bind(out, this.constFrom(t.name || out || name, tensorValues(t)));
    const f = at.floats("value_floats");
    if (f) return this.bind(out, { kind: "const", name, dims: [f.length], floats: Float32Array.from(f) });
    const i = at.ints("value_ints");
    if (i) return this.bind(out, { kind: "const", name, dims: [i.length], ints: i });
    if (at.has("value_float"))
      return this.bind(out, {
        kind: "const",
        name,
        dims: [],
        floats: Float32Array.of(at.float("value_float", 0)),
      });
    if (at.has("value_int"))
      return this.bind(out, { kind: "const", name, dims: [], ints: [at.int("value_int", 0)] });
    throw new OnnxImportError(`${what}: only tensor, float and int constants are read`);
  }
}
