// `npm run bench:metrics`: seconds per NB201 architecture for every training-free metric, beside a
// PyTorch CPU implementation of the same metric on the same network (bench/torch_metrics.py, using
// Debian's python3-torch when present). Prints figures and ratios; asserts nothing.
//   node --import tsx bench/metrics.bench.ts [--archs N] [--metrics a,b] [--skip-torch]
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDataset } from "../src/data/index.js";
import { METRICS } from "../src/metrics/index.js";
import { Memo } from "../src/metrics/metric.js";
import { buildNb201, formatNb201, nb201, nb201ThinNetwork, parseNb201 } from "../src/spaces/nb201.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const here = dirname(fileURLToPath(import.meta.url));
const threads = availableParallelism();
const TYPICAL =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
/** Metrics that only run forward passes (target ≥ 2× PyTorch); the rest need gradients (≥ 1.5×). */
const FORWARD_ONLY = new Set(["naswot", "swap", "zen", "linear_regions", "params", "flops"]);
/** Metrics with a benchmark of their own (bench/nngp.bench.ts), skipped unless named in --metrics. */
const OWN_BENCH = new Set(["nngp"]);
/** Settings that make both sides do the same work: torch_metrics.py's SWAP draws the weights once. */
const SAME_WORK: Record<string, object> = { swap: { repeats: 1 } };
const log = (line = "") => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function pythonWithTorch(): string | undefined {
  for (const python of [process.env.PYTHON, "/usr/bin/python3", "python3"])
    if (python && spawnSync(python, ["-c", "import torch"]).status === 0) return python;
  return undefined;
}

/** Best-of-2 seconds per metric for one architecture, on the NB201 table network. */
function torchSeconds(python: string, arch: string, metric: string, dataFile: string): number | undefined {
  const r = spawnSync(
    python,
    [
      resolve(here, "torch_metrics.py"),
      "--arch",
      arch,
      "--metric",
      metric,
      "--data",
      dataFile,
      "--threads",
      String(threads),
      "--repeat",
      metric === "ntk" ? "1" : "2",
      "--net",
      "nb201",
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) {
    process.stderr.write(`torch ${metric} failed: ${r.stderr.split("\n").slice(-3).join(" ")}\n`);
    return undefined;
  }
  const line = JSON.parse(r.stdout.trim().split("\n").pop()!);
  return Math.min(...(line.seconds as number[]));
}

async function main(): Promise<void> {
  const cifar = sharedDataPath("cifar10-subset");
  if (!cifar) throw new Error("needs ../shared/data/cifar10-subset");
  const data = loadDataset(`cifar10:${cifar}`, { seed: 0, trainCount: 256 }).train;
  const count = Number(arg("--archs") ?? 3);
  const only = arg("--metrics")?.split(",");
  const metrics = METRICS.filter((m) => (only ? only.includes(m.name) : !OWN_BENCH.has(m.name)));
  const all = [...nb201.enumerate!()].map(formatNb201);
  const archs = [TYPICAL, ...new Rng(1, "bench-archs").shuffle(all).slice(0, count - 1)];
  const python = process.argv.includes("--skip-torch") ? undefined : pythonWithTorch();
  log(
    `nasprobe metric benchmark — ${threads} threads, CIFAR-10 subset, ${archs.length} NB201 cells (NTK: first cell only)`,
  );
  log(
    `PyTorch: ${python ? spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" }).stdout.trim() : "not found"}`,
  );
  log();
  log("metric            ours s/arch   PyTorch s/arch   speed-up   target");
  const rows: Array<{ name: string; ours: number }> = [];
  for (const metric of metrics) {
    const useArchs = metric.name === "ntk" ? archs.slice(0, 1) : archs;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (const arch of useArchs) {
      const graph = buildNb201(parseNb201(arch), { inputShape: [3, 32, 32], numClasses: 10 });
      // Linear regions scores the space's thin network, as the scorer supplies it.
      const thinGraph = nb201ThinNetwork(parseNb201(arch), 10);
      // A fresh Memo: each metric pays for its own forward/backward, as the PyTorch side does.
      const start = performance.now();
      await metric.compute(
        { graph, thinGraph, data, seed: 0, runtime: { threads }, memo: new Memo() },
        SAME_WORK[metric.name],
      );
      ours.push((performance.now() - start) / 1000);
      if (python) {
        const t = torchSeconds(python, arch, metric.name, resolve(cifar, "data_batch_1.bin"));
        if (t !== undefined) theirs.push(t);
      }
    }
    const o = median(ours);
    const t = theirs.length > 0 ? median(theirs) : Number.NaN;
    const target = FORWARD_ONLY.has(metric.name) ? 2 : 1.5;
    rows.push({ name: metric.name, ours: o });
    log(
      `${(metric.name + (SAME_WORK[metric.name] ? "*" : "")).padEnd(16)}  ${o.toFixed(3).padStart(10)}   ${Number.isNaN(t) ? "       n/a" : t.toFixed(3).padStart(10)}   ${Number.isNaN(t) ? "     " : `${(t / o).toFixed(2)}×`.padStart(8)}   ≥ ${target}×`,
    );
  }
  log("* one weight draw on both sides (the metric's default averages SWAP over 32 draws)");
  const naswot = rows.find((r) => r.name === "naswot");
  if (naswot)
    log(
      `\nNASWOT sweep of all 15,625 NB201 cells at ${naswot.ours.toFixed(3)} s/arch: ${((naswot.ours * 15625) / 3600).toFixed(2)} h (target < 1 h)`,
    );
}

await main();
