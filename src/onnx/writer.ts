// The ONNX graph writer and the tensor-naming conventions shared by the forward lowering
// (compile.ts), the op modules (ir/ops) and the backward pass (gradient.ts). Nothing here knows
// about any particular op.
import onnxProto, { type onnx } from "onnx-proto";
import type { Node } from "../ir/graph.js";

// onnx-proto is CommonJS; its namespace comes through the default export under ESM.
export const pb = onnxProto.onnx;

export const OPSET = 17;
export const FLOAT = pb.TensorProto.DataType.FLOAT;
const INT64 = pb.TensorProto.DataType.INT64;
const UINT8 = pb.TensorProto.DataType.UINT8;

/**
 * - `inference`: BN normalises with running statistics, fed as `<bn>.running_mean|var`.
 * - `train`: BN normalises with the batch's statistics and also outputs them as
 *   `<bn>.batch_mean|var` (biased variance), so callers can update running statistics.
 */
export type BatchNormMode = "inference" | "train";

export const runningMeanName = (bn: Node) => `${bn.name}.running_mean`;
export const runningVarName = (bn: Node) => `${bn.name}.running_var`;
export const batchMeanName = (bn: Node) => `${bn.name}.batch_mean`;
export const batchVarName = (bn: Node) => `${bn.name}.batch_var`;
/** The tensor holding node `id`'s output in a lowered graph. */
export const tensorName = (id: number) => `t${id}`;
/** MaxPool's argmax indices (flat over N·C·H·W), emitted when lowering for a gradient. */
export const maxPoolIndicesName = (pool: Node) => `${tensorName(pool.id)}_indices`;
/** The uint8 on/off pattern of a ReLU-family node's input, [N, ...shape]. */
export const reluMaskName = (node: Node) => `${node.name}.relu_mask`;
/** The pattern as floats inside a lowered graph with frozen masks. */
export const reluMaskFloatName = (node: Node) => `${tensorName(node.id)}_maskf`;

export function valueInfo(
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

export function floatTensor(name: string, dims: readonly number[], data: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims: [...dims],
    dataType: FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function intsAttr(name: string, ints: readonly number[]): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.INTS, ints: [...ints] };
}
export function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.INT, i };
}
export function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.FLOAT, f };
}
export function stringAttr(name: string, s: string): onnx.IAttributeProto {
  return { name, type: pb.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
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
