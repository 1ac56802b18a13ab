// [C, H, W] → [C·H·W] (ONNX Flatten at axis 1).

import { intAttr } from "../../onnx/writer.js";
import { numel } from "../graph.js";
import { noFlops, noParams, type OpDef } from "./types.js";

export interface FlattenOp {
  readonly kind: "flatten";
}

export const flatten: OpDef<FlattenOp> = {
  kind: "flatten",
  baseName: () => "flatten",
  shape: (_op, [s]) => [numel(s!)],
  params: noParams,
  flops: noFlops,
  lower: (c) => void c.w.emit("Flatten", [c.inputs[0]!], [c.out], [intAttr("axis", 1)]),
  vjp: (c) => ({
    inputs: [c.w.emit("Reshape", [c.dy, c.w.int64s([-1, ...c.inShape])], [c.fresh("dx")])],
    params: {},
  }),
  reference: (c) => c.out.set(c.inputs[0]!),
};
