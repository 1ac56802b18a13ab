// The one place that names an ONNX Runtime binding. package.json's "imports" maps `#ort` by
// condition: onnxruntime-node in Node, onnxruntime-web (WASM) in a browser bundle, so the IR,
// the compiler and every metric run unchanged in a browser tab. Both bindings implement
// onnxruntime-common's API; the types are onnxruntime-node's.
import * as ort from "#ort";

export { ort };

interface NodeOs {
  availableParallelism?: () => number;
  cpus: () => unknown[];
}

/**
 * The default intra-op thread count: every core. In a page that is navigator.hardwareConcurrency
 * (ORT-web itself caps WASM threads, and uses one without cross-origin isolation); in Node, the
 * os module reached through process.getBuiltinModule (Node ≥ 20.16) so this file imports no Node API.
 */
export function defaultThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.("node:os") as NodeOs | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return 1;
}
