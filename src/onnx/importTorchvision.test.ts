// Models no one here wrote: torchvision's resnet18, mobilenet_v2 and squeezenet1_0/1_1, exported by
// torch.onnx.export (scripts/torchvision-models.py, random init, BN kept) into test-artifacts/.
// Every op must map; the imported parameter count must equal PyTorch's
// sum(p.numel() for p in model.parameters()); with the model's weights, ONNX Runtime's logits on
// the imported graph must equal PyTorch's on the same input; NASWOT and synflow, re-initialised
// as for any space, must be finite; with the model's weights, NASWOT equals the reference computed by PyTorch hooks. Skips, saying so, where Debian's python3-torch is absent.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { ImageSet } from "../data/imageSet.js";
import { loadDataset } from "../data/index.js";
import { paramCount } from "../ir/cost.js";
import { getMetric } from "../metrics/index.js";
import { gaussianImages } from "../metrics/testData.js";
import { sharedDataPath } from "../util/sharedData.js";
import { compileToOnnx } from "./compile.js";
import { importOnnx } from "./import.js";
import { OnnxSession } from "./runtime.js";

const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
const CACHE = join(REPO, "test-artifacts", "torchvision");
const PYTHON = "/usr/bin/python3";
const MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_0", "squeezenet1_1"];

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import torch, torchvision"], { encoding: "utf8" });
  return probe.status === 0
    ? undefined
    : `torch/torchvision not importable by ${PYTHON} (Debian python3-torchvision)`;
}

interface TorchFacts {
  readonly params: number;
  readonly input_shape: [number, number, number];
  readonly batch: number;
  readonly classes: number;
  readonly torch: string;
  /** The reference NASWOT (PyTorch hooks) with the model's weights on the NASWOT batch. */
  readonly naswot: number;
  readonly naswot_batch: number;
  readonly naswot_shape: [number, number, number];
}

const floats = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

const skip = torchMissing();
if (skip) process.stdout.write(`# SKIP torchvision import tests: ${skip}\n`);

describe("torchvision models exported by torch.onnx.export", { skip }, () => {
  // Export once into the cache (gitignored); a later run reuses it.
  if (!skip && !MODELS.every((m) => existsSync(join(CACHE, `${m}.naswot.bin`)))) {
    mkdirSync(CACHE, { recursive: true });
    execFileSync(PYTHON, [join(REPO, "scripts/torchvision-models.py"), CACHE, ...MODELS], {
      stdio: "inherit",
    });
  }
  // Metrics at CIFAR-10's 3×32×32 (every model here is convolutional up to global pooling).
  const METRICS = ["naswot", "synflow"];
  const images = Math.max(...METRICS.map((m) => getMetric(m).images(getMetric(m).defaults)));
  const cifar = sharedDataPath("cifar10-subset");
  const data: ImageSet = cifar
    ? loadDataset(`cifar10:${cifar}`, { seed: 0, trainCount: images }).train
    : gaussianImages(images, [3, 32, 32], 10);
  const results: Record<string, unknown> = {};

  for (const name of MODELS)
    it(name, async () => {
      const start = performance.now();
      const facts = JSON.parse(readFileSync(join(CACHE, `${name}.json`), "utf8")) as TorchFacts;
      const bytes = readFileSync(join(CACHE, `${name}.onnx`));
      const imported = importOnnx(bytes);
      const importSeconds = (performance.now() - start) / 1000;
      assert.equal(paramCount(imported.graph), facts.params, "params equal PyTorch's");
      assert.deepEqual(imported.graph.inputShape, facts.input_shape);

      // The model's weights: logits equal PyTorch's on the same input.
      const model = compileToOnnx(imported.graph, {
        bnMode: "inference",
        initializers: imported.weights,
        outputs: ["logits"],
      });
      const session = await OnnxSession.create(model.bytes, { threads: 2 }, true);
      const x = floats(join(CACHE, `${name}.input.bin`));
      const expected = floats(join(CACHE, `${name}.logits.bin`));
      const got = (await session.run({ input: { data: x, dims: [facts.batch, ...facts.input_shape] } }))
        .logits!;
      await session.release();
      assert.deepEqual(got.dims, [facts.batch, facts.classes]);
      const scale = Math.max(...expected.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < expected.length; i++)
        worst = Math.max(worst, Math.abs(got.data[i]! - expected[i]!));
      assert.ok(worst <= 1e-5 * Math.max(1, scale), `max |ORT − PyTorch| = ${worst} (logits up to ${scale})`);

      // The model's weights, train-mode BN, on PyTorch's NASWOT batch: our NASWOT equals the
      // reference's hooks on every *ReLU* module (ReLU6 for MobileNetV2).
      const [c, h, w] = facts.naswot_shape;
      const batch: ImageSet = {
        name: `${name}-naswot-batch`,
        images: floats(join(CACHE, `${name}.naswot.bin`)),
        labels: new Int32Array(facts.naswot_batch),
        count: facts.naswot_batch,
        channels: c,
        height: h,
        width: w,
        numClasses: 10,
      };
      const kept = importOnnx(bytes, { inputShape: facts.naswot_shape });
      const ours = await getMetric("naswot").compute(
        {
          graph: { ...kept.graph, modelWeights: kept.weights },
          data: batch,
          seed: 0,
          runtime: { threads: 2 },
        },
        { batchSize: facts.naswot_batch },
      );
      const naswotOurs = ours.values.naswot!;
      assert.ok(
        Math.abs(naswotOurs - facts.naswot) <= 1e-6 * Math.abs(facts.naswot),
        `NASWOT ${naswotOurs} vs PyTorch reference ${facts.naswot}`,
      );

      // Re-initialised (the metrics' own init), at 3×32×32: NASWOT and synflow finite.
      const small = importOnnx(bytes, { inputShape: [3, 32, 32] });
      assert.equal(paramCount(small.graph), facts.params, "the input size changes no parameter");
      const values: Record<string, number> = {};
      const seconds: Record<string, number> = {};
      for (const metric of METRICS) {
        const t = performance.now();
        const r = await getMetric(metric).compute({
          graph: small.graph,
          data,
          seed: 0,
          runtime: { threads: 2 },
        });
        seconds[metric] = (performance.now() - t) / 1000;
        values[metric] = r.values[metric]!;
        assert.ok(Number.isFinite(values[metric]), `${metric} = ${values[metric]} (${r.reason ?? ""})`);
      }
      results[name] = {
        onnx_ops: imported.report.onnxOps,
        ir_ops: imported.report.irOps,
        features: imported.report.features,
        params: paramCount(imported.graph),
        torch_params: facts.params,
        max_logit_diff: worst,
        max_logit: scale,
        naswot_model_weights: naswotOurs,
        naswot_torch_reference: facts.naswot,
        data: data.name,
        ...values,
        import_seconds: importSeconds,
        metric_seconds: seconds,
      };
      process.stdout.write(`# ${name}: ${JSON.stringify(results[name])}\n`);
      writeFileSync(join(CACHE, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
    });
});
