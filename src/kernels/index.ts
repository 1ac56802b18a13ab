// Analytic infinite-width NNGP/NTK kernels with neural-tangents stax semantics (see
// docs/analytic-kernels.md); every definition also instantiates the finite network.
export * from "./activations.js";
export * from "./combinators.js";
export * from "./empirical.js";
export type { Kernel } from "./kernel.js";
export { inputKernel } from "./kernel.js";
export * from "./linear.js";
export { fromRows, type Mat, relativeError, stackRows, zeros } from "./matrix.js";
export type { DenseParams, Flow, InitOptions, KernelOptions, Params } from "./net.js";
export { Net } from "./net.js";
