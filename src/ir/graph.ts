// The intermediate representation: a small typed DAG of tensor ops with per-sample shapes.
// Every search space lowers to it; ONNX compilation, parameter/FLOP counting and the plain-TS
// reference forward all read it. Shapes exclude the batch dimension: [C, H, W] or [F].

import type { Op } from "./ops/index.js";

export { ACTIVATIONS } from "./ops/act.js";
// Op kinds, their attributes and their rules live in ./ops (one module per op, registered in
// ops/index.ts); `Op` is the union over that registry.
export type { Activation, Op, OpKind, OpOfKind } from "./ops/index.js";

export type Pair = readonly [number, number];
/** Padding as [top, left, bottom, right] (ONNX order). */
export type Pads = readonly [number, number, number, number];

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
  /**
   * Weights fixed by the model this graph was imported from (`--keep-weights`), by parameter and
   * running-statistic name: initWeights and freshRunningStatistics return these instead of drawing.
   */
  readonly modelWeights?: ReadonlyMap<string, Float32Array>;
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
