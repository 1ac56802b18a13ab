// [C, H, W] → [C]: the spatial mean.
import { intAttr } from "../../onnx/writer.js";
import { noFlops, noParams, type OpDef, spatial } from "./types.js";

export interface GlobalAvgPoolOp {
  readonly kind: "globalAvgPool";
}

export const globalAvgPool: OpDef<GlobalAvgPoolOp> = {
  kind: "globalAvgPool",
  baseName: () => "gap",
  shape: (_op, [s]) => [spatial(s!, "globalAvgPool")[0]],
  params: noParams,
  flops: noFlops,
  lower: ({ w, inputs, out }) => {
    w.emit("GlobalAveragePool", [inputs[0]!], [`${out}_pooled`]);
    w.emit("Flatten", [`${out}_pooled`], [out], [intAttr("axis", 1)]);
  },
  vjp: ({ w, inShape, dy, fresh }) => {
    const [c, h, wd] = inShape as [number, number, number];
    const spread = w.constant(
      `gap_spread_${h}x${wd}`,
      [1, 1, h, wd],
      new Float32Array(h * wd).fill(1 / (h * wd)),
    );
    const dy4 = w.emit("Reshape", [dy, w.int64s([-1, c, 1, 1])], [fresh("dy4")]);
    return { inputs: [w.emit("Mul", [dy4, spread], [fresh("dx")])], params: {} };
  },
  reference: ({ inputs, inShapes, out, batch }) => {
    const x = inputs[0]!;
    const [c, h, wd] = inShapes[0] as [number, number, number];
    for (let b = 0; b < batch; b++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = 0; i < h * wd; i++) s += x[(b * c + ch) * h * wd + i]!;
        out[b * c + ch] = s / (h * wd);
      }
  },
};
