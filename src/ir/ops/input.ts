// The graph input: the fed tensor `input`, per-sample shape Graph.inputShape (the builder passes
// it as the node's only input shape).
import { noFlops, noParams, type OpDef } from "./types.js";

export interface InputOp {
  readonly kind: "input";
}

export const input: OpDef<InputOp> = {
  kind: "input",
  baseName: () => "input",
  shape: (_op, [s]) => [...s!],
  params: noParams,
  flops: noFlops,
  lower: (c) => void c.w.emit("Identity", ["input"], [c.out]),
  vjp: (c) => ({ inputs: [c.dy], params: {} }),
  reference: (c) => c.out.set(c.inputs[0]!),
};
