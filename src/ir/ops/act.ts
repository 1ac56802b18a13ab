// Element-wise activations: one op kind whose per-function rules (ONNX forward, derivative,
// plain-TS value) sit in one table, in the manner of tinygrad's gradient rules. One kind rather
// than one per function because everything else is shared — shape, no parameters, no FLOPs, the
// ∂L/∂x = dy ⊙ f'(x) structure — and because metrics and transforms ask "is this a nonlinearity?"
// (op.kind === "act": NASWOT, SWAP, Zen's residual tracing); a new activation is one entry here and
// nothing else changes. The table defines the `Activation` names, so an entry cannot be missing.
import {
  FLOAT,
  floatAttr,
  intAttr,
  type OnnxWriter,
  reluMaskFloatName,
  reluMaskName,
} from "../../onnx/writer.js";
import { noFlops, noParams, type OpDef } from "./types.js";

interface ForwardContext {
  readonly w: OnnxWriter;
  readonly x: string;
  readonly out: string;
  readonly alpha: number;
}

interface DerivativeContext {
  readonly w: OnnxWriter;
  readonly x: string;
  readonly y: string;
  readonly alpha: number;
  readonly fresh: (what: string) => string;
  readonly mul: (a: string, b: string, what?: string) => string;
  /** [x > 0] as floats (or the frozen pattern, when the forward used one). */
  readonly positive: () => string;
  /** [lo < x < hi] as floats. */
  readonly between: (lo: number, hi: number) => string;
}

interface ActivationRule {
  /** y = f(x) as ONNX nodes writing `out`. */
  readonly onnx: (c: ForwardContext) => void;
  /** f'(x) as a tensor; "passthrough" when ∂L/∂x is ∂L/∂y itself. */
  readonly derivative: ((c: DerivativeContext) => string) | "passthrough";
  readonly value: (x: number, alpha: number) => number;
  /** The default of the function's one parameter (leaky ReLU's negative slope, ELU's α). */
  readonly alpha?: number;
  /**
   * Piecewise linear with a 0/1 on pattern (the ReLU family): the slope as a function of the
   * pattern, for frozen masks (LowerOptions.frozenReluMasks) and GraSP.
   */
  readonly maskSlope?: (w: OnnxWriter, mask: string, out: string, alpha: number) => string;
}

const single =
  (opType: string, withAlpha = false) =>
  ({ w, x, out, alpha }: ForwardContext) =>
    void w.emit(opType, [x], [out], withAlpha ? [floatAttr("alpha", alpha)] : []);

const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);

const ACTIVATION_RULES = {
  relu: {
    onnx: single("Relu"),
    derivative: ({ positive }) => positive(),
    value: (x) => Math.max(x, 0),
    maskSlope: (_w, mask) => mask,
  },
  tanh: {
    onnx: single("Tanh"),
    derivative: ({ w, y, mul, fresh }) => w.emit("Sub", [w.scalar(1), mul(y, y)], [fresh("dtanh")]), // 1 − y²
    value: Math.tanh,
  },
  sigmoid: {
    onnx: single("Sigmoid"),
    derivative: ({ w, y, mul, fresh }) => mul(y, w.emit("Sub", [w.scalar(1), y], [fresh("omy")])), // y(1 − y)
    value: (x) => 1 / (1 + Math.exp(-x)),
  },
  gelu: {
    // Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)); opset 17 has no Gelu op.
    onnx: ({ w, x, out }) => {
      w.emit("Mul", [x, w.scalar(Math.SQRT1_2)], [`${out}_s`]);
      w.emit("Erf", [`${out}_s`], [`${out}_erf`]);
      w.emit("Add", [`${out}_erf`, w.scalar(1)], [`${out}_p`]);
      w.emit("Mul", [x, `${out}_p`], [`${out}_xp`]);
      w.emit("Mul", [`${out}_xp`, w.scalar(0.5)], [out]);
    },
    derivative: ({ w, x, mul, fresh }) => {
      // Φ(x) + x·φ(x)
      const cdf = mul(
        w.emit(
          "Add",
          [w.emit("Erf", [mul(x, w.scalar(Math.SQRT1_2))], [fresh("erf")]), w.scalar(1)],
          [fresh("ep1")],
        ),
        w.scalar(0.5),
      );
      const pdf = mul(
        w.emit("Exp", [mul(mul(x, x), w.scalar(-0.5))], [fresh("e")]),
        w.scalar(1 / Math.sqrt(2 * Math.PI)),
      );
      return w.emit("Add", [cdf, mul(x, pdf)], [fresh("dgelu")]);
    },
    value: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  },
  /** Swish with β = 1, i.e. SiLU: x·σ(x). */
  swish: {
    onnx: ({ w, x, out }) => {
      w.emit("Sigmoid", [x], [`${out}_sig`]);
      w.emit("Mul", [x, `${out}_sig`], [out]);
    },
    derivative: ({ w, x, mul, fresh }) => {
      // σ(x) + x·σ(x)(1 − σ(x))
      const s = w.emit("Sigmoid", [x], [fresh("sig")]);
      return w.emit(
        "Add",
        [s, mul(mul(x, s), w.emit("Sub", [w.scalar(1), s], [fresh("oms")]))],
        [fresh("dswish")],
      );
    },
    value: (x) => x / (1 + Math.exp(-x)),
  },
  elu: {
    onnx: single("Elu", true),
    // 1 for x > 0, else α·exp(x) = y + α
    derivative: ({ w, x, y, alpha, fresh }) =>
      w.emit(
        "Where",
        [
          w.emit("Greater", [x, w.scalar(0)], [fresh("pos")]),
          w.scalar(1),
          w.emit("Add", [y, w.scalar(alpha)], [fresh("yp1")]),
        ],
        [fresh("delu")],
      ),
    value: (x, alpha) => (x > 0 ? x : alpha * (Math.exp(x) - 1)),
    alpha: 1,
  },
  softplus: {
    onnx: single("Softplus"),
    derivative: ({ w, x, fresh }) => w.emit("Sigmoid", [x], [fresh("sig")]), // σ(x)
    value: (x) => Math.log1p(Math.exp(x)),
  },
  leaky_relu: {
    onnx: single("LeakyRelu", true),
    // α + (1 − α)·[x>0]
    derivative: ({ w, mul, positive, alpha, fresh }) =>
      w.emit("Add", [mul(positive(), w.scalar(1 - alpha)), w.scalar(alpha)], [fresh("slope")]),
    value: (x, alpha) => (x > 0 ? x : alpha * x),
    alpha: 0.01,
    maskSlope: (w, mask, out, alpha) =>
      w.emit(
        "Add",
        [w.emit("Mul", [mask, w.scalar(1 - alpha)], [`${out}_s99`]), w.scalar(alpha)],
        [`${out}_slope`],
      ),
  },
  erf: {
    onnx: single("Erf"),
    // 2/√π · exp(−x²)
    derivative: ({ w, x, mul, fresh }) =>
      mul(
        w.emit("Exp", [w.emit("Neg", [mul(x, x)], [fresh("nx2")])], [fresh("e")]),
        w.scalar(2 / Math.sqrt(Math.PI)),
      ),
    value: (x) => erf(x),
  },
  identity: {
    onnx: single("Identity"),
    derivative: "passthrough",
    value: (x) => x,
  },
  /** min(max(x, 0), 6) (MobileNet). */
  relu6: {
    onnx: ({ w, x, out }) => void w.emit("Clip", [x, w.scalar(0), w.scalar(6)], [out]),
    derivative: ({ between }) => between(0, 6),
    value: relu6,
  },
  /** Hard sigmoid as PyTorch's Hardsigmoid: ReLU6(x + 3)/6 (ONNX HardSigmoid α = 1/6, β = ½). */
  hsigmoid: {
    onnx: ({ w, x, out }) =>
      void w.emit("HardSigmoid", [x], [out], [floatAttr("alpha", 1 / 6), floatAttr("beta", 0.5)]),
    derivative: ({ between, mul, w }) => mul(between(-3, 3), w.scalar(1 / 6)),
    value: (x) => relu6(x + 3) / 6,
  },
  /** Hard swish (MobileNetV3): x·ReLU6(x + 3)/6. */
  hswish: {
    onnx: single("HardSwish"),
    // 0 below −3, 1 above 3, x/3 + ½ between (PyTorch's hardswish_backward).
    derivative: ({ w, x, mul, fresh }) =>
      w.emit(
        "Where",
        [
          w.emit("Less", [x, w.scalar(-3)], [fresh("lo")]),
          w.scalar(0),
          w.emit(
            "Where",
            [
              w.emit("Greater", [x, w.scalar(3)], [fresh("hi")]),
              w.scalar(1),
              w.emit("Add", [mul(x, w.scalar(1 / 3)), w.scalar(0.5)], [fresh("ramp")]),
            ],
            [fresh("dhsw1")],
          ),
        ],
        [fresh("dhswish")],
      ),
    value: (x) => (x * relu6(x + 3)) / 6,
  },
} as const satisfies Record<string, ActivationRule>;

export type Activation = keyof typeof ACTIVATION_RULES;
export const ACTIVATIONS = Object.keys(ACTIVATION_RULES) as readonly Activation[];

const rule = (fn: Activation): ActivationRule => ACTIVATION_RULES[fn];

export interface ActOp {
  readonly kind: "act";
  readonly fn: Activation;
  /** The function's parameter where it has one (leaky ReLU's slope, ELU's α); absent: the default. */
  readonly alpha?: number;
}

const alphaOf = (op: ActOp) => op.alpha ?? rule(op.fn).alpha ?? 0;

/** ReLU and leaky ReLU: piecewise linear with an on/off pattern (see LowerOptions.frozenReluMasks). */
export const isPiecewiseLinear = (fn: Activation) => rule(fn).maskSlope !== undefined;

export const act: OpDef<ActOp> = {
  kind: "act",
  baseName: (op) => op.fn,
  shape: (_op, [s]) => [...s!],
  params: noParams,
  flops: noFlops,
  lower: ({ w, node, op, inputs, out, options }) => {
    const r = rule(op.fn);
    if (options.frozenReluMasks && r.maskSlope) {
      w.input(reluMaskName(node), ["N", ...node.shape], "uint8");
      const mask = w.emit("Cast", [reluMaskName(node)], [reluMaskFloatName(node)], [intAttr("to", FLOAT)]);
      w.emit("Mul", [inputs[0]!, r.maskSlope(w, mask, out, alphaOf(op))], [out]);
    } else r.onnx({ w, x: inputs[0]!, out, alpha: alphaOf(op) });
  },
  vjp: ({ w, node, op, x, y, dy, fresh, frozenReluMasks }) => {
    const r = rule(op.fn);
    if (r.derivative === "passthrough") return { inputs: [dy], params: {} };
    // ReLU family with a non-negative slope: y > 0 exactly where x > 0, so the pattern is read off
    // the output, which the backward keeps anyway (it is the next conv's input), and x can be freed
    // after the forward: the first run of an NB201 gradient model page-faults in every tensor that
    // stays live, so fewer saved tensors is time. (dy ⊙ float mask, not Where(mask, dy, 0): ORT's
    // Where measured ~1.2 ms slower per [64, 16, 32, 32] tensor than Cast + Mul.)
    const fromOutput = r.maskSlope !== undefined && alphaOf(op) >= 0;
    const mul = (a: string, b: string, what = "t") => w.emit("Mul", [a, b], [fresh(what)]);
    const asFloat = (t: string) => w.emit("Cast", [t], [fresh("posf")], [intAttr("to", 1)]);
    const local = r.derivative({
      w,
      x,
      y,
      alpha: alphaOf(op),
      fresh,
      mul,
      positive: () =>
        frozenReluMasks
          ? reluMaskFloatName(node)
          : asFloat(w.emit("Greater", [fromOutput ? y : x, w.scalar(0)], [fresh("pos")])),
      between: (lo, hi) =>
        asFloat(
          w.emit(
            "And",
            [
              w.emit("Greater", [x, w.scalar(lo)], [fresh("gt")]),
              w.emit("Less", [x, w.scalar(hi)], [fresh("lt")]),
            ],
            [fresh("in")],
          ),
        ),
    });
    return { inputs: [mul(dy, local, "dx")], params: {} };
  },
  reference: ({ op, inputs, out }) => {
    const x = inputs[0]!;
    const f = rule(op.fn).value;
    const alpha = alphaOf(op);
    for (let i = 0; i < out.length; i++) out[i] = f(x[i]!, alpha);
  },
};

/** erf by Abramowitz–Stegun 7.1.26 refined with a series for small |x| (abs error < 1e-7). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a < 0.5) {
    // Maclaurin series: 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a;
    let sum = a;
    for (let n = 1; n < 12; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}
