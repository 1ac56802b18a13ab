// 2-D convolution (grouped, strided, dilated, padded), optional bias.
import { intAttr, intsAttr } from "../../onnx/writer.js";
import type { Pads, Pair, Param } from "../graph.js";
import { numel } from "../graph.js";
import { transposedConv } from "./common.js";
import { type OpDef, outSize, spatial } from "./types.js";

/** ORT's contrib-op domain (FusedMatMul); gradient models import it (onnx/gradient.ts). */
const MS_DOMAIN = "com.microsoft";

export interface ConvOp {
  readonly kind: "conv";
  readonly outChannels: number;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pads: Pads;
  readonly dilation: Pair;
  readonly groups: number;
  readonly bias: boolean;
}

export const conv: OpDef<ConvOp> = {
  kind: "conv",
  baseName: () => "conv",
  shape: (op, [s]) => {
    const [c, h, w] = spatial(s!, "conv");
    if (c % op.groups !== 0 || op.outChannels % op.groups !== 0)
      throw new Error(`conv groups=${op.groups} must divide in=${c} and out=${op.outChannels}`);
    const [pt, pl, pb, pr] = op.pads;
    return [
      op.outChannels,
      outSize(h, op.kernel[0], op.stride[0], pt, pb, op.dilation[0]),
      outSize(w, op.kernel[1], op.stride[1], pl, pr, op.dilation[1]),
    ];
  },
  params: (op, [s], name) => {
    const ci = s![0]! / op.groups;
    const fanIn = ci * op.kernel[0] * op.kernel[1];
    return [
      { name: `${name}.weight`, shape: [op.outChannels, ci, ...op.kernel], role: "weight", fanIn },
      ...(op.bias ? [{ name: `${name}.bias`, shape: [op.outChannels], role: "bias", fanIn } as Param] : []),
    ];
  },
  flops: ({ op, inShapes, outShape }) => {
    const outElements = numel(outShape);
    const perOutput = (op.kernel[0] * op.kernel[1] * inShapes[0]![0]!) / op.groups;
    return outElements * perOutput + (op.bias ? outElements : 0);
  },
  lower: ({ w, node, op, inputs, out }) =>
    void w.emit(
      "Conv",
      [inputs[0]!, `${node.name}.weight`, ...(op.bias ? [`${node.name}.bias`] : [])],
      [out],
      [
        intsAttr("kernel_shape", op.kernel),
        intsAttr("strides", op.stride),
        intsAttr("pads", op.pads),
        intsAttr("dilations", op.dilation),
        intAttr("group", op.groups),
      ],
    ),
  vjp: ({ w, node, op, inShape, x, dy, fresh, initializers }) => {
    const emit = w.emit.bind(w);
    const [cin, h, wd] = inShape as [number, number, number];
    const [, ho, wo] = node.shape as [number, number, number];
    const [kh, kw] = op.kernel;
    const [sh, sw] = op.stride;
    const [dh, dw] = op.dilation;
    const [pt, pl, pb, pr] = op.pads;
    const g = op.groups;
    const ci = cin / g;
    const weight = `${node.name}.weight`;

    const co = op.outChannels / g;
    const haloH = dh * (kh - 1);
    const haloW = dw * (kw - 1);
    const baked = initializers?.get(weight);
    let dx: string;
    if (baked && sh === 1 && sw === 1 && Math.max(pt, pb) <= haloH && Math.max(pl, pr) <= haloW) {
      // Stride 1 with constant weights: ∂L/∂x is a plain conv of dy with the weights flipped and
      // in/out channels swapped per group, which ORT runs in its fast NCHWc path (ConvTranspose is not).
      const flipped = new Float32Array(baked.length);
      for (let j = 0; j < g; j++)
        for (let o = 0; o < co; o++)
          for (let i = 0; i < ci; i++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++)
                flipped[(((j * ci + i) * co + o) * kh + ky) * kw + kx] =
                  baked[(((j * co + o) * ci + i) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx)]!;
      dx = emit(
        "Conv",
        [dy, w.constant(`${weight}.flipped`, [cin, co, kh, kw], flipped)],
        [fresh("dx")],
        [
          intsAttr("kernel_shape", op.kernel),
          intsAttr("pads", [haloH - pt, haloW - pl, haloH - pb, haloW - pr]),
          intsAttr("dilations", op.dilation),
          intAttr("group", g),
        ],
      );
    }
    // The transposed conv with the same weights; output_padding restores the cropped border.
    else
      dx = transposedConv(
        w,
        dy,
        weight,
        op.kernel,
        op.stride,
        op.pads,
        op.dilation,
        g,
        [h, wd],
        [ho, wo],
        fresh("dx"),
      );

    // im2col by a depthwise conv whose constant one-hot kernels each pick one window offset: ORT runs
    // it on its fast conv path with stride, dilation and padding handled natively (strided Slices
    // measured ~10× slower). cols[n, c·K + k, oy, ox] = x[n, c, oy·s + ky·d, ox·s + kx·d].
    const taps = kh * kw;
    let cols = x;
    if (taps > 1 || sh > 1 || sw > 1 || pt + pl + pb + pr > 0) {
      const pick = new Float32Array(cin * taps * taps);
      for (let c = 0; c < cin; c++) for (let k = 0; k < taps; k++) pick[(c * taps + k) * taps + k] = 1;
      cols = emit(
        "Conv",
        [x, w.constant(`im2col_${cin}_${kh}x${kw}`, [cin * taps, 1, kh, kw], pick)],
        [fresh("cols")],
        [
          intsAttr("kernel_shape", op.kernel),
          intsAttr("strides", op.stride),
          intsAttr("pads", op.pads),
          intsAttr("dilations", op.dilation),
          intAttr("group", cin),
        ],
      );
    }
    const cols4 = emit("Reshape", [cols, w.int64s([-1, g, ci * taps, ho * wo])], [fresh("cols4")]);
    const dyg = emit("Reshape", [dy, w.int64s([-1, g, co, ho * wo])], [fresh("dyg")]);
    // cols · dyᵀ per image as ORT's FusedMatMul (transB), [N, g, ci·K, co], instead of a Transpose of
    // dy and a MatMul: ORT fuses those into the same kernel, but every node costs session-creation
    // time. This orientation (ci·K as the GEMM's rows, dy packed as the small B) measured 6.0 vs
    // 11.1 ms CPU against dy · colsᵀ for a stage-1 NB201 layer at batch 64.
    const perImage = emit("FusedMatMul", [cols4, dyg], [fresh("dwn")], [intAttr("transB", 1)]);
    w.nodes[w.nodes.length - 1]!.domain = MS_DOMAIN;
    const summed = emit("ReduceSum", [perImage, w.int64s([0])], [fresh("dwsum")], [intAttr("keepdims", 0)]);
    const dwt = emit("Transpose", [summed], [fresh("dwt")], [intsAttr("perm", [0, 2, 1])]); // [g, co, ci·K]
    const params: Record<string, string> = {
      [weight]: emit("Reshape", [dwt, w.int64s([op.outChannels, ci, kh, kw])], [fresh("dw")]),
    };
    if (op.bias)
      params[`${node.name}.bias`] = emit(
        "ReduceSum",
        [dy, w.int64s([0, 2, 3])],
        [fresh("db")],
        [intAttr("keepdims", 0)],
      );
    return { inputs: [dx], params };
  },
  reference: ({ node, op, inputs, inShapes, out, batch, weight }) => {
    const x = inputs[0]!;
    const [cin, h, wd] = inShapes[0] as [number, number, number];
    const [cout, oh, ow] = node.shape as [number, number, number];
    const kernel = weight(`${node.name}.weight`);
    const bias = op.bias ? weight(`${node.name}.bias`) : undefined;
    const [kh, kw] = op.kernel;
    const cinPerGroup = cin / op.groups;
    const coutPerGroup = cout / op.groups;
    for (let b = 0; b < batch; b++)
      for (let co = 0; co < cout; co++) {
        const g = Math.floor(co / coutPerGroup);
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let s = bias ? bias[co]! : 0;
            for (let ci = 0; ci < cinPerGroup; ci++)
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * op.stride[0] - op.pads[0] + ky * op.dilation[0];
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * op.stride[1] - op.pads[1] + kx * op.dilation[1];
                  if (ix < 0 || ix >= wd) continue;
                  const xi = ((b * cin + g * cinPerGroup + ci) * h + iy) * wd + ix;
                  s += x[xi]! * kernel[((co * cinPerGroup + ci) * kh + ky) * kw + kx]!;
                }
              }
            out[((b * cout + co) * oh + oy) * ow + ox] = s;
          }
      }
  },
};
