// The infinite-width NNGP and NTK of an IR graph (ir/graph.ts), so a space declares its network once
// and gets both the finite network (ONNX) and its kernels. Node by node, with the stax layers'
// kernel functions: linear → dense, act → elementwise with the activation's dual (irActivations.ts),
// add → fanInSum, concat → the width-weighted mean (stax's FanInConcat on the feature axis), flatten
// and identity pass through. Graphs with other ops (conv, pooling, BN, …) get a reason instead.
import { type Graph, type Node, numel } from "../ir/graph.js";
import { elementwise } from "./activations.js";
import { fanInSum } from "./combinators.js";
import { irActivation } from "./irActivations.js";
import { inputKernel, type Kernel } from "./kernel.js";
import { dense } from "./linear.js";
import type { Mat } from "./matrix.js";

export interface GraphKernelOptions {
  /**
   * σ_w: weights have variance σw²/fan_in. 1 (default) matches ir/init.ts's variance_scaling, √2
   * kaiming_normal, 1/√3 kaiming_uniform (see initGain).
   */
  readonly wStd?: number;
  /** σ_b of every bias (default 0: ir/init.ts starts biases at zero). */
  readonly bStd?: number;
  /**
   * "ntk" (default, stax's): the width-free limit. "standard": the graph's own parameterisation
   * (W ~ N(0, σw²/fan_in), z = xW + b), whose NTK grows with the graph's widths (a bias adds 1).
   */
  readonly parameterization?: "ntk" | "standard";
}

/** σ_w of an ir/init.ts scheme; undefined for standard_normal, whose variance does not scale with fan-in. */
export function initGain(scheme: string): number | undefined {
  return { variance_scaling: 1, kaiming_normal: Math.SQRT2, kaiming_uniform: 1 / Math.sqrt(3) }[scheme];
}

export interface GraphKernels {
  /** Kernel of the features node (what the NNGP metric's F Fᵀ / width estimates). */
  readonly features: Kernel;
  /** Kernel of one logit (the NTK Zhu et al. rank by); logits are independent at infinite width. */
  readonly logits: Kernel;
}

export type GraphKernelFn =
  | {
      readonly ok: true;
      /** x1: n1 × d and x2: n2 × d rows of flattened inputs (d = numel(inputShape)); x2 defaults to x1. */
      kernel(x1: Mat, x2?: Mat): GraphKernels;
    }
  | { readonly ok: false; readonly reason: string };

interface Facts {
  /** Mean-zero Gaussian at infinite width (a linear output, or sums of such). */
  readonly gaussian: boolean;
  /** A concatenation of differently distributed parts: only a linear layer may read it. */
  readonly mixed: boolean;
  /** Node ids this node depends on, itself included. */
  readonly ancestors: ReadonlySet<number>;
}

/** Why the graph has no kernel here, or undefined; checks structure only, not data. */
function unsupported(graph: Graph): string | undefined {
  const facts: Facts[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => facts[i]!);
    const ancestors = new Set<number>([node.id, ...inputs.flatMap((f) => [...f.ancestors])]);
    const op = node.op;
    const first = inputs[0];
    const why = (text: string) => `${node.name}: ${text}`;
    if (first?.mixed && op.kind !== "linear" && op.kind !== "identity" && op.kind !== "flatten")
      return why(
        `${op.kind === "act" ? op.fn : op.kind} after a concatenation has no kernel (only a linear layer may read one)`,
      );
    let gaussian = false;
    let mixed = false;
    switch (op.kind) {
      case "input":
        break;
      case "linear":
        if (node.shape.length !== 1) return why("linear on a non-flat input");
        gaussian = true;
        break;
      case "identity":
      case "flatten":
        gaussian = first!.gaussian;
        mixed = first!.mixed;
        break;
      case "act":
        if (!irActivation(op)) return why(`no analytic kernel for activation ${op.fn}`);
        break;
      case "add": {
        if (!inputs.every((f) => f.gaussian))
          return why("add of a branch that is not mean-zero Gaussian (end each branch in a linear layer)");
        // Sums of kernels need uncorrelated branches: of each pair, one must be a linear output
        // (fresh weights) that the other does not depend on.
        const fresh = (a: number, b: number) =>
          graph.nodes[a]!.op.kind === "linear" && !facts[b]!.ancestors.has(a);
        for (let i = 0; i < node.inputs.length; i++)
          for (let j = i + 1; j < node.inputs.length; j++) {
            const a = node.inputs[i]!;
            const b = node.inputs[j]!;
            if (!fresh(a, b) && !fresh(b, a))
              return why(`add of correlated branches ${graph.nodes[a]!.name} and ${graph.nodes[b]!.name}`);
          }
        gaussian = true;
        break;
      }
      case "concat":
        if (node.shape.length !== 1) return why("concat of non-flat inputs");
        mixed = true;
        break;
      default:
        return why(`no analytic kernel for op ${op.kind}`);
    }
    facts.push({ gaussian, mixed, ancestors });
  }
  return undefined;
}

function concatKernel(parts: readonly Kernel[], widths: readonly number[]): Kernel {
  const total = widths.reduce((s, w) => s + w, 0);
  const mean = (pick: (k: Kernel) => Float64Array) => {
    const out = new Float64Array(pick(parts[0]!).length);
    parts.forEach((k, p) => {
      const v = pick(k);
      const share = widths[p]! / total;
      for (let i = 0; i < out.length; i++) out[i]! += share * v[i]!;
    });
    return out;
  };
  return {
    ...parts[0]!,
    nngp: mean((k) => k.nngp),
    ntk: mean((k) => k.ntk),
    cov1: mean((k) => k.cov1),
    cov2: mean((k) => k.cov2),
    isGaussian: false,
    channels: total,
  };
}

/** The infinite-width kernels of `graph`, or why there are none. */
export function graphKernel(graph: Graph, options: GraphKernelOptions = {}): GraphKernelFn {
  const reason = unsupported(graph);
  if (reason !== undefined) return { ok: false, reason };
  const wStd = options.wStd ?? 1;
  const bStd = options.bStd ?? 0;
  const parameterization = options.parameterization ?? "ntk";
  const d = numel(graph.inputShape);
  const step = (node: Node, ks: readonly Kernel[]): Kernel => {
    const op = node.op;
    switch (op.kind) {
      case "linear": {
        const layer = dense({ wStd, bStd: op.bias ? bStd : undefined, parameterization });
        return layer.kernelFn(ks[0]!, { width: op.outFeatures }) as Kernel;
      }
      case "act":
        return elementwise(irActivation(op)!).kernelFn(ks[0]!, {}) as Kernel;
      case "add":
        return fanInSum().kernelFn(ks, {}) as Kernel;
      case "concat":
        return concatKernel(
          ks,
          node.inputs.map((i) => graph.nodes[i]!.shape[0]!),
        );
      default:
        return ks[0]!;
    }
  };
  return {
    ok: true,
    kernel(x1: Mat, x2: Mat = x1): GraphKernels {
      if (x1.cols !== d || x2.cols !== d)
        throw new Error(
          `inputs need ${d} features (the flattened ${graph.inputShape.join("×")}), got ${x1.cols}`,
        );
      const ks: Kernel[] = [];
      for (const node of graph.nodes) {
        ks.push(
          node.op.kind === "input"
            ? inputKernel(x1, x2)
            : step(
                node,
                node.inputs.map((i) => ks[i]!),
              ),
        );
      }
      return { features: ks[graph.features]!, logits: ks[graph.logits]! };
    },
  };
}
