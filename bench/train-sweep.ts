// Trains many architectures of one space with one setting and appends one JSON line per
// architecture (its whole learning curve). Resumable: architectures already in --out are skipped,
// and a torn last line (a killed run) is dropped. Used for the short-training baselines and the
// learning curves of docs/nngp-vs-training.md and docs/learning-curves.md.
//
//   node --import tsx bench/train-sweep.ts --space nb201:cells=1 --archs docs/results/nb201-nngp-default-500.jsonl \
//     --count 500 --epochs 4 --downsample 2 --train-count 1000 --val-count 500 --threads 1 --out FILE
// --archs takes JSONL with arch_str (a `score` file) or a JSON array of arch strings or objects.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { flops as irFlops } from "../src/ir/cost.js";
import { loadSpace } from "../src/spaces/index.js";
import { resolveTrainConfig } from "../src/train/config.js";
import { loadTrainData, trainArchitecture } from "../src/train/run.js";
import { Rng } from "../src/util/random.js";

const { values: o } = parseArgs({
  options: {
    space: { type: "string", default: "nb201" },
    archs: { type: "string" },
    sample: { type: "string" },
    count: { type: "string", default: "50" },
    skip: { type: "string", default: "0" },
    epochs: { type: "string", default: "4" },
    data: { type: "string", default: "cifar10:../shared/data/cifar10-subset" },
    downsample: { type: "string", default: "1" },
    "train-count": { type: "string", default: "1000" },
    "val-count": { type: "string", default: "500" },
    "batch-size": { type: "string", default: "64" },
    lr: { type: "string", default: "0.1" },
    "crop-padding": { type: "string", default: "4" },
    threads: { type: "string", default: "1" },
    seed: { type: "string", default: "0" },
    out: { type: "string" },
  },
});
if (!o.out) throw new Error("--out is required");
const space = await loadSpace(o.space!);
const count = Number(o.count);
const skip = Number(o.skip);

let archs: string[];
if (o.archs) {
  // A JSON array of arch strings or arch objects (e.g. NB101 {matrix, ops} records), or JSONL with arch_str.
  const text = readFileSync(o.archs, "utf8");
  archs = text.trimStart().startsWith("[")
    ? (JSON.parse(text) as unknown[]).map((a) => (typeof a === "string" ? a : JSON.stringify(a)))
    : text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l).arch_str as string);
} else {
  const rng = new Rng(Number(o.sample ?? 0), "train-sweep");
  archs = Array.from({ length: skip + count }, () => space.format(space.sample(rng)));
}
archs = archs.slice(skip, skip + count);

// Drop a torn last line left by a killed run; collect what is done.
const done = new Set<string>();
if (existsSync(o.out)) {
  const lines = readFileSync(o.out, "utf8").split("\n");
  const whole = lines.filter((l) => {
    try {
      done.add(JSON.parse(l).arch_str);
      return true;
    } catch {
      return false;
    }
  });
  writeFileSync(o.out, whole.map((l) => `${l}\n`).join(""));
}

const data = {
  spec: o.data!,
  seed: Number(o.seed),
  trainCount: Number(o["train-count"]),
  valCount: Number(o["val-count"]),
  downsample: Number(o.downsample),
};
const loaded = loadTrainData(data);
const config = resolveTrainConfig({
  run: {
    epochs: Number(o.epochs),
    batchSize: Number(o["batch-size"]),
    seed: Number(o.seed),
    cropPadding: Number(o["crop-padding"]),
  },
  schedule: { lr: Number(o.lr) },
});
const started = performance.now();
let trained = 0;
for (const archStr of archs) {
  const arch = space.parse(archStr);
  const key = space.format(arch);
  if (done.has(key)) continue;
  const t0 = performance.now();
  const r = await trainArchitecture(
    { space, arch, data, config, runtime: { threads: Number(o.threads) } },
    loaded,
  );
  const forwardFlops = (space.flops ?? irFlops)(r.graph);
  const images = r.records.length * loaded.train.count;
  appendFileSync(
    o.out,
    `${JSON.stringify({
      arch_str: key,
      space: space.name,
      val_accuracy: r.records.map((e) => e.val_accuracy),
      train_accuracy: r.records.map((e) => e.train_accuracy),
      train_loss: r.records.map((e) => e.train_loss),
      seconds: r.records.map((e) => e.seconds),
      stopped: r.stopped,
      ...(r.reason ? { reason: r.reason } : {}),
      forward_flops_per_image: forwardFlops,
      // Training ≈ 3× the forward's multiply-accumulates per image (forward, input and weight gradients).
      train_flops: 3 * forwardFlops * images,
      settings: { ...r.identity.data, ...config.run, schedule: config.schedule, optimizer: config.optimizer },
      total_seconds: (performance.now() - t0) / 1000,
    })}\n`,
  );
  trained++;
  const mean = (performance.now() - started) / 1000 / trained;
  process.stderr.write(
    `${trained + done.size}/${archs.length} ${key} val ${r.records.map((e) => (e.val_accuracy ?? 0).toFixed(3)).join(" ")} (${mean.toFixed(1)} s/arch)\n`,
  );
}
