// Vector-Jacobian rules, one per IR op, each written as a few standard ONNX nodes. Given ∂L/∂y of a
// node (tensor name `dy`) they emit ∂L/∂(each input) and ∂L/∂(each parameter).
import type { Activation, Graph, Node } from "../ir/graph.js";
import {
  type BatchNormMode,
  batchMeanKeepName,
  batchVarName,
  maxPoolIndicesName,
  type OnnxWriter,
  reluMaskFloatName,
  runningMeanName,
  runningVarName,
  tensorName,
} from "./compile.js";

export interface Vjp {
  /** ∂L/∂(each input), undefined where the op passes no gradient (zero op). */
  readonly inputs: Array<string | undefined>;
  readonly params: Record<string, string>;
}

const intAttr = (name: string, i: number) => ({ name, type: 2, i });
const intsAttr = (name: string, ints: readonly number[]) => ({ name, type: 7, ints: [...ints] });

/** ConvTranspose back to the forward input's size [h, w]; output_padding restores a cropped border. */
function transposedConv(
  w: OnnxWriter,
  dy: string,
  kernelTensor: string,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  pads: readonly [number, number, number, number],
  dilation: readonly [number, number],
  group: number,
  inSize: readonly [number, number],
  outSize: readonly [number, number],
  out: string,
): string {
  const extra = (axis: 0 | 1) =>
    inSize[axis] -
    (stride[axis] * (outSize[axis] - 1) +
      dilation[axis] * (kernel[axis] - 1) +
      1 -
      pads[axis] -
      pads[axis + 2]!);
  return w.emit(
    "ConvTranspose",
    [dy, kernelTensor],
    [out],
    [
      intsAttr("kernel_shape", kernel),
      intsAttr("strides", stride),
      intsAttr("pads", pads),
      intsAttr("dilations", dilation),
      intAttr("group", group),
      intsAttr("output_padding", [extra(0), extra(1)]),
    ],
  );
}

export function vjp(
  graph: Graph,
  node: Node,
  dy: string,
  w: OnnxWriter,
  bnMode: BatchNormMode,
  initializers: ReadonlyMap<string, Float32Array> | undefined,
  frozenReluMasks = false,
): Vjp {
  const emit = w.emit.bind(w);
  const x = tensorName(node.inputs[0] ?? node.id);
  const y = tensorName(node.id);
  const inShape = graph.nodes[node.inputs[0] ?? node.id]!.shape;
  const op = node.op;
  const fresh = (what: string) => w.name(`${y}_${what}`);
  switch (op.kind) {
    case "input":
    case "identity":
      return { inputs: [dy], params: {} };
    case "zero":
      return { inputs: [undefined], params: {} };
    case "add":
      return { inputs: node.inputs.map(() => dy), params: {} };
    case "flatten":
      return { inputs: [emit("Reshape", [dy, w.int64s([-1, ...inShape])], [fresh("dx")])], params: {} };
    case "concat": {
      const sizes = node.inputs.map((u) => graph.nodes[u]!.shape[0]!);
      const parts = node.inputs.map((_, k) => fresh(`dx${k}`));
      emit("Split", [dy, w.int64s(sizes)], parts, [intAttr("axis", 1)]);
      return { inputs: parts, params: {} };
    }
    case "sliceChannels": {
      // Zeros for the dropped channels: Pad on axis 1 (after the batch axis), at the end.
      const rank = inShape.length + 1;
      const pads = new Array<number>(2 * rank).fill(0);
      pads[rank + 1] = inShape[0]! - op.channels;
      return { inputs: [emit("Pad", [dy, w.int64s(pads)], [fresh("dx")])], params: {} };
    }
    case "globalAvgPool": {
      const [c, h, wd] = inShape as [number, number, number];
      const spread = w.constant(
        `gap_spread_${h}x${wd}`,
        [1, 1, h, wd],
        new Float32Array(h * wd).fill(1 / (h * wd)),
      );
      const dy4 = emit("Reshape", [dy, w.int64s([-1, c, 1, 1])], [fresh("dy4")]);
      return { inputs: [emit("Mul", [dy4, spread], [fresh("dx")])], params: {} };
    }
    case "linear": {
      const weight = `${node.name}.weight`;
      const params: Record<string, string> = {
        [weight]: emit("Gemm", [dy, x], [fresh("dw")], [intAttr("transA", 1)]),
      };
      if (op.bias)
        params[`${node.name}.bias`] = emit(
          "ReduceSum",
          [dy, w.int64s([0])],
          [fresh("db")],
          [intAttr("keepdims", 0)],
        );
      return { inputs: [emit("MatMul", [dy, weight], [fresh("dx")])], params };
    }
    case "conv":
      return convVjp(node, op, inShape, x, dy, w, fresh, initializers);
    case "batchnorm":
      return batchNormVjp(node, op, x, dy, w, fresh, bnMode === "train");
    case "act":
      return {
        inputs: [
          activationVjp(op.fn, x, y, dy, w, fresh, frozenReluMasks ? reluMaskFloatName(node) : undefined),
        ],
        params: {},
      };
    case "pool": {
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
          [intAttr("axis", 0), { name: "reduction", type: 3, s: new TextEncoder().encode("add") }],
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
      const scaled = emit(
        "Mul",
        [dy, w.constant(w.name("pool_inv_count"), [1, 1, ho, wo], inv)],
        [fresh("dys")],
      );
      if (sh === 1 && sw === 1 && Math.max(pt, pb) < kh && Math.max(pl, pr) < kw) {
        // Stride 1: spreading back is a box sum over the flipped window, i.e. an AveragePool
        // (count_include_pad) times the window size; ORT's ConvTranspose is several times slower.
        const box = emit(
          "AveragePool",
          [scaled],
          [fresh("box")],
          [
            intsAttr("kernel_shape", op.kernel),
            intsAttr("pads", [kh - 1 - pt, kw - 1 - pl, kh - 1 - pb, kw - 1 - pr]),
            intAttr("count_include_pad", 1),
          ],
        );
        return { inputs: [emit("Mul", [box, w.scalar(kh * kw)], [fresh("dx")])], params: {} };
      }
      const ones = w.constant(
        `ones_${c}x1x${kh}x${kw}`,
        [c, 1, kh, kw],
        new Float32Array(c * kh * kw).fill(1),
      );
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
    }
  }
}

function convVjp(
  node: Node,
  op: Extract<Node["op"], { kind: "conv" }>,
  inShape: readonly number[],
  x: string,
  dy: string,
  w: OnnxWriter,
  fresh: (what: string) => string,
  initializers: ReadonlyMap<string, Float32Array> | undefined,
): Vjp {
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
  const dyt = emit("Transpose", [dyg], [fresh("dyt")], [intsAttr("perm", [0, 1, 3, 2])]); // [N, g, HoWo, co]
  const perImage = emit("MatMul", [cols4, dyt], [fresh("dwn")]); // [N, g, ci·K, co]
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
}

function batchNormVjp(
  node: Node,
  op: Extract<Node["op"], { kind: "batchnorm" }>,
  x: string,
  dy: string,
  w: OnnxWriter,
  fresh: (what: string) => string,
  train: boolean,
): Vjp {
  const emit = w.emit.bind(w);
  const c = node.shape[0]!;
  const spatial = node.shape.length === 3;
  const keep = spatial ? [1, c, 1, 1] : [1, c];
  const axes = w.int64s(spatial ? [0, 2, 3] : [0]);
  const reshape = (t: string, what: string) => emit("Reshape", [t, w.int64s(keep)], [fresh(what)]);
  const small = (opType: string, a: string, b: string, what: string) => emit(opType, [a, b], [fresh(what)]);
  const mean = train ? batchMeanKeepName(node) : reshape(runningMeanName(node), "mean");
  const variance = reshape(train ? batchVarName(node) : runningVarName(node), "var");
  const invStd = emit(
    "Reciprocal",
    [emit("Sqrt", [small("Add", variance, w.scalar(op.eps), "vare")], [fresh("std")])],
    [fresh("invstd")],
  );
  const gain = op.affine ? small("Mul", reshape(`${node.name}.gamma`, "gamma"), invStd, "gain") : invStd;
  // Everything is written with per-channel coefficients on x and dy (x̂ = (x − μ)/σ is never
  // materialised): full-size tensor ops dominate the backward's memory traffic.
  const dyx = small("Mul", dy, x, "dyx");
  const reduce = (opType: "ReduceSum" | "ReduceMean", t: string, what: string) =>
    opType === "ReduceSum"
      ? emit("ReduceSum", [t, axes], [fresh(what)], [intAttr("keepdims", 1)])
      : emit(
          "ReduceMean",
          [t],
          [fresh(what)],
          [intsAttr("axes", spatial ? [0, 2, 3] : [0]), intAttr("keepdims", 1)],
        );
  const params: Record<string, string> = {};
  if (op.affine) {
    const sumDy = reduce("ReduceSum", dy, "sdy");
    // Σ dy·x̂ = (Σ dy·x − μ Σ dy)/σ
    const sumDyXhat = small(
      "Mul",
      small("Sub", reduce("ReduceSum", dyx, "sdyx"), small("Mul", mean, sumDy, "msdy"), "sc"),
      invStd,
      "sdyxh",
    );
    params[`${node.name}.gamma`] = emit("Reshape", [sumDyXhat, w.int64s([c])], [fresh("dgamma")]);
    params[`${node.name}.beta`] = emit("Reshape", [sumDy, w.int64s([c])], [fresh("dbeta")]);
  }
  const gdy = small("Mul", dy, gain, "gdy");
  if (!train) return { inputs: [gdy], params };
  // Batch statistics depend on x: dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)) = gain·dy + a·x + b with
  // m₁ = mean(dy), m₂ = mean(dy·x̂) = (mean(dy·x) − μ m₁)/σ, a = −gain·m₂/σ, b = gain·(m₂μ/σ − m₁).
  const m1 = reduce("ReduceMean", dy, "m1");
  const m2 = small(
    "Mul",
    small("Sub", reduce("ReduceMean", dyx, "mdyx"), small("Mul", mean, m1, "mm1"), "m2c"),
    invStd,
    "m2",
  );
  const m2s = small("Mul", m2, invStd, "m2s");
  const a = emit("Neg", [small("Mul", gain, m2s, "gm2s")], [fresh("a")]);
  const b = small("Mul", gain, small("Sub", small("Mul", m2s, mean, "m2sm"), m1, "bc"), "b");
  // Two Adds: ORT's variadic Sum with broadcasting measured ~3× slower than Add.
  return { inputs: [small("Add", small("Add", gdy, small("Mul", a, x, "ax"), "gdyax"), b, "dx")], params };
}

function activationVjp(
  fn: Activation,
  x: string,
  y: string,
  dy: string,
  w: OnnxWriter,
  fresh: (what: string) => string,
  /** The frozen on/off pattern (as floats) when the forward used one. */
  frozenMask?: string,
): string {
  const emit = w.emit.bind(w);
  const mul = (a: string, b: string, what = "t") => emit("Mul", [a, b], [fresh(what)]);
  const positive = () =>
    frozenMask ??
    emit("Cast", [emit("Greater", [x, w.scalar(0)], [fresh("pos")])], [fresh("posf")], [intAttr("to", 1)]);
  let local: string;
  switch (fn) {
    case "identity":
      return dy;
    case "relu":
      local = positive();
      break;
    case "leaky_relu": // 0.01 + 0.99·[x>0]
      local = emit("Add", [mul(positive(), w.scalar(0.99)), w.scalar(0.01)], [fresh("slope")]);
      break;
    case "tanh": // 1 − y²
      local = emit("Sub", [w.scalar(1), mul(y, y)], [fresh("dtanh")]);
      break;
    case "sigmoid": // y(1 − y)
      local = mul(y, emit("Sub", [w.scalar(1), y], [fresh("omy")]));
      break;
    case "softplus": // σ(x)
      local = emit("Sigmoid", [x], [fresh("sig")]);
      break;
    case "elu": // 1 for x > 0, else exp(x) = y + 1
      local = emit(
        "Where",
        [
          emit("Greater", [x, w.scalar(0)], [fresh("pos")]),
          w.scalar(1),
          emit("Add", [y, w.scalar(1)], [fresh("yp1")]),
        ],
        [fresh("delu")],
      );
      break;
    case "erf": // 2/√π · exp(−x²)
      local = mul(
        emit("Exp", [emit("Neg", [mul(x, x)], [fresh("nx2")])], [fresh("e")]),
        w.scalar(2 / Math.sqrt(Math.PI)),
      );
      break;
    case "swish": {
      // σ(x) + x·σ(x)(1 − σ(x))
      const s = emit("Sigmoid", [x], [fresh("sig")]);
      local = emit(
        "Add",
        [s, mul(mul(x, s), emit("Sub", [w.scalar(1), s], [fresh("oms")]))],
        [fresh("dswish")],
      );
      break;
    }
    case "gelu": {
      // Φ(x) + x·φ(x)
      const cdf = mul(
        emit(
          "Add",
          [emit("Erf", [mul(x, w.scalar(Math.SQRT1_2))], [fresh("erf")]), w.scalar(1)],
          [fresh("ep1")],
        ),
        w.scalar(0.5),
      );
      const pdf = mul(
        emit("Exp", [mul(mul(x, x), w.scalar(-0.5))], [fresh("e")]),
        w.scalar(1 / Math.sqrt(2 * Math.PI)),
      );
      local = emit("Add", [cdf, mul(x, pdf)], [fresh("dgelu")]);
      break;
    }
  }
  return mul(dy, local, "dx");
}
