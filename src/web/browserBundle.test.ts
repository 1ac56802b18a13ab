// The metric layer, the IR, the ONNX compiler and importer, and the spaces a page offers import no
// Node API: each bundles for a browser (esbuild, platform browser), where a node:* import or a
// Node-only package (onnxruntime-node's native binding) fails the build. The #ort import resolves
// to onnxruntime-web there.
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const SRC = resolve(fileURLToPath(import.meta.url), "../..");
const ENTRIES = [
  "metrics/index.ts",
  "metrics/scoreGraph.ts",
  "onnx/import.ts",
  "onnx/compile.ts",
  "spaces/browser.ts",
  "data/imageSetBytes.ts",
  "reports/charts.ts",
  "web/score/main.ts",
];

for (const entry of ENTRIES)
  test(`${entry} bundles for a browser without Node APIs`, async () => {
    const result = await build({
      entryPoints: [join(SRC, entry)],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(!inputs.some((i) => i.includes("onnxruntime-node")), "onnxruntime-node is not bundled");
    if (entry !== "reports/charts.ts" && entry !== "data/imageSetBytes.ts")
      assert.ok(
        inputs.some((i) => i.includes("onnxruntime-web")) || !inputs.some((i) => i.endsWith("onnx/ort.ts")),
        "#ort resolves to onnxruntime-web",
      );
  });
