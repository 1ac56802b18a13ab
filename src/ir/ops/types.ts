// What an op module provides. Each op kind has exactly one OpDef (ops/<op>.ts), registered in
// ops/index.ts; the builder, cost counting, ONNX lowering, autodiff and the reference forward are
// drivers that look the node's op up there and call these rules.
import type { BatchNormMode, OnnxWriter } from "../../onnx/writer.js";
import type { Graph, Node, Param } from "../graph.js";

export type Shape = readonly number[];

/** Every op's attributes carry their kind; the IR's `Op` is the union over the registry. */
export interface OpBase {
  readonly kind: string;
}

/** Options of the forward lowering (see compile.ts's lowerForward). */
export interface LowerOptions {
  readonly bnMode: BatchNormMode;
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Also emit MaxPool's indices (the gradient routes through them). */
  readonly maxPoolIndices?: boolean;
  /**
   * ReLU and leaky ReLU take their on/off pattern from a uint8 input `<node>.relu_mask` instead of
   * from their input's sign: the network is then smooth in its weights around that pattern, which
   * is what autograd's Hessian (ReLU'' = 0) describes. See metrics/grasp.ts.
   */
  readonly frozenReluMasks?: boolean;
}

export interface LowerContext<O extends OpBase> {
  readonly graph: Graph;
  readonly node: Node;
  readonly op: O;
  /** Tensor names of the node's inputs (for the input op: the graph input `input`). */
  readonly inputs: readonly string[];
  readonly inShapes: readonly Shape[];
  /** The tensor name the node's output must be written to. */
  readonly out: string;
  readonly w: OnnxWriter;
  readonly options: LowerOptions;
}

/** ∂L/∂(each input), undefined where the op passes no gradient (zero op), and ∂L/∂(each parameter). */
export interface Vjp {
  readonly inputs: Array<string | undefined>;
  readonly params: Record<string, string>;
}

export interface VjpContext<O extends OpBase> {
  readonly graph: Graph;
  readonly node: Node;
  readonly op: O;
  /** Tensor names of the forward inputs; `x` is the first (the node's own output for the input op). */
  readonly inputs: readonly string[];
  readonly x: string;
  /** The forward output. */
  readonly y: string;
  /** ∂L/∂y. */
  readonly dy: string;
  readonly inShapes: readonly Shape[];
  /** The first input's shape (the node's own for the input op). */
  readonly inShape: Shape;
  readonly w: OnnxWriter;
  /** A fresh tensor name `<y>_<what>_<k>`. */
  readonly fresh: (what: string) => string;
  readonly bnMode: BatchNormMode;
  readonly initializers: ReadonlyMap<string, Float32Array> | undefined;
  /** The forward took ReLU-family patterns from frozen masks (LowerOptions.frozenReluMasks). */
  readonly frozenReluMasks: boolean;
}

export interface ReferenceOptions {
  readonly bnMode: "inference" | "train";
  /** For inference-mode BN: running statistics by BN node name. */
  readonly runningStats?: ReadonlyMap<string, { mean: Float64Array; variance: Float64Array }>;
}

export interface ReferenceContext<O extends OpBase> {
  readonly node: Node;
  readonly op: O;
  /** The inputs' values, batch-major float64 (for the input op: the fed input). */
  readonly inputs: readonly Float64Array[];
  readonly inShapes: readonly Shape[];
  /** Zero-filled, batch × numel(node.shape); the rule writes the node's output here. */
  readonly out: Float64Array;
  readonly batch: number;
  /** A parameter's values by name; throws if missing. */
  readonly weight: (name: string) => Float32Array;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly options: ReferenceOptions;
}

export interface CostContext<O extends OpBase> {
  readonly op: O;
  readonly inShapes: readonly Shape[];
  readonly outShape: Shape;
}

/**
 * Everything about one op kind. Methods (not function-valued properties) on purpose: an
 * OpDef<ConvOp> is then usable where the drivers hold an OpDef of the whole union.
 */
export interface OpDef<O extends OpBase> {
  readonly kind: O["kind"];
  /** The base of the node's name (the builder adds scope and a counter). */
  baseName(op: O): string;
  /** Per-sample output shape from the inputs' shapes; throws (naming the op) when they do not fit. */
  shape(op: O, inShapes: readonly Shape[]): number[];
  /** Learnable tensors of a node named `name`, with their init roles and fan-in. */
  params(op: O, inShapes: readonly Shape[], name: string): Param[];
  /**
   * FLOPs per sample in NAS-Bench-201's convention (xautodl's counter): multiply-accumulates of
   * conv/linear-like ops (+1 per output for a bias), nothing for anything else. Spaces whose
   * benchmark counts differently override the whole count (SearchSpace.flops).
   */
  flops(c: CostContext<O>): number;
  /** Emits the forward ONNX nodes writing `c.out`. */
  lower(c: LowerContext<O>): void;
  /** Emits ∂L/∂inputs and ∂L/∂params from ∂L/∂y. */
  vjp(c: VjpContext<O>): Vjp;
  /** Plain-TS forward, float64, written for clarity. */
  reference(c: ReferenceContext<O>): void;
}

/** For the many ops with neither parameters nor FLOPs. */
export const noParams = (): Param[] => [];
export const noFlops = (): number => 0;

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function spatial(s: Shape, what: string): [number, number, number] {
  if (s.length !== 3) throw new Error(`${what} needs a [C,H,W] input, got ${s.join("x")}`);
  return [s[0]!, s[1]!, s[2]!];
}

export function outSize(
  size: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
) {
  return Math.floor((size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}
