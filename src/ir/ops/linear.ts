// Fully connected layer on a flat input (ONNX Gemm with transB): y = x Wᵀ + b.
import { intAttr } from "../../onnx/writer.js";
import type { Param } from "../graph.js";
import { numel } from "../graph.js";
import type { OpDef } from "./types.js";

export interface LinearOp {
  readonly kind: "linear";
  readonly outFeatures: number;
  readonly bias: boolean;
}

export const linear: OpDef<LinearOp> = {
  kind: "linear",
  baseName: () => "linear",
  shape: (op, [s]) => {
    if (s!.length !== 1) throw new Error(`linear needs a flat input, got ${s!.join("x")}`);
    return [op.outFeatures];
  },
  params: (op, [s], name) => {
    const inF = s![0]!;
    return [
      { name: `${name}.weight`, shape: [op.outFeatures, inF], role: "weight", fanIn: inF },
      ...(op.bias
        ? [{ name: `${name}.bias`, shape: [op.outFeatures], role: "bias", fanIn: inF } as Param]
        : []),
    ];
  },
  flops: ({ op, inShapes, outShape }) => {
    const outElements = numel(outShape);
    return outElements * inShapes[0]![0]! + (op.bias ? outElements : 0);
  },
  lower: ({ w, node, op, inputs, out }) =>
    void w.emit(
      "Gemm",
      [inputs[0]!, `${node.name}.weight`, ...(op.bias ? [`${node.name}.bias`] : [])],
      [out],
      [intAttr("transB", 1)],
    ),
  vjp: ({ w, node, op, x, dy, fresh }) => {
    const weight = `${node.name}.weight`;
    const params: Record<string, string> = {
      [weight]: w.emit("Gemm", [dy, x], [fresh("dw")], [intAttr("transA", 1)]),
    };
    if (op.bias)
      params[`${node.name}.bias`] = w.emit(
        "ReduceSum",
        [dy, w.int64s([0])],
        [fresh("db")],
        [intAttr("keepdims", 0)],
      );
    return { inputs: [w.emit("MatMul", [dy, weight], [fresh("dx")])], params };
  },
  reference: ({ node, op, inputs, inShapes, out, batch, weight }) => {
    const x = inputs[0]!;
    const inF = inShapes[0]![0]!;
    const wt = weight(`${node.name}.weight`);
    const bias = op.bias ? weight(`${node.name}.bias`) : undefined;
    for (let b = 0; b < batch; b++)
      for (let o = 0; o < op.outFeatures; o++) {
        let s = bias ? bias[o]! : 0;
        for (let i = 0; i < inF; i++) s += x[b * inF + i]! * wt[o * inF + i]!;
        out[b * op.outFeatures + o] = s;
      }
  },
};
