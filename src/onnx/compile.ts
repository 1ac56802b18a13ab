// IR graph → ONNX ModelProto. One lowering per IR op; nothing else in nasprobe writes ONNX nodes
// for the forward pass.
import onnxProto, { type onnx } from "onnx-proto";
import { type Activation, batchNormNodes, type Graph, type Node, numel } from "../ir/graph.js";

// onnx-proto is CommonJS; its namespace comes through the default export under ESM.
const pb = onnxProto.onnx;

export const OPSET = 17;
const FLOAT = pb.TensorProto.DataType.FLOAT;
const INT64 = pb.TensorProto.DataType.INT64;
const UINT8 = pb.TensorProto.DataType.UINT8;

/**
 * - `inference`: BN normalises with running statistics, fed as `<bn>.running_mean|var`.
 * - `train`: BN normalises with the batch's statistics and also outputs them as
 *   `<bn>.batch_mean|var` (biased variance), so callers can update running statistics.
 */
export type BatchNormMode = "inference" | "train";

export interface CompileOptions {
  readonly bnMode: BatchNormMode;
  /** Bake these tensors (params and running stats, by name) as initializers; the rest stay graph inputs. */
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Which of the graph's outputs to expose. */
  readonly outputs?: ReadonlyArray<"features" | "logits">;
  /** Further nodes whose outputs to expose, under their node names. */
  readonly extraOutputs?: readonly number[];
}

export interface CompiledModel {
  readonly bytes: Uint8Array;
  /** Graph inputs other than `input`, in order: params and BN statistics not baked in. */
  readonly weightInputs: readonly string[];
  readonly outputNames: readonly string[];
}

export const runningMeanName = (bn: Node) => `${bn.name}.running_mean`;
export const runningVarName = (bn: Node) => `${bn.name}.running_var`;
export const batchMeanName = (bn: Node) => `${bn.name}.batch_mean`;
export const batchVarName = (bn: Node) => `${bn.name}.batch_var`;

function valueInfo(
  name: string,
  dims: ReadonlyArray<number | string>,
  elemType = FLOAT,
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function floatTensor(name: string, dims: readonly number[], data: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims: [...dims],
    dataType: FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function intsAttr(name: string, ints: readonly number[]): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.INTS, ints: [...ints] };
}
function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.INT, i };
}
function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.FLOAT, f };
}

/** All named tensors a graph reads besides its input: params, then BN running statistics. */
export function weightSpecs(graph: Graph, bnMode: BatchNormMode): Array<{ name: string; shape: number[] }> {
  const specs = graph.nodes.flatMap((n) => n.params.map((p) => ({ name: p.name, shape: [...p.shape] })));
  if (bnMode === "inference") {
    for (const bn of batchNormNodes(graph)) {
      const c = bn.shape[0]!;
      specs.push({ name: runningMeanName(bn), shape: [c] }, { name: runningVarName(bn), shape: [c] });
    }
  }
  return specs;
}

/** Accumulates one ONNX graph: nodes, initializers (deduplicated constants), inputs and outputs. */
export class OnnxWriter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly consts = new Set<string>();
  private fresh = 0;

  emit(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType, input, output, attribute, name: `${output[0]}_${opType}` });
    return output[0]!;
  }

  /** A unique tensor name with a readable prefix. */
  name(prefix: string): string {
    return `${prefix}_${this.fresh++}`;
  }

  constant(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    if (this.consts.has(name)) return name;
    this.consts.add(name);
    if (data instanceof BigInt64Array) {
      this.initializers.push({
        name,
        dims: [...dims],
        dataType: INT64,
        rawData: new Uint8Array(data.buffer),
      });
    } else {
      this.initializers.push(floatTensor(name, dims, data));
    }
    return name;
  }

  scalar(v: number): string {
    return this.constant(`scalar_${v}`, [], new Float32Array([v]));
  }

  int64s(values: readonly number[]): string {
    return this.constant(`i64_${values.join("_")}`, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  input(name: string, dims: ReadonlyArray<number | string>, elemType: "float" | "uint8" = "float"): void {
    this.inputs.push(valueInfo(name, dims, elemType === "float" ? FLOAT : UINT8));
  }

  output(name: string, dims: ReadonlyArray<number | string>, elemType: "float" | "uint8" = "float"): void {
    this.outputs.push(valueInfo(name, dims, elemType === "float" ? FLOAT : UINT8));
  }

  encode(): Uint8Array {
    const model = pb.ModelProto.create({
      irVersion: 8,
      producerName: "nasprobe",
      opsetImport: [{ domain: "", version: OPSET }],
      graph: {
        name: "nasprobe",
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return pb.ModelProto.encode(model).finish();
  }
}

/** The tensor holding node `id`'s output in a lowered graph. */
export const tensorName = (id: number) => `t${id}`;
/** Train-mode BN's batch mean with dims kept ([1, C, 1, 1] or [1, C]). */
export const batchMeanKeepName = (bn: Node) => `${tensorName(bn.id)}_mean_keep`;
/** MaxPool's argmax indices (flat over N·C·H·W), emitted when lowering for a gradient. */
export const maxPoolIndicesName = (pool: Node) => `${tensorName(pool.id)}_indices`;

export interface LowerOptions {
  readonly bnMode: BatchNormMode;
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Also emit MaxPool's indices (the gradient routes through them). */
  readonly maxPoolIndices?: boolean;
  /**
   * ReLU and leaky ReLU take their on/off pattern from a uint8 input `<node>.relu_mask` instead of
   * from their input's sign: the network is then smooth in its weights around that pattern, which
   * is what autograd's Hessian (ReLU'' = 0) describes. See metrics/grasp.ts.
   */
  readonly frozenReluMasks?: boolean;
}

/** The uint8 on/off pattern of a ReLU-family node's input, [N, ...shape]. */
export const reluMaskName = (node: Node) => `${node.name}.relu_mask`;
/** The pattern as floats inside a lowered graph with frozen masks. */
export const reluMaskFloatName = (node: Node) => `${tensorName(node.id)}_maskf`;
const PIECEWISE_LINEAR = new Set<Activation>(["relu", "leaky_relu"]);
export const isReluFamily = (node: Node) => node.op.kind === "act" && PIECEWISE_LINEAR.has(node.op.fn);

/** Declares the input, binds weights (baked or as graph inputs) and emits every node's forward op. */
export function lowerForward(graph: Graph, w: OnnxWriter, options: LowerOptions): { weightInputs: string[] } {
  const weightInputs: string[] = [];
  w.input("input", ["N", ...graph.inputShape]);
  for (const spec of weightSpecs(graph, options.bnMode)) {
    const baked = options.initializers?.get(spec.name);
    if (baked) {
      if (baked.length !== numel(spec.shape)) {
        throw new Error(`initializer ${spec.name} has ${baked.length} values, expected ${numel(spec.shape)}`);
      }
      w.initializers.push(floatTensor(spec.name, spec.shape, baked));
    } else {
      w.input(spec.name, spec.shape);
      weightInputs.push(spec.name);
    }
  }

  const emit = w.emit.bind(w);
  for (const node of graph.nodes) {
    const out = tensorName(node.id);
    const ins = node.inputs.map(tensorName);
    const op = node.op;
    switch (op.kind) {
      case "input":
        emit("Identity", ["input"], [out]);
        break;
      case "conv":
        emit(
          "Conv",
          [ins[0]!, `${node.name}.weight`, ...(op.bias ? [`${node.name}.bias`] : [])],
          [out],
          [
            intsAttr("kernel_shape", op.kernel),
            intsAttr("strides", op.stride),
            intsAttr("pads", op.pads),
            intsAttr("dilations", op.dilation),
            intAttr("group", op.groups),
          ],
        );
        break;
      case "batchnorm": {
        const c = node.shape[0]!;
        const scale = op.affine
          ? `${node.name}.gamma`
          : w.constant(`ones_${c}`, [c], new Float32Array(c).fill(1));
        const shift = op.affine ? `${node.name}.beta` : w.constant(`zeros_${c}`, [c], new Float32Array(c));
        let mean = runningMeanName(node);
        let variance = runningVarName(node);
        if (options.bnMode === "train") {
          const axes = node.shape.length === 3 ? [0, 2, 3] : [0];
          mean = batchMeanName(node);
          variance = batchVarName(node);
          const meanKeep = batchMeanKeepName(node);
          emit("ReduceMean", [ins[0]!], [meanKeep], [intsAttr("axes", axes), intAttr("keepdims", 1)]);
          emit("Reshape", [meanKeep, w.int64s([c])], [mean]);
          emit("Sub", [ins[0]!, meanKeep], [`${out}_centered`]);
          emit("Mul", [`${out}_centered`, `${out}_centered`], [`${out}_sq`]);
          emit("ReduceMean", [`${out}_sq`], [variance], [intsAttr("axes", axes), intAttr("keepdims", 0)]);
          w.output(mean, [c]);
          w.output(variance, [c]);
        }
        emit(
          "BatchNormalization",
          [ins[0]!, scale, shift, mean, variance],
          [out],
          [floatAttr("epsilon", op.eps)],
        );
        break;
      }
      case "act":
        if (options.frozenReluMasks && isReluFamily(node)) {
          w.input(reluMaskName(node), ["N", ...node.shape], "uint8");
          const mask = emit("Cast", [reluMaskName(node)], [reluMaskFloatName(node)], [intAttr("to", FLOAT)]);
          const slope =
            op.fn === "relu"
              ? mask
              : emit(
                  "Add",
                  [emit("Mul", [mask, w.scalar(0.99)], [`${out}_s99`]), w.scalar(0.01)],
                  [`${out}_slope`],
                );
          emit("Mul", [ins[0]!, slope], [out]);
        } else lowerActivation(op.fn, ins[0]!, out, w);
        break;
      case "pool":
        emit(
          op.mode === "avg" ? "AveragePool" : "MaxPool",
          [ins[0]!],
          op.mode === "max" && options.maxPoolIndices ? [out, maxPoolIndicesName(node)] : [out],
          [
            intsAttr("kernel_shape", op.kernel),
            intsAttr("strides", op.stride),
            intsAttr("pads", op.pads),
            ...(op.mode === "avg" ? [intAttr("count_include_pad", op.countIncludePad ? 1 : 0)] : []),
          ],
        );
        break;
      case "globalAvgPool":
        emit("GlobalAveragePool", [ins[0]!], [`${out}_pooled`]);
        emit("Flatten", [`${out}_pooled`], [out], [intAttr("axis", 1)]);
        break;
      case "add":
        emit("Sum", ins, [out]);
        break;
      case "concat":
        emit("Concat", ins, [out], [intAttr("axis", 1)]);
        break;
      case "sliceChannels":
        emit("Slice", [ins[0]!, w.int64s([0]), w.int64s([op.channels]), w.int64s([1])], [out]);
        break;
      case "linear":
        emit(
          "Gemm",
          [ins[0]!, `${node.name}.weight`, ...(op.bias ? [`${node.name}.bias`] : [])],
          [out],
          [intAttr("transB", 1)],
        );
        break;
      case "flatten":
        emit("Flatten", [ins[0]!], [out], [intAttr("axis", 1)]);
        break;
      case "identity":
        emit("Identity", [ins[0]!], [out]);
        break;
      case "zero":
        emit("Mul", [ins[0]!, w.scalar(0)], [out]);
        break;
    }
  }
  return { weightInputs };
}

/** Exposes node outputs under `name`, batch-major. */
export function exposeOutput(w: OnnxWriter, name: string, node: Node): void {
  w.emit("Identity", [tensorName(node.id)], [name]);
  w.output(name, ["N", ...node.shape]);
}

export function compileToOnnx(graph: Graph, options: CompileOptions): CompiledModel {
  const w = new OnnxWriter();
  const { weightInputs } = lowerForward(graph, w, options);
  const exposed: Array<{ name: string; node: Node }> = [];
  for (const which of options.outputs ?? ["features", "logits"])
    exposed.push({ name: which, node: graph.nodes[graph[which]]! });
  for (const id of options.extraOutputs ?? [])
    exposed.push({ name: graph.nodes[id]!.name, node: graph.nodes[id]! });
  for (const { name, node } of exposed) exposeOutput(w, name, node);
  return { bytes: w.encode(), weightInputs, outputNames: w.outputs.map((o) => o.name!) };
}

/** Activations that are a single ONNX op. */
const SINGLE_OP_ACTIVATIONS: Partial<Record<Activation, { opType: string; alpha?: number }>> = {
  relu: { opType: "Relu" },
  tanh: { opType: "Tanh" },
  sigmoid: { opType: "Sigmoid" },
  erf: { opType: "Erf" },
  elu: { opType: "Elu", alpha: 1 },
  softplus: { opType: "Softplus" },
  leaky_relu: { opType: "LeakyRelu", alpha: 0.01 },
  identity: { opType: "Identity" },
};

function lowerActivation(fn: Activation, x: string, out: string, w: OnnxWriter): void {
  const emit = w.emit.bind(w);
  const single = SINGLE_OP_ACTIVATIONS[fn];
  if (single) {
    emit(single.opType, [x], [out], single.alpha === undefined ? [] : [floatAttr("alpha", single.alpha)]);
    return;
  }
  const scalar = (v: number) => w.scalar(v);
  if (fn === "swish") {
    emit("Sigmoid", [x], [`${out}_sig`]);
    emit("Mul", [x, `${out}_sig`], [out]);
  } else if (fn === "gelu") {
    // Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)); opset 17 has no Gelu op.
    emit("Mul", [x, scalar(Math.SQRT1_2)], [`${out}_s`]);
    emit("Erf", [`${out}_s`], [`${out}_erf`]);
    emit("Add", [`${out}_erf`, scalar(1)], [`${out}_p`]);
    emit("Mul", [x, `${out}_p`], [`${out}_xp`]);
    emit("Mul", [`${out}_xp`, scalar(0.5)], [out]);
  } else {
    throw new Error(`no ONNX lowering for activation ${fn}`);
  }
}
