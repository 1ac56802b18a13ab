// What the browser's scoring page needs beside its bundle: the images Node scores with by default
// (so the tab's values equal `nasprobe score`'s for the same seed) and ONNX Runtime Web's WASM binary.
// The web build writes these files once; the dashboard serves them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { encodeImageSet } from "../data/imageSetBytes.js";
import { DEFAULT_DATASET, loadDataset } from "../data/index.js";
import { BROWSER_METRICS } from "../metrics/browser.js";
import { imagesNeeded, resolveMetrics } from "../metrics/scoreGraph.js";

/** The data seed `nasprobe score` uses unless told otherwise. */
export const SCORE_PAGE_DATA_SEED = 0;

/** The WASM build that onnxruntime-web/wasm loads (threaded SIMD; one thread without isolation). */
const ORT_WASM = "ort-wasm-simd-threaded.wasm";

/** The files scorePageAssets makes. */
export const SCORE_PAGE_FILES: readonly string[] = ["data.bin", ORT_WASM];

/** File name → bytes, to be placed beside the page's bundle. */
export function scorePageAssets(): Record<string, Uint8Array> {
  const images = imagesNeeded(resolveMetrics([...BROWSER_METRICS]));
  const set = loadDataset(DEFAULT_DATASET, { seed: SCORE_PAGE_DATA_SEED, trainCount: images }).train;
  const data = encodeImageSet(set, { data: DEFAULT_DATASET, data_seed: SCORE_PAGE_DATA_SEED });
  const wasm = readFileSync(createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WASM}`));
  return { "data.bin": data, [ORT_WASM]: wasm };
}
