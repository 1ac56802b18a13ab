// Element-wise product of two inputs, broadcasting axes of size 1 (e.g. squeeze-and-excitation's
// [C, H, W] ⊙ [C, 1, 1]).
import { broadcastIndex, broadcastShape, unbroadcast } from "./common.js";
import { noFlops, noParams, type OpDef } from "./types.js";

export interface MulOp {
  readonly kind: "mul";
}

export const mul: OpDef<MulOp> = {
  kind: "mul",
  baseName: () => "mul",
  shape: (_op, inShapes) => {
    if (inShapes.length !== 2) throw new Error(`mul takes two inputs, got ${inShapes.length}`);
    return broadcastShape("mul", inShapes);
  },
  params: noParams,
  flops: noFlops,
  lower: ({ w, inputs, out }) => void w.emit("Mul", [inputs[0]!, inputs[1]!], [out]),
  vjp: ({ w, node, inputs, dy, inShapes, fresh }) => ({
    inputs: [0, 1].map((k) =>
      unbroadcast(w, w.emit("Mul", [dy, inputs[1 - k]!], [fresh(`d${k}`)]), inShapes[k]!, node.shape, fresh),
    ),
    params: {},
  }),
  reference: ({ node, inputs, inShapes, out, batch }) => {
    const per = out.length / batch;
    const a = broadcastIndex(inShapes[0]!, node.shape);
    const b2 = broadcastIndex(inShapes[1]!, node.shape);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < per; i++) out[b * per + i] = inputs[0]![a(b, i)]! * inputs[1]![b2(b, i)]!;
  },
};
