// The metrics a browser tab offers: forward and single-pass gradient ones that take seconds on
// ONNX Runtime Web's WebAssembly backend. (NNGP's kernel regression and the NTK's Jacobians also run
// there, but take minutes per architecture on one WASM thread.)
export const BROWSER_METRICS = ["naswot", "swap", "synflow", "params", "flops"] as const;
