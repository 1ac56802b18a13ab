// Product of two node tensors over their last two axes, per sample: [..., M, K] × [..., K, N] →
// [..., M, N] (ONNX MatMul; leading axes must agree, no broadcasting). For a product with a
// learnable weight use `linear` (Gemm).
import { intsAttr } from "../../onnx/writer.js";
import { numel } from "../graph.js";
import { type OpDef, sameShape } from "./types.js";

export interface MatMulOp {
  readonly kind: "matmul";
}

const transposeLast = (rank: number) => [
  ...Array.from({ length: rank - 2 }, (_, i) => i),
  rank - 1,
  rank - 2,
];

export const matmul: OpDef<MatMulOp> = {
  kind: "matmul",
  baseName: () => "matmul",
  shape: (_op, inShapes) => {
    const [a, b] = inShapes as [readonly number[], readonly number[]];
    const r = a.length;
    if (
      inShapes.length !== 2 ||
      r < 2 ||
      b.length !== r ||
      !sameShape(a.slice(0, -2), b.slice(0, -2)) ||
      a[r - 1] !== b[r - 2]
    )
      throw new Error(`matmul: shapes ${inShapes.map((s) => s.join("x")).join(" and ")} do not multiply`);
    return [...a.slice(0, -1), b[r - 1]!];
  },
  params: () => [],
  // Multiply-accumulates, as a Linear of the same size would count.
  flops: ({ inShapes, outShape }) => numel(outShape) * inShapes[0]![inShapes[0]!.length - 1]!,
  lower: ({ w, inputs, out }) => void w.emit("MatMul", [inputs[0]!, inputs[1]!], [out]),
  vjp: ({ w, inputs, inShapes, dy, fresh }) => {
    // With the batch axis in front the rank is one more than the per-sample rank.
    const perm = transposeLast(inShapes[0]!.length + 1);
    const t = (x: string, what: string) => w.emit("Transpose", [x], [fresh(what)], [intsAttr("perm", perm)]);
    return {
      inputs: [
        w.emit("MatMul", [dy, t(inputs[1]!, "bt")], [fresh("da")]), // dA = dY Bᵀ
        w.emit("MatMul", [t(inputs[0]!, "at"), dy], [fresh("db")]), // dB = Aᵀ dY
      ],
      params: {},
    };
  },
  reference: ({ node, inputs, inShapes, out, batch }) => {
    const [a, b] = inShapes as [readonly number[], readonly number[]];
    const r = a.length;
    const m = a[r - 2]!;
    const k = a[r - 1]!;
    const n = b[r - 1]!;
    const mats = (batch * numel(node.shape)) / (m * n);
    for (let p = 0; p < mats; p++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++)
            s += inputs[0]![(p * m + i) * k + q]! * inputs[1]![(p * k + q) * n + j]!;
          out[(p * m + i) * n + j] = s;
        }
  },
};
