// y = x.
import { noFlops, noParams, type OpDef } from "./types.js";

export interface IdentityOp {
  readonly kind: "identity";
}

export const identity: OpDef<IdentityOp> = {
  kind: "identity",
  baseName: () => "identity",
  shape: (_op, [s]) => [...s!],
  params: noParams,
  flops: noFlops,
  lower: (c) => void c.w.emit("Identity", [c.inputs[0]!], [c.out]),
  vjp: (c) => ({ inputs: [c.dy], params: {} }),
  reference: (c) => c.out.set(c.inputs[0]!),
};
