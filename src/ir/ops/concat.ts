// Concatenation along channels (axis 0 of the per-sample shape); the other axes must agree.
import { intAttr } from "../../onnx/writer.js";
import { numel } from "../graph.js";
import { noFlops, noParams, type OpDef, sameShape } from "./types.js";

export interface ConcatOp {
  readonly kind: "concat";
}

export const concat: OpDef<ConcatOp> = {
  kind: "concat",
  baseName: () => "concat",
  shape: (_op, inShapes) => {
    const first = inShapes[0]!;
    let channels = 0;
    for (const s of inShapes) {
      if (!sameShape(s.slice(1), first.slice(1)))
        throw new Error(`concat: spatial shape ${s.join("x")} differs from ${first.join("x")}`);
      channels += s[0]!;
    }
    return [channels, ...first.slice(1)];
  },
  params: noParams,
  flops: noFlops,
  lower: ({ w, inputs, out }) => void w.emit("Concat", [...inputs], [out], [intAttr("axis", 1)]),
  vjp: ({ w, inShapes, dy, fresh }) => {
    const sizes = inShapes.map((s) => s[0]!);
    const parts = inShapes.map((_, k) => fresh(`dx${k}`));
    w.emit("Split", [dy, w.int64s(sizes)], parts, [intAttr("axis", 1)]);
    return { inputs: parts, params: {} };
  },
  reference: ({ node, inputs, inShapes, out, batch }) => {
    const per = numel(node.shape);
    const hw = numel(node.shape.slice(1));
    let offset = 0;
    inputs.forEach((v, k) => {
      const part = inShapes[k]![0]! * hw;
      for (let b = 0; b < batch; b++) out.set(v.subarray(b * part, (b + 1) * part), b * per + offset);
      offset += part;
    });
  },
};
