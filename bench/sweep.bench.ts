// `npm run bench:sweep`: a NASWOT sweep of NB201 cells — where each cell's time goes, seconds per
// cell with one session on all cores and with single-threaded sessions on worker threads
// (`nasprobe score --workers`), the projection to all 15,625 cells, throughput as a fraction of
// this machine's ORT peak, and PyTorch CPU sweeping the same cells (bench/torch_metrics.py).
// Prints figures and ratios; asserts nothing.
//   node --import tsx bench/sweep.bench.ts [--cells N] [--torch-cells M] [--skip-torch]
// PyTorch (Debian's, generic BLAS) takes ~12 s a cell here, so it sweeps only the first M cells
// (default 10) and its figures are per cell of those.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseArchitectures, scoreArchitectures } from "../src/app/score.js";
import { loadDataset } from "../src/data/index.js";
import { flops } from "../src/ir/cost.js";
import { initWeights } from "../src/ir/init.js";
import { frontBatch } from "../src/metrics/metric.js";
import { naswotScore } from "../src/metrics/naswot.js";
import { getSpace } from "../src/spaces/index.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { peakGflops } from "./peak.js";

const here = dirname(fileURLToPath(import.meta.url));
const cores = availableParallelism();
const log = (line = "") => process.stdout.write(`${line}\n`);
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const BATCH = 128; // NASWOT's reference batch
const FULL = 15_625;

function pythonWithTorch(): string | undefined {
  for (const python of [process.env.PYTHON, "/usr/bin/python3", "python3"])
    if (python && spawnSync(python, ["-c", "import torch"]).status === 0) return python;
  return undefined;
}

const cifar = sharedDataPath("cifar10-subset");
if (!cifar) throw new Error("needs ../shared/data/cifar10-subset");
const dataSpec = `cifar10:${cifar}`;
const count = Number(arg("--cells") ?? 100);
const space = getSpace("nb201");
// The seed-0 sample every docs/results NB201 sweep starts with.
const { archStrs } = chooseArchitectures(space, { sample: count }, 0);
const graphs = archStrs.map((a) => space.build(space.parse(a), space.defaultBuild));
const gflop = graphs.reduce((s, g) => s + (2 * flops(g) * BATCH) / 1e9, 0);
const peak = await peakGflops(64, cores);
log(`NASWOT sweep benchmark — ${cores} cores, ${count} NB201 cells of the seed-0 sample, batch ${BATCH}`);
log(
  `forward arithmetic ${(gflop / count).toFixed(1)} GFLOP per cell on average; ORT peak here ${peak.toFixed(0)} GFLOP/s (bench/peak.ts)`,
);

// 1. Where one cell's time goes, one session on all cores (the first 16 cells).
const images = frontBatch(loadDataset(dataSpec, { seed: 0, trainCount: BATCH }).train, BATCH);
const stages = {
  "build graph": 0,
  "init weights": 0,
  "compile + create session": 0,
  "ORT run": 0,
  "kernel + slogdet": 0,
  other: 0,
};
const profiled = Math.min(16, count);
for (const arch of archStrs.slice(0, profiled)) {
  const t0 = performance.now();
  const g = space.build(space.parse(arch), space.defaultBuild);
  const t1 = performance.now();
  initWeights(g, "kaiming_uniform", 0, "naswot"); // naswotScore draws the same again; timed apart here
  const t2 = performance.now();
  const r = await naswotScore(g, images, { seed: 0 }, { threads: cores });
  const t3 = performance.now();
  stages["build graph"] += t1 - t0;
  stages["init weights"] += t2 - t1;
  stages["compile + create session"] += r.timings.setup * 1000;
  stages["ORT run"] += r.timings.run * 1000;
  stages["kernel + slogdet"] += r.timings.kernel * 1000;
  stages.other += t3 - t2 - (r.timings.setup + r.timings.run + r.timings.kernel) * 1000 - (t2 - t1);
}
const perCell = Object.values(stages).reduce((a, b) => a + b, 0) / profiled;
log();
log(`one cell, one session on ${cores} threads (mean of ${profiled} cells): ${perCell.toFixed(0)} ms`);
for (const [stage, ms] of Object.entries(stages))
  log(
    `  ${stage.padEnd(26)} ${(ms / profiled).toFixed(1).padStart(7)} ms  ${((100 * ms) / profiled / perCell).toFixed(0).padStart(3)} %`,
  );

// 2. The sweep as `nasprobe score` runs it, on one thread with all cores and on workers.
log();
log("sweep (nasprobe score)            s/cell   15,625 cells   GFLOP/s   of peak");
const sweeps: Array<{ label: string; seconds: number }> = [];
for (const workers of [1, cores]) {
  const records: Record<string, unknown>[] = [];
  const start = performance.now();
  await scoreArchitectures(
    {
      spaceName: "nb201",
      space,
      spaceSource: "nb201",
      metrics: ["naswot"],
      select: { archs: archStrs },
      seed: 0,
      data: dataSpec,
      dataSeed: 0,
      overrides: {},
      workers,
      runtime: { threads: workers === 1 ? cores : Math.max(1, Math.floor(cores / workers)) },
    },
    { records: () => records, append: (r) => void records.push(r) },
  );
  const seconds = (performance.now() - start) / 1000;
  const label = workers === 1 ? `1 session × ${cores} threads` : `${workers} workers × 1 thread`;
  sweeps.push({ label, seconds });
  log(
    `  ${label.padEnd(30)} ${(seconds / count).toFixed(3).padStart(6)}   ${(((seconds / count) * FULL) / 60).toFixed(0).padStart(8)} min   ${(gflop / seconds).toFixed(0).padStart(7)}   ${((100 * gflop) / seconds / peak).toFixed(0).padStart(5)} %`,
  );
}
const best = Math.min(...sweeps.map((s) => s.seconds));
log(`  target: all 15,625 cells in ≤ 30 min (≤ ${((30 * 60) / FULL).toFixed(3)} s/cell)`);

// 3. PyTorch CPU, the same cells in one process (model build + NASWOT per cell, as a user's loop).
const python = process.argv.includes("--skip-torch") ? undefined : pythonWithTorch();
if (python) {
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-sweep-"));
  try {
    const torchCells = archStrs.slice(0, Number(arg("--torch-cells") ?? 10));
    const torchGflop = torchCells.reduce(
      (sum, a) => sum + (2 * flops(space.build(space.parse(a), space.defaultBuild)) * BATCH) / 1e9,
      0,
    );
    writeFileSync(join(dir, "archs.txt"), `${torchCells.join("\n")}\n`);
    const r = spawnSync(
      python,
      [
        resolve(here, "torch_metrics.py"),
        "--archs-file",
        join(dir, "archs.txt"),
        "--metric",
        "naswot",
        "--net",
        "nb201",
        "--data",
        resolve(cifar, "data_batch_1.bin"),
        "--threads",
        String(cores),
      ],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
    if (r.status !== 0) log(`PyTorch: failed (${r.stderr.trim().split("\n").pop()})`);
    else {
      const lines = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { seconds: number[] });
      const torch = lines.reduce((s, l) => s + l.seconds[0]!, 0);
      const n = torchCells.length;
      log(
        `  PyTorch CPU, ${cores} threads, ${n} cells ${(torch / n).toFixed(3).padStart(6)}   ${(((torch / n) * FULL) / 60).toFixed(0).padStart(8)} min   ${(torchGflop / torch).toFixed(0).padStart(7)}   ${((100 * torchGflop) / torch / peak).toFixed(0).padStart(5)} %`,
      );
      const blas = spawnSync(
        python,
        ["-c", "import torch, re; print(re.search(r'BLAS_INFO=(\\w+)', torch.__config__.show()).group(1))"],
        { encoding: "utf8" },
      ).stdout.trim();
      log(
        `  ours (best) vs PyTorch, per cell: ${(torch / n / (best / count)).toFixed(1)}× faster (PyTorch BLAS: ${blas || "?"}; the`,
      );
      log("  reference's forward + backward + forward, kernel products as float matmuls)");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else log("PyTorch: not found (Debian's python3-torch), or --skip-torch");
