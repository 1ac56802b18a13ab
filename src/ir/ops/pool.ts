// Average and max pooling over [C, H, W].
import { intAttr, intsAttr, maxPoolIndicesName, stringAttr } from "../../onnx/writer.js";
import type { Pads, Pair } from "../graph.js";
import { transposedConv } from "./common.js";
import { noFlops, noParams, type OpDef, outSize, spatial } from "./types.js";

export interface PoolOp {
  readonly kind: "pool";
  readonly mode: "avg" | "max";
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads;
  readonly countIncludePad: boolean;
}

export const pool: OpDef<PoolOp> = {
  kind: "pool",
  baseName: (op) => `${op.mode}pool`,
  shape: (op, [s]) => {
    const [c, h, w] = spatial(s!, `${op.mode}Pool`);
    const [pt, pl, pb, pr] = op.pads;
    return [
      c,
      outSize(h, op.kernel[0], op.stride[0], pt, pb),
      outSize(w, op.kernel[1], op.stride[1], pl, pr),
    ];
  },
  params: noParams,
  // xautodl hooks pooling but does not add it to the total NAS-Bench-201 reports.
  flops: noFlops,
  lower: ({ w, node, op, inputs, out, options }) =>
    void w.emit(
      op.mode === "avg" ? "AveragePool" : "MaxPool",
      [inputs[0]!],
      op.mode === "max" && options.maxPoolIndices ? [out, maxPoolIndicesName(node)] : [out],
      [
        intsAttr("kernel_shape", op.kernel),
        intsAttr("strides", op.stride),
        intsAttr("pads", op.pads),
        ...(op.mode === "avg" ? [intAttr("count_include_pad", op.countIncludePad ? 1 : 0)] : []),
      ],
    ),
  vjp: ({ w, node, op, x, dy, inShape, fresh }) => {
    const emit = w.emit.bind(w);
    if (op.mode === "max") {
      const flatX = emit("Reshape", [x, w.int64s([-1])], [fresh("xflat")]);
      const zeros = emit("Mul", [flatX, w.scalar(0)], [fresh("zeros")]);
      const routed = emit(
        "ScatterElements",
        [
          zeros,
          emit("Reshape", [maxPoolIndicesName(node), w.int64s([-1])], [fresh("idx")]),
          emit("Reshape", [dy, w.int64s([-1])], [fresh("dyflat")]),
        ],
        [fresh("dxflat")],
        [intAttr("axis", 0), stringAttr("reduction", "add")],
      );
      return { inputs: [emit("Reshape", [routed, w.int64s([-1, ...inShape])], [fresh("dx")])], params: {} };
    }
    // Average pool: divide by each window's count, then spread back with a depthwise ones kernel.
    const [c, h, wd] = inShape as [number, number, number];
    const [, ho, wo] = node.shape as [number, number, number];
    const [kh, kw] = op.kernel;
    const [sh, sw] = op.stride;
    const [pt, pl, pb, pr] = op.pads;
    const inv = new Float32Array(ho * wo);
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++) {
        const rows = op.countIncludePad ? kh : Math.min(oy * sh - pt + kh, h) - Math.max(oy * sh - pt, 0);
        const cols = op.countIncludePad ? kw : Math.min(ox * sw - pl + kw, wd) - Math.max(ox * sw - pl, 0);
        inv[oy * wo + ox] = 1 / (rows * cols);
      }
    const boxSum = sh === 1 && sw === 1 && Math.max(pt, pb) < kh && Math.max(pl, pr) < kw;
    // Stride 1: spreading back is a box sum over the flipped window, i.e. an AveragePool
    // (count_include_pad) times the window size, folded into the per-position scale here (one
    // full-size Mul fewer); ORT's ConvTranspose is several times slower.
    if (boxSum) for (let i = 0; i < inv.length; i++) inv[i]! *= kh * kw;
    const scaled = emit(
      "Mul",
      [dy, w.constant(w.name("pool_inv_count"), [1, 1, ho, wo], inv)],
      [fresh("dys")],
    );
    if (boxSum) {
      const dx = emit(
        "AveragePool",
        [scaled],
        [fresh("dx")],
        [
          intsAttr("kernel_shape", op.kernel),
          intsAttr("pads", [kh - 1 - pt, kw - 1 - pl, kh - 1 - pb, kw - 1 - pr]),
          intAttr("count_include_pad", 1),
        ],
      );
      return { inputs: [dx], params: {} };
    }
    const ones = w.constant(`ones_${c}x1x${kh}x${kw}`, [c, 1, kh, kw], new Float32Array(c * kh * kw).fill(1));
    const dx = transposedConv(
      w,
      scaled,
      ones,
      op.kernel,
      op.stride,
      op.pads,
      [1, 1],
      c,
      [h, wd],
      [ho, wo],
      fresh("dx"),
    );
    return { inputs: [dx], params: {} };
  },
  reference: ({ node, op, inputs, inShapes, out, batch }) => {
    const x = inputs[0]!;
    const [c, h, wd] = inShapes[0] as [number, number, number];
    const [, oh, ow] = node.shape as [number, number, number];
    for (let b = 0; b < batch; b++)
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let acc = op.mode === "max" ? Number.NEGATIVE_INFINITY : 0;
            let count = 0;
            for (let ky = 0; ky < op.kernel[0]; ky++)
              for (let kx = 0; kx < op.kernel[1]; kx++) {
                const iy = oy * op.stride[0] - op.pads[0] + ky;
                const ix = ox * op.stride[1] - op.pads[1] + kx;
                const inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
                if (inside) {
                  const v = x[((b * c + ch) * h + iy) * wd + ix]!;
                  acc = op.mode === "max" ? Math.max(acc, v) : acc + v;
                  count++;
                } else if (op.countIncludePad) count++;
              }
            out[((b * c + ch) * oh + oy) * ow + ox] = op.mode === "max" ? acc : acc / count;
          }
  },
};
