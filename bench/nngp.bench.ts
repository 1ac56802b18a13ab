// `npm run bench`: where the time of an NNGP score goes, against this machine's practical peak and
// PyTorch CPU. Prints figures and ratios; asserts nothing.
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_DATASET, loadDataset } from "../src/data/index.js";
import { flops } from "../src/ir/cost.js";
import { NNGP_DEFAULTS, NNGP_PRESETS, nngpScore, nngpSplit } from "../src/metrics/nngp.js";
import { buildNb201, formatNb201, nb201, parseNb201 } from "../src/spaces/nb201.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { peakGflops } from "./peak.js";

const here = dirname(fileURLToPath(import.meta.url));
const threads = availableParallelism();
const TYPICAL =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

const fmt = (x: number, d = 2) => x.toFixed(d);
const log = (line = "") => process.stdout.write(`${line}\n`);

/** Debian's python3-torch lives under the system interpreter, which may not be first on PATH. */
function pythonWithTorch(): string | undefined {
  for (const python of [process.env.PYTHON, "/usr/bin/python3", "python3"]) {
    if (python && spawnSync(python, ["-c", "import torch"]).status === 0) return python;
  }
  return undefined;
}

function torchImagesPerSecond(arch: string, images: number): number | undefined {
  const python = pythonWithTorch();
  if (!python) return undefined;
  const script = resolve(here, "torch_nb201.py");
  // Same batch size as ours; best of two runs, to be fair to the alternative.
  let best = 0;
  for (let run = 0; run < 2; run++) {
    const args = [script, arch, String(images), String(NNGP_DEFAULTS.batchSize), String(threads)];
    const r = spawnSync(python, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`torch benchmark failed: ${r.stderr}`);
    const { seconds, images: done } = JSON.parse(r.stdout.trim().split("\n").pop()!);
    best = Math.max(best, done / seconds);
  }
  return best;
}

async function main(): Promise<void> {
  const cifar = sharedDataPath("cifar10-subset");
  const spec = cifar ? `cifar10:${cifar}` : DEFAULT_DATASET;
  const preset = NNGP_PRESETS.default;
  const data = loadDataset(spec, { seed: 0, trainCount: preset.nTrain + preset.nVal });
  const split = (nTrain: number, nVal: number) => nngpSplit(data.train, nTrain, nVal);
  const inputShape = [data.train.channels, data.train.height, data.train.width];
  log(`nasprobe NNGP benchmark — ${threads} threads, data ${cifar ? "CIFAR-10 subset" : spec}`);

  const peak = await peakGflops(NNGP_DEFAULTS.batchSize, threads);
  log(
    `practical peak (16×conv3×3 C=64 32×32, batch ${NNGP_DEFAULTS.batchSize}, ONNX Runtime): ${fmt(peak, 1)} GFLOP/s`,
  );
  log();

  const graph = buildNb201(parseNb201(TYPICAL), { inputShape, numClasses: 10 });
  const macs = flops(graph);
  const { train, val } = split(preset.nTrain, preset.nVal);
  const start = performance.now();
  const r = await nngpScore(graph, { train, val }, { ensemble: preset.ensemble }, { threads });
  const total = (performance.now() - start) / 1000;
  const images = preset.ensemble * (train.count + val.count + NNGP_DEFAULTS.bnUpdateBatch);
  const forwardGflops = (2 * macs * images) / r.timings.forward / 1e9;
  const overhead = total - r.timings.forward - r.timings.kernel;
  log(
    `NNGP default (n_train ${preset.nTrain}, n_val ${preset.nVal}, ensemble ${preset.ensemble}) on ${TYPICAL}`,
  );
  log(
    `  ${fmt(macs / 1e6, 1)} MFLOPs/image (NB201 count), ${images} images, ${fmt((2 * macs * images) / 1e9, 0)} GFLOP forward`,
  );
  log(`  total            ${fmt(total)} s/arch   (score ${fmt(r.score, 3)})`);
  log(
    `  forward passes   ${fmt(r.timings.forward)} s   ${fmt(images / r.timings.forward, 0)} img/s   ${fmt(forwardGflops, 1)} GFLOP/s = ${fmt((100 * forwardGflops) / peak, 0)}% of peak`,
  );
  log(
    `  kernel algebra   ${fmt(r.timings.kernel)} s   = ${fmt((100 * r.timings.kernel) / r.timings.forward, 1)}% of forward`,
  );
  log(
    `  overhead         ${fmt(overhead)} s   (sessions ${fmt(r.timings.setup)} s, weight init ${fmt(r.timings.init)} s)`,
  );

  const torchRate = torchImagesPerSecond(TYPICAL, 1536);
  if (torchRate === undefined) log("  PyTorch CPU: not installed (apt-get install python3-torch to compare)");
  else {
    const torchGflops = (2 * macs * torchRate) / 1e9;
    const ours = images / r.timings.forward;
    log(
      `  PyTorch CPU (eval, no_grad, batch ${NNGP_DEFAULTS.batchSize}, best of 2): ${fmt(torchRate, 0)} img/s ${fmt(torchGflops, 1)} GFLOP/s → nasprobe ${fmt(ours / torchRate, 2)}× PyTorch`,
    );
  }
  log();

  const fast = NNGP_PRESETS.fast;
  const fastSplit = split(fast.nTrain, fast.nVal);
  const rng = new Rng(1, "bench-fast");
  const seconds: number[] = [];
  for (let i = 0; i < 20; i++) {
    const arch = nb201.sample(rng);
    const g = buildNb201(arch, { inputShape, numClasses: 10 });
    const t0 = performance.now();
    await nngpScore(
      g,
      fastSplit,
      { ensemble: fast.ensemble, bnUpdateBatch: fast.bnUpdateBatch },
      { threads },
    );
    seconds.push((performance.now() - t0) / 1000);
    if (i === 0)
      log(
        `--preset fast (n_train ${fast.nTrain}, n_val ${fast.nVal}, ensemble ${fast.ensemble}, BN batch ${fast.bnUpdateBatch}); first arch ${formatNb201(arch)}`,
      );
  }
  seconds.sort((a, b) => a - b);
  log(
    `  median ${fmt(seconds[10]!)} s/arch over 20 random NB201 archs (min ${fmt(seconds[0]!)}, max ${fmt(seconds[19]!)})`,
  );
}

await main();
