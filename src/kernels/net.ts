// A network definition is one value with stax's three faces: kernelFn (infinite width), initFn and
// forward (finite width, random weights), plus backward so the empirical NTK comes from the very
// same definition.
import { inputKernel, type Kernel } from "./kernel.js";
import type { Mat } from "./matrix.js";

/** A single value, or one per branch between fanOut and fanInSum. */
export type Flow<T> = T | readonly T[];

/** Weights of one Dense layer as stored; the forward pass multiplies them by the scales. */
export interface DenseParams {
  readonly kind: "dense";
  readonly inDim: number;
  readonly outDim: number;
  /** inDim × outDim, row-major. */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
  readonly wScale: number;
  readonly bScale: number;
}

export type Params = DenseParams | null | readonly Params[];

export interface KernelOptions {
  /** Hidden width; needed only by "standard"-parameterised Dense layers, whose NTK grows with it. */
  readonly width?: number;
}

export interface InitOptions {
  readonly inputDim: number;
  /** Output size of every Dense layer that does not fix its own `out`. */
  readonly width: number;
  readonly seed: number;
}

/** Receives, per Dense layer, its inputs `a` and the output gradients `d` of one backward pass. */
export type GradientSink = (params: DenseParams, a: Mat, d: Mat) => void;

export interface LayerSpec {
  readonly name: string;
  kernelFn(k: Flow<Kernel>, options: KernelOptions): Flow<Kernel>;
  /** `path` names the layer's position, so each layer draws from its own Rng(seed, path). */
  initFn(
    inWidth: Flow<number>,
    options: InitOptions,
    path: readonly (string | number)[],
  ): { params: Params; outWidth: Flow<number> };
  forward(params: Params, x: Flow<Mat>): { y: Flow<Mat>; cache: unknown };
  /** Returns the gradient with respect to the inputs; rows are samples, which never mix. */
  backward(params: Params, cache: unknown, dy: Flow<Mat>, sink: GradientSink): Flow<Mat>;
}

export class Net implements LayerSpec {
  readonly name: string;
  readonly kernelFn: LayerSpec["kernelFn"];
  readonly initFn: LayerSpec["initFn"];
  readonly forward: LayerSpec["forward"];
  readonly backward: LayerSpec["backward"];

  constructor(spec: LayerSpec) {
    this.name = spec.name;
    this.kernelFn = spec.kernelFn;
    this.initFn = spec.initFn;
    this.forward = spec.forward;
    this.backward = spec.backward;
  }

  /** Infinite-width NNGP and NTK between the rows of x1 and x2 (x2 defaults to x1). */
  kernel(x1: Mat, x2: Mat = x1, options: KernelOptions = {}): Kernel {
    return single(this.kernelFn(inputKernel(x1, x2), options), this.name);
  }

  /** Random parameters of the finite network of the given width. */
  init(options: InitOptions): Params {
    return this.initFn(options.inputDim, options, []).params;
  }

  /** Outputs (n × out) of the finite network. */
  apply(params: Params, x: Mat): Mat {
    return single(this.forward(params, x).y, this.name);
  }
}

export function isList<T>(v: Flow<T>): v is readonly T[] {
  return Array.isArray(v);
}

export function single<T>(v: Flow<T>, who: string): T {
  if (isList(v)) throw new Error(`${who} expects one input, got ${v.length} branches (missing fanInSum?)`);
  return v;
}

export function list<T>(v: Flow<T>, who: string): readonly T[] {
  if (!isList(v)) throw new Error(`${who} expects branches (missing fanOut?)`);
  return v;
}

/** Params of a combinator: one entry per child. */
export function children(p: Params, count: number, who: string): readonly Params[] {
  if (!Array.isArray(p) || p.length !== count) throw new Error(`${who}: params do not match the network`);
  return p as readonly Params[];
}
