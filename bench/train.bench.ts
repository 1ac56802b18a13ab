// `npm run bench:train`: training-step throughput (forward + backward + update, augmentation
// included) of nasprobe's trainer against PyTorch CPU (bench/torch_train.py, Debian's python3-torch)
// on the same network, batch, threads and data, in one run; and a 1-epoch train of a typical NB201
// cell on the 4,000-image CIFAR-10 subset with the fraction of ORT's practical peak it reaches.
// Prints figures and ratios; asserts nothing.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { flops } from "../src/ir/cost.js";
import { initWeights } from "../src/ir/init.js";
import { getSpace } from "../src/spaces/index.js";
import { resolveTrainConfig } from "../src/train/config.js";
import { freshState, getOptimizer } from "../src/train/optimizers/index.js";
import { loadTrainData } from "../src/train/run.js";
import { trainNetwork } from "../src/train/trainer.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { peakGflops } from "./peak.js";

const here = dirname(fileURLToPath(import.meta.url));
const threads = Number(process.env.THREADS ?? 2);
const STEPS = Number(process.env.STEPS ?? 8);
const WARMUP = 2;
const NB201 =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const nb101Record = JSON.parse(readFileSync(sharedDataPath("nb101/nb101_30.json")!, "utf8"))[0] as {
  matrix: number[][];
  ops: string[];
};
const NB101 = JSON.stringify({ matrix: nb101Record.matrix, ops: nb101Record.ops });
const cifar = sharedDataPath("cifar10-subset");
if (!cifar) throw new Error("needs ../shared/data/cifar10-subset");
const data = loadTrainData({ spec: `cifar10:${cifar}`, seed: 0 });
const log = (line = "") => process.stdout.write(`${line}\n`);

function pythonWithTorch(): string | undefined {
  for (const python of [process.env.PYTHON, "/usr/bin/python3", "python3"])
    if (python && spawnSync(python, ["-c", "import torch"]).status === 0) return python;
  return undefined;
}
const python = process.argv.includes("--skip-torch") ? undefined : pythonWithTorch();

interface Rate {
  /** Images per second (wall clock). */
  readonly wall: number;
  /** Milliseconds of process CPU time per step (all threads): robust to other load at one thread. */
  readonly cpuStepMs: number;
}

function torchRate(
  space: string,
  arch: string,
  batch: number,
  steps: number,
  threads: number,
): Rate | undefined {
  if (!python) return undefined;
  const r = spawnSync(
    python,
    [
      resolve(here, "torch_train.py"),
      ...["--space", space, "--arch", arch, "--batch", String(batch), "--threads", String(threads)],
      ...["--steps", String(steps), "--warmup", String(WARMUP)],
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) {
    log(`  (PyTorch failed: ${r.stderr.trim().split("\n").at(-1)})`);
    return undefined;
  }
  const line = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
    images_per_second: number;
    cpu_step_ms: number;
  };
  return { wall: line.images_per_second, cpuStepMs: line.cpu_step_ms };
}

/** Images/s of the trainer's steps after WARMUP, timed between consecutive steps. */
async function ourRate(
  spaceName: string,
  arch: string,
  batch: number,
  steps: number,
  threads: number,
): Promise<Rate> {
  const space = getSpace(spaceName);
  const graph = space.build(space.parse(arch), space.defaultBuild);
  const config = resolveTrainConfig({
    run: { epochs: 1, batchSize: batch, labelSmoothing: 0.1 },
    optimizer: "sgd",
  });
  const train = { ...data.train, count: batch * (WARMUP + steps) };
  const stamps: number[] = [];
  const cpu: number[] = [];
  await trainNetwork(graph, { train, padValue: data.padValue }, config, {
    runtime: { threads },
    onStep: () => {
      stamps.push(performance.now());
      const c = process.cpuUsage();
      cpu.push((c.user + c.system) / 1000);
    },
  });
  const seconds = (stamps.at(-1)! - stamps[WARMUP - 1]!) / 1000;
  return { wall: (batch * steps) / seconds, cpuStepMs: (cpu.at(-1)! - cpu[WARMUP - 1]!) / steps };
}

log(
  `nasprobe training benchmark — ${threads} threads, CIFAR-10 subset, SGD (Nesterov, wd 5e-4), label smoothing 0.1, crop+flip`,
);
log(
  `PyTorch: ${python ? spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" }).stdout.trim() : "not found"}`,
);
log();
const CASES = [
  ["nb201", NB201, STEPS],
  ["nb101", NB101, Math.max(2, Math.round(STEPS / 4))],
] as const;
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : "n/a");
log(`${threads} threads, wall clock`);
log("network   batch   ours img/s   PyTorch img/s   speed-up   target");
for (const [space, arch, steps] of CASES)
  for (const batch of [64, 128]) {
    const ours = await ourRate(space, arch, batch, steps, threads);
    const theirs = torchRate(space, arch, batch, steps, threads);
    log(
      `${space.padEnd(9)} ${String(batch).padStart(5)} ${ours.wall.toFixed(1).padStart(12)} ${(theirs?.wall.toFixed(1) ?? "n/a").padStart(15)} ${ratio(ours.wall, theirs?.wall).padStart(10)}   ≥ 1.5×`,
    );
  }
// One thread each, process CPU time per step: what the work costs, whatever else runs on the machine.
log();
log("1 thread, CPU time per step (robust to other load)");
log("network   batch   ours ms/step   PyTorch ms/step   speed-up");
for (const [space, arch, steps] of CASES)
  for (const batch of [64]) {
    const ours = await ourRate(space, arch, batch, steps, 1);
    const theirs = torchRate(space, arch, batch, steps, 1);
    log(
      `${space.padEnd(9)} ${String(batch).padStart(5)} ${ours.cpuStepMs.toFixed(0).padStart(14)} ${(theirs?.cpuStepMs.toFixed(0) ?? "n/a").padStart(17)} ${ratio(theirs?.cpuStepMs ?? 0, ours.cpuStepMs).padStart(10)}`,
    );
  }
log();

// The optimizer's update alone (JavaScript, in place) on the NB201 cell's weights, against a step.
{
  const space = getSpace("nb201");
  const graph = space.build(space.parse(NB201), space.defaultBuild);
  const params = initWeights(graph, "kaiming_normal", 0);
  const grads = new Map([...params].map(([k, v]) => [k, v.map((x) => x * 1e-3)]));
  const count = [...params.values()].reduce((n, v) => n + v.length, 0);
  for (const name of ["sgd", "adamw"]) {
    const optimizer = getOptimizer(name);
    const options = resolveTrainConfig({ optimizer: name }).optimizer.options;
    const state = freshState();
    optimizer.step(params, grads, 0.01, state, options); // allocates the slots
    const reps = 20;
    const start = performance.now();
    for (let r = 0; r < reps; r++) optimizer.step(params, grads, 0.01, state, options);
    const ms = (performance.now() - start) / reps;
    log(`${name} update of ${count.toLocaleString("en")} parameters: ${ms.toFixed(2)} ms per step`);
  }
}

// One epoch over the 4,000 training images, typical NB201 cell, batch 64, no validation.
{
  const space = getSpace("nb201");
  const graph = space.build(space.parse(NB201), space.defaultBuild);
  const config = resolveTrainConfig({ run: { epochs: 1, batchSize: 64 } });
  const start = performance.now();
  const r = await trainNetwork(graph, { train: data.train, padValue: data.padValue }, config, {
    runtime: { threads },
  });
  const seconds = (performance.now() - start) / 1000;
  // Training ≈ 3 × the forward's multiply-accumulates; GFLOP/s count 2 per multiply-accumulate.
  const gflops = (3 * 2 * flops(graph) * data.train.count) / seconds / 1e9;
  log();
  log(
    `1 epoch, typical NB201 cell, ${data.train.count} images, batch 64: ${seconds.toFixed(1)} s (session creation included), ${gflops.toFixed(1)} GFLOP/s, train loss ${r.records[0]!.train_loss.toFixed(3)}`,
  );
  const peak = await peakGflops(64, threads);
  log(
    `practical ORT peak (16×conv3×3, baked weights, batch 64): ${peak.toFixed(1)} GFLOP/s → the epoch reaches ${((100 * gflops) / peak).toFixed(0)}%`,
  );
}
