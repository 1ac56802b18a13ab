// Reading ONNX protobuf messages for the importer (import.ts): the ModelProto decoded with
// onnx-proto's protobufjs decoder, tensors as float32 or integer arrays, attributes by name, and
// value-info shapes. No Node APIs: a browser page decodes dropped files with this too.
import type { onnx } from "onnx-proto";
import { pb } from "./writer.js";

/** A model the importer refuses; the message is one line naming the fault. */
export class OnnxImportError extends Error {
  override readonly name = "OnnxImportError";
}

const DataType = pb.TensorProto.DataType;

/** protobufjs decodes 64-bit integers as Long objects when the `long` package is present. */
export type Int64 = number | { toNumber(): number } | null | undefined;

export function int(v: Int64): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

/** Decodes a ModelProto, refusing bytes that are not one (protobufjs throws on malformed input). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  if (bytes.length === 0) throw new OnnxImportError("not an ONNX model (the file is empty)");
  let model: onnx.ModelProto;
  try {
    model = pb.ModelProto.decode(bytes);
  } catch (e) {
    // A truncated model ends inside a field: protobufjs reports "index out of range".
    throw new OnnxImportError(
      `not an ONNX model, or a truncated one (${(e instanceof Error ? e.message : String(e)).split("\n")[0]})`,
    );
  }
  if (!model.graph || (model.graph.node ?? []).length === 0 || int(model.irVersion) <= 0)
    throw new OnnxImportError("not an ONNX model (no graph, nodes or IR version in it)");
  return model;
}

/** A constant tensor's values: floats for float types, integers for integer types. */
export interface TensorValues {
  readonly dims: number[];
  readonly floats?: Float32Array;
  readonly ints?: number[];
}

function numel(dims: readonly number[]): number {
  return dims.reduce((a, d) => a * d, 1);
}

/**
 * A copy of `raw` in a buffer of its own, so typed arrays start aligned (raw_data sits at any offset
 * of the file's bytes; under Node it may be a Buffer, whose slice() is a view of a shared pool).
 */
function aligned(raw: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return copy.buffer;
}

export function tensorValues(t: onnx.ITensorProto): TensorValues {
  const name = t.name ?? "";
  if (t.dataLocation === pb.TensorProto.DataLocation.EXTERNAL)
    throw new OnnxImportError(`tensor "${name}" keeps its data in an external file; not supported`);
  const dims = (t.dims ?? []).map(int);
  const n = numel(dims);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const check = (got: number) => {
    if (got !== n)
      throw new OnnxImportError(
        `tensor "${name}" holds ${got} values for shape [${dims.join(",")}] (${n}); the model is truncated or corrupt`,
      );
  };
  const view = raw ? new DataView(aligned(raw)) : undefined;
  switch (t.dataType) {
    case DataType.FLOAT: {
      const floats = raw
        ? new Float32Array(aligned(raw), 0, Math.floor(raw.length / 4))
        : Float32Array.from(t.floatData ?? []);
      if (raw && raw.length % 4 !== 0) check(-1);
      check(floats.length);
      return { dims, floats };
    }
    case DataType.DOUBLE: {
      const floats = raw
        ? Float32Array.from({ length: raw.length / 8 }, (_, i) => view!.getFloat64(8 * i, true))
        : Float32Array.from(t.doubleData ?? []);
      check(floats.length);
      return { dims, floats };
    }
    case DataType.INT64: {
      const ints = raw
        ? Array.from({ length: raw.length / 8 }, (_, i) => Number(view!.getBigInt64(8 * i, true)))
        : (t.int64Data ?? []).map(int);
      check(ints.length);
      return { dims, ints };
    }
    case DataType.INT32:
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.INT16:
    case DataType.BOOL: {
      const width = t.dataType === DataType.INT32 ? 4 : t.dataType === DataType.INT16 ? 2 : 1;
      const read = (i: number) =>
        width === 4
          ? view!.getInt32(4 * i, true)
          : width === 2
            ? view!.getInt16(2 * i, true)
            : view!.getInt8(i);
      const ints = raw
        ? Array.from({ length: raw.length / width }, (_, i) => read(i))
        : [...(t.int32Data ?? [])];
      check(ints.length);
      return { dims, ints };
    }
    default:
      throw new OnnxImportError(
        `tensor "${name}" has data type ${DataType[t.dataType ?? 0] ?? t.dataType}; only float and integer tensors are read`,
      );
  }
}

/** A node's attributes by name. */
export class Attributes {
  private readonly byName = new Map<string, onnx.IAttributeProto>();

  constructor(node: onnx.INodeProto) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? int(a.i) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map(int) : undefined;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  floats(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }

  tensor(name: string): onnx.ITensorProto | undefined {
    return this.byName.get(name)?.t ?? undefined;
  }
}

/** A value-info's dims: numbers where fixed, undefined where symbolic or missing. */
export function valueInfoDims(v: onnx.IValueInfoProto): Array<number | undefined> | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => {
    const value = int(d.dimValue);
    return d.dimValue !== null && d.dimValue !== undefined && value > 0 ? value : undefined;
  });
}

/** `v` as a float32 value when that is exact: ONNX stores attributes as float32, 1e-5 reads back as 9.99999974737875e-6. */
export function shortFloat(f: number): number {
  const short = Number(f.toPrecision(7));
  return Math.fround(short) === Math.fround(f) ? short : f;
}
