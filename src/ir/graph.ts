// The intermediate representation: a small typed DAG of tensor ops with per-sample shapes.
// Every search space lowers to it; ONNX compilation, parameter/FLOP counting and the plain-TS
// reference forward all read it. Shapes exclude the batch dimension: [C, H, W] or [F].

export type Activation =
  | "relu"
  | "tanh"
  | "sigmoid"
  | "gelu"
  | "swish"
  | "elu"
  | "softplus"
  | "leaky_relu"
  | "erf"
  | "identity";

export const ACTIVATIONS: readonly Activation[] = [
  "relu",
  "tanh",
  "sigmoid",
  "gelu",
  "swish",
  "elu",
  "softplus",
  "leaky_relu",
  "erf",
  "identity",
];

export type Pair = readonly [number, number];
/** Padding as [top, left, bottom, right] (ONNX order). */
export type Pads = readonly [number, number, number, number];

export type Op =
  | { readonly kind: "input" }
  | {
      readonly kind: "conv";
      readonly outChannels: number;
      readonly kernel: Pair;
      readonly stride: Pair;
      readonly pads: Pads;
      readonly dilation: Pair;
      readonly groups: number;
      readonly bias: boolean;
    }
  | { readonly kind: "batchnorm"; readonly eps: number; readonly affine: boolean }
  | { readonly kind: "act"; readonly fn: Activation }
  | {
      readonly kind: "pool";
      readonly mode: "avg" | "max";
      readonly kernel: Pair;
      readonly stride: Pair;
      readonly pads: Pads;
      readonly countIncludePad: boolean;
    }
  | { readonly kind: "globalAvgPool" }
  | { readonly kind: "add" }
  | { readonly kind: "concat" }
  /** Keeps the first `channels` channels (NAS-Bench-101's channel truncation). */
  | { readonly kind: "sliceChannels"; readonly channels: number }
  | { readonly kind: "linear"; readonly outFeatures: number; readonly bias: boolean }
  | { readonly kind: "flatten" }
  | { readonly kind: "identity" }
  | { readonly kind: "zero" };

export type OpKind = Op["kind"];

/** A learnable tensor. `fanIn` is what variance-scaling initialisers divide by. */
export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: "weight" | "bias" | "bn_gamma" | "bn_beta";
  readonly fanIn: number;
}

export interface Node {
  readonly id: number;
  readonly name: string;
  readonly op: Op;
  readonly inputs: readonly number[];
  /** Per-sample output shape. */
  readonly shape: readonly number[];
  readonly params: readonly Param[];
}

export interface Graph {
  readonly nodes: readonly Node[];
  readonly inputShape: readonly number[];
  /** The penultimate representation (what NNGP kernels are built from). */
  readonly features: number;
  /** The classifier output. */
  readonly logits: number;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allParams(graph: Graph): Param[] {
  return graph.nodes.flatMap((n) => n.params);
}

export function batchNormNodes(graph: Graph): Node[] {
  return graph.nodes.filter((n) => n.op.kind === "batchnorm");
}
