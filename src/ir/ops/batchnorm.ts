// Batch normalisation over the channel axis (axis 0 of the per-sample shape, [C,H,W] or [C]).
// Inference mode reads fed running statistics; train mode normalises with the batch's own and
// exports them (see compile.ts's BatchNormMode).
import {
  batchMeanKeepName,
  batchMeanName,
  batchVarName,
  floatAttr,
  intAttr,
  intsAttr,
  runningMeanName,
  runningVarName,
} from "../../onnx/writer.js";
import { numel } from "../graph.js";
import { noFlops, type OpDef } from "./types.js";

export interface BatchNormOp {
  readonly kind: "batchnorm";
  readonly eps: number;
  readonly affine: boolean;
}

export const batchnorm: OpDef<BatchNormOp> = {
  kind: "batchnorm",
  baseName: () => "bn",
  shape: (_op, [s]) => [...s!],
  params: (op, [s], name) => {
    const c = s![0]!;
    return op.affine
      ? [
          { name: `${name}.gamma`, shape: [c], role: "bn_gamma", fanIn: 1 },
          { name: `${name}.beta`, shape: [c], role: "bn_beta", fanIn: 1 },
        ]
      : [];
  },
  flops: noFlops,
  lower: ({ w, node, op, inputs, out, options }) => {
    const emit = w.emit.bind(w);
    const ins = inputs;
    const c = node.shape[0]!;
    const scale = op.affine
      ? `${node.name}.gamma`
      : w.constant(`ones_${c}`, [c], new Float32Array(c).fill(1));
    const shift = op.affine ? `${node.name}.beta` : w.constant(`zeros_${c}`, [c], new Float32Array(c));
    let mean = runningMeanName(node);
    let variance = runningVarName(node);
    if (options.bnMode === "train") {
      const axes = node.shape.length === 3 ? [0, 2, 3] : [0];
      mean = batchMeanName(node);
      variance = batchVarName(node);
      const meanKeep = batchMeanKeepName(node);
      emit("ReduceMean", [ins[0]!], [meanKeep], [intsAttr("axes", axes), intAttr("keepdims", 1)]);
      emit("Reshape", [meanKeep, w.int64s([c])], [mean]);
      emit("Sub", [ins[0]!, meanKeep], [`${out}_centered`]);
      emit("Mul", [`${out}_centered`, `${out}_centered`], [`${out}_sq`]);
      emit("ReduceMean", [`${out}_sq`], [variance], [intsAttr("axes", axes), intAttr("keepdims", 0)]);
      w.output(mean, [c]);
      w.output(variance, [c]);
    }
    emit(
      "BatchNormalization",
      [ins[0]!, scale, shift, mean, variance],
      [out],
      [floatAttr("epsilon", op.eps)],
    );
  },
  vjp: ({ w, node, op, x, dy, fresh, bnMode }) => {
    const train = bnMode === "train";
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
  },
  reference: ({ node, op, inputs, out, batch, weights, options }) => {
    const x = inputs[0]!;
    const c = node.shape[0]!;
    const hw = numel(node.shape.slice(1));
    let mean: Float64Array;
    let variance: Float64Array;
    if (options.bnMode === "train") {
      mean = new Float64Array(c);
      variance = new Float64Array(c);
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let b = 0; b < batch; b++) for (let i = 0; i < hw; i++) s += x[(b * c + ch) * hw + i]!;
        const m = s / (batch * hw);
        let v = 0;
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < hw; i++) v += (x[(b * c + ch) * hw + i]! - m) ** 2;
        mean[ch] = m;
        variance[ch] = v / (batch * hw);
      }
    } else {
      const stats = options.runningStats?.get(node.name);
      mean = stats?.mean ?? new Float64Array(c);
      variance = stats?.variance ?? new Float64Array(c).fill(1);
    }
    const gamma = op.affine ? weights.get(`${node.name}.gamma`) : undefined;
    const beta = op.affine ? weights.get(`${node.name}.beta`) : undefined;
    for (let b = 0; b < batch; b++)
      for (let ch = 0; ch < c; ch++) {
        const scale = (gamma ? gamma[ch]! : 1) / Math.sqrt(variance[ch]! + op.eps);
        const shift = beta ? beta[ch]! : 0;
        for (let i = 0; i < hw; i++) {
          const idx = (b * c + ch) * hw + i;
          out[idx] = (x[idx]! - mean[ch]!) * scale + shift;
        }
      }
  },
};
