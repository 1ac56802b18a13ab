// Element-wise sum of any number of inputs (ONNX Sum). Shapes of equal rank broadcast axis by
// axis (see common.ts); the builder's `add` insists on equal shapes, `addBroadcast` does not.
import { broadcastIndex, broadcastShape, unbroadcast } from "./common.js";
import { noFlops, noParams, type OpDef } from "./types.js";

export interface AddOp {
  readonly kind: "add";
}

export const add: OpDef<AddOp> = {
  kind: "add",
  baseName: () => "add",
  shape: (_op, inShapes) => broadcastShape("add", inShapes),
  params: noParams,
  flops: noFlops,
  lower: ({ w, inputs, out }) => void w.emit("Sum", [...inputs], [out]),
  vjp: ({ w, node, dy, inShapes, fresh }) => ({
    inputs: inShapes.map((s) => unbroadcast(w, dy, s, node.shape, fresh)),
    params: {},
  }),
  reference: ({ node, inputs, inShapes, out, batch }) => {
    const per = out.length / batch;
    inputs.forEach((v, k) => {
      const at = broadcastIndex(inShapes[k]!, node.shape);
      for (let b = 0; b < batch; b++) for (let i = 0; i < per; i++) out[b * per + i]! += v[at(b, i)]!;
    });
  },
};
