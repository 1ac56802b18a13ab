// Batch normalisation over the channel axis (axis 0 of the per-sample shape, [C,H,W] or [C]).
// Inference mode reads fed running statistics; train mode normalises with the batch's own and
// exports them (see compile.ts's BatchNormMode).
import {
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
    if (options.bnMode === "train") {
      // One node: ONNX's training-mode BatchNormalization with momentum 0 outputs the batch mean
      // and biased variance as its "running" statistics. Against ReduceMean/Sub/Mul/ReduceMean/BN,
      // measured on an NB201 cell at batch 128: 0.45 s vs 0.52 s per forward, and four nodes fewer
      // per BN at session creation (bench/sweep-profile.ts).
      const zeros = w.constant(`zeros_${c}`, [c], new Float32Array(c));
      const ones = w.constant(`ones_${c}`, [c], new Float32Array(c).fill(1));
      emit(
        "BatchNormalization",
        [ins[0]!, scale, shift, zeros, ones],
        [out, batchMeanName(node), batchVarName(node)],
        [floatAttr("epsilon", op.eps), floatAttr("momentum", 0), intAttr("training_mode", 1)],
      );
      w.output(batchMeanName(node), [c]);
      w.output(batchVarName(node), [c]);
      return;
    }
    emit(
      "BatchNormalization",
      [ins[0]!, scale, shift, runningMeanName(node), runningVarName(node)],
      [out],
      [floatAttr("epsilon", op.eps)],
    );
  },
  vjp: ({ w, node, op, x, dy, fresh, bnMode }) => {
    const train = bnMode === "train";
    const emit = w.emit.bind(w);
    const c = node.shape[0]!;
    const spatial = node.shape.length === 3;
    const axes = spatial ? [0, 2, 3] : [0];
    const reduce = (opType: "ReduceSum" | "ReduceMean", t: string, what: string) =>
      opType === "ReduceSum"
        ? emit("ReduceSum", [t, w.int64s(axes)], [fresh(what)], [intAttr("keepdims", 0)])
        : emit("ReduceMean", [t], [fresh(what)], [intsAttr("axes", axes), intAttr("keepdims", 0)]);
    // Per-channel vectors [C] broadcast against [N, C, H, W] as [C, 1, 1].
    const perChannel = (t: string, what: string) =>
      spatial ? emit("Reshape", [t, w.int64s([c, 1, 1])], [fresh(what)]) : t;
    const scale = op.affine
      ? `${node.name}.gamma`
      : w.constant(`ones_${c}`, [c], new Float32Array(c).fill(1));
    const zeros = w.constant(`bn_zeros_${c}`, [c], new Float32Array(c));
    const mean = train ? batchMeanName(node) : runningMeanName(node);
    const variance = train ? batchVarName(node) : runningVarName(node);
    const centred = emit("Sub", [x, perChannel(mean, "mean")], [fresh("xc")]);
    // The few full-size passes are what costs at run time, and every node costs ~0.1 ms at session
    // creation, so the rules below lean on ONNX's BatchNormalization as a fused per-channel affine
    // map: BN(t; s, b, m, v) = s·(t − m)/√(v + ε) + b, one pass over t.
    const affine = (t: string, mu: string, what: string) =>
      emit(
        "BatchNormalization",
        [t, scale, zeros, mu, variance],
        [fresh(what)],
        [floatAttr("epsilon", op.eps)],
      );
    const params: Record<string, string> = {};
    let dyxc: string | undefined;
    if (op.affine) {
      // ∂L/∂γ = Σ dy·x̂ = Σ dy·(x − μ) / σ, ∂L/∂β = Σ dy. Pruned when not asked for.
      dyxc = emit("Mul", [dy, centred], [fresh("dyxc")]);
      const std = emit("Sqrt", [emit("Add", [variance, w.scalar(op.eps)], [fresh("vare")])], [fresh("std")]);
      params[`${node.name}.gamma`] = emit(
        "Div",
        [reduce("ReduceSum", dyxc, "sdyxc"), std],
        [fresh("dgamma")],
      );
      params[`${node.name}.beta`] = reduce("ReduceSum", dy, "dbeta");
    }
    // Inference: ∂L/∂x = γ/σ · dy, BN of dy with mean 0.
    if (!train) return { inputs: [affine(dy, zeros, "dx")], params };
    // Train (statistics depend on x): ∂L/∂x = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))
    //   = BN(dy + c₂·(x − μ); γ, 0, mean(dy), σ²) with c₂ = −mean(dy·(x − μ)) / (σ² + ε).
    dyxc ??= emit("Mul", [dy, centred], [fresh("dyxc")]);
    const negVar = emit("Sub", [w.scalar(-op.eps), variance], [fresh("negvar")]); // −(σ² + ε)
    const c2 = perChannel(emit("Div", [reduce("ReduceMean", dyxc, "m2"), negVar], [fresh("c2")]), "c2k");
    const corrected = emit("Add", [dy, emit("Mul", [centred, c2], [fresh("c2xc")])], [fresh("dyc")]);
    return { inputs: [affine(corrected, reduce("ReduceMean", dy, "m1"), "dx")], params };
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
