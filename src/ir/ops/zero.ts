// y = 0·x (NB201's "none" edge): same shape, no gradient to its input.
import { noFlops, noParams, type OpDef } from "./types.js";

export interface ZeroOp {
  readonly kind: "zero";
}

export const zero: OpDef<ZeroOp> = {
  kind: "zero",
  baseName: () => "zero",
  shape: (_op, [s]) => [...s!],
  params: noParams,
  flops: noFlops,
  lower: (c) => void c.w.emit("Mul", [c.inputs[0]!, c.w.scalar(0)], [c.out]),
  vjp: () => ({ inputs: [undefined], params: {} }),
  reference: () => {},
};
