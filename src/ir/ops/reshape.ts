// Per-sample reshape to a fixed shape with the same number of elements (row-major, as ONNX).
import { numel } from "../graph.js";
import { noFlops, noParams, type OpDef } from "./types.js";

export interface ReshapeOp {
  readonly kind: "reshape";
  /** The per-sample output shape (no -1: the builder resolves it). */
  readonly shape: readonly number[];
}

export const reshape: OpDef<ReshapeOp> = {
  kind: "reshape",
  baseName: () => "reshape",
  shape: (op, [s]) => {
    if (numel(op.shape) !== numel(s!))
      throw new Error(
        `reshape: ${s!.join("x")} has ${numel(s!)} elements, ${op.shape.join("x")} has ${numel(op.shape)}`,
      );
    return [...op.shape];
  },
  params: noParams,
  flops: noFlops,
  lower: (c) => void c.w.emit("Reshape", [c.inputs[0]!, c.w.int64s([-1, ...c.op.shape])], [c.out]),
  vjp: (c) => ({
    inputs: [c.w.emit("Reshape", [c.dy, c.w.int64s([-1, ...c.inShape])], [c.fresh("dx")])],
    params: {},
  }),
  reference: (c) => c.out.set(c.inputs[0]!),
};
