// `nasprobe score`: score architectures with a training-free metric into a JSON-lines file.
import type { Command } from "commander";
import { DEFAULT_DATASET, loadDataset } from "../data/index.js";
import { INIT_SCHEMES, type InitScheme } from "../ir/init.js";
import { NNGP_DEFAULTS, NNGP_PRESETS, type NngpBatchNorm, nngpScore, nngpSplit } from "../metrics/nngp.js";
import { getSpace } from "../spaces/index.js";
import { JsonlWriter, readJsonl } from "../store/jsonl.js";
import { Rng } from "../util/random.js";
import { VERSION } from "../version.js";
import { nonNegativeInt, positiveInt } from "./options.js";
import { progress } from "./progress.js";

interface ScoreOptions {
  space: string;
  metric: string;
  arch?: string[];
  sample?: number;
  all?: boolean;
  seed: number;
  data: string;
  dataSeed: number;
  out: string;
  preset: keyof typeof NNGP_PRESETS;
  nTrain?: number;
  nVal?: number;
  ensemble?: number;
  bn: NngpBatchNorm;
  init: InitScheme;
  threads?: number;
  batchSize: number;
}

export function registerScore(program: Command): void {
  program
    .command("score")
    .description("score architectures at initialisation; one JSON line per architecture, resumable")
    .option("--space <name>", "search space", "nb201")
    .option("--metric <name>", "metric (nngp)", "nngp")
    .option("--arch <string...>", "architecture string(s)")
    .option(
      "--sample <n>",
      "score n distinct architectures drawn uniformly with --seed",
      positiveInt("--sample"),
    )
    .option("--all", "score every architecture of the space")
    .option("--seed <n>", "seed for sampling and for the random weights", nonNegativeInt("--seed"), 0)
    .option(
      "--data <spec>",
      "dataset: fashion-mnist | fashion-mnist:DIR | cifar10:DIR | DIR",
      DEFAULT_DATASET,
    )
    .option(
      "--data-seed <n>",
      "seed of the data shuffle (the reference uses 0)",
      nonNegativeInt("--data-seed"),
      0,
    )
    .requiredOption(
      "--out <file.jsonl>",
      "results file; appended to, and architectures already in it are skipped",
    )
    .option("--preset <name>", `settings preset: ${Object.keys(NNGP_PRESETS).join(" | ")}`, "default")
    .option("--n-train <n>", "labelled images the kernel regression fits", positiveInt("--n-train"))
    .option("--n-val <n>", "validation images", positiveInt("--n-val"))
    .option("--ensemble <n>", "random networks averaged into the kernel", positiveInt("--ensemble"))
    .option(
      "--bn <mode>",
      "batch norm: reference (one moving-stat update, then inference) | train",
      "reference",
    )
    .option("--init <scheme>", `weight init: ${INIT_SCHEMES.join(" | ")}`, NNGP_DEFAULTS.init)
    .option("--threads <n>", "ONNX Runtime intra-op threads (default: all cores)", positiveInt("--threads"))
    .option(
      "--batch-size <n>",
      "images per ONNX Runtime call",
      positiveInt("--batch-size"),
      NNGP_DEFAULTS.batchSize,
    )
    .action(async (o: ScoreOptions) => {
      await runScore(o);
    });
}

async function runScore(o: ScoreOptions): Promise<void> {
  if (o.metric !== "nngp") throw new Error(`unknown metric "${o.metric}" (available: nngp)`);
  const preset = NNGP_PRESETS[o.preset];
  if (!preset)
    throw new Error(`unknown preset "${o.preset}" (known: ${Object.keys(NNGP_PRESETS).join(", ")})`);
  if (!INIT_SCHEMES.includes(o.init))
    throw new Error(`unknown --init "${o.init}" (known: ${INIT_SCHEMES.join(", ")})`);
  if (o.bn !== "reference" && o.bn !== "train")
    throw new Error(`--bn must be reference or train, got "${o.bn}"`);
  if (o.preset === "fast") {
    process.stderr.write(
      "nasprobe: note: --preset fast showed no ranking signal on NAS-Bench-201 (Spearman -0.14 over 500 cells, docs/nngp-nb201.md); use it for smoke tests\n",
    );
  }
  const space = getSpace(o.space);
  const chosen = [o.arch !== undefined, o.sample !== undefined, o.all === true].filter(Boolean).length;
  if (chosen !== 1) throw new Error("score needs exactly one of --arch, --sample or --all");

  let archStrs: string[];
  if (o.arch) archStrs = o.arch.map((s) => space.format(space.parse(s)));
  else {
    const all = [...space.enumerate!()].map((a) => space.format(a));
    archStrs = o.all ? all : new Rng(o.seed, "sample-archs").shuffle(all).slice(0, o.sample);
    if (o.sample !== undefined && o.sample > all.length)
      throw new Error(`--sample ${o.sample} exceeds the space's ${all.length}`);
  }

  const nTrain = o.nTrain ?? preset.nTrain;
  const nVal = o.nVal ?? preset.nVal;
  const ensemble = o.ensemble ?? preset.ensemble;
  const settings = {
    data: o.data,
    data_seed: o.dataSeed,
    n_train: nTrain,
    n_val: nVal,
    ensemble,
    bn: o.bn,
    bn_update_batch: preset.bnUpdateBatch,
    init: o.init,
  };
  const key = (arch: string, seed: number, s: object) => `${arch}|${seed}|${JSON.stringify(s)}`;
  const done = new Set(
    readJsonl<{ arch_str: string; seed: number; settings: object; metric: string }>(o.out)
      .filter((r) => r.metric === o.metric)
      .map((r) => key(r.arch_str, r.seed, r.settings)),
  );
  const todo = archStrs.filter((a) => !done.has(key(a, o.seed, settings)));
  if (todo.length < archStrs.length) {
    process.stderr.write(
      `${archStrs.length - todo.length} of ${archStrs.length} already in ${o.out}; skipping them\n`,
    );
  }
  if (todo.length === 0) {
    new JsonlWriter(o.out).close(); // still cut off a torn last line from a crashed run
    return;
  }

  const dataset = loadDataset(o.data, { seed: o.dataSeed, trainCount: nTrain + nVal });
  const { train, val } = nngpSplit(dataset.train, nTrain, nVal);
  const inputShape = [train.channels, train.height, train.width];
  const writer = new JsonlWriter(o.out);
  const bar = progress(todo.length, "nngp");
  try {
    for (const archStr of todo) {
      const graph = space.build(space.parse(archStr), { inputShape, numClasses: train.numClasses });
      const start = performance.now();
      const base = {
        arch_str: archStr,
        space: o.space,
        metric: "nngp",
        seed: o.seed,
        settings,
        version: VERSION,
      };
      try {
        const r = await nngpScore(
          graph,
          { train, val },
          {
            ensemble,
            batchNorm: o.bn,
            init: o.init,
            seed: o.seed,
            batchSize: o.batchSize,
            bnUpdateBatch: preset.bnUpdateBatch,
          },
          o.threads ? { threads: o.threads } : {},
        );
        writer.append({
          ...base,
          score: r.score,
          held_out_score: r.heldOutScore,
          best_epsilon: r.bestEpsilon,
          failed_epsilons: r.failedEpsilons,
          seconds: { total: (performance.now() - start) / 1000, ...r.timings },
        });
        bar.tick(`${archStr.slice(0, 40)}… ${r.score.toFixed(3)}`);
      } catch (error) {
        // One architecture that cannot be scored must not end a sweep: record why and go on.
        const message = error instanceof Error ? error.message : String(error);
        writer.append({ ...base, score: null, held_out_score: null, error: message });
        process.stderr.write(`nasprobe: warning: ${archStr}: ${message}\n`);
        bar.tick(`${archStr.slice(0, 40)}… failed`);
      }
    }
  } finally {
    bar.stop();
    writer.close();
  }
  const requested = new Set(archStrs);
  const scored = readJsonl<{
    arch_str: string;
    score: number | null;
    held_out_score: number;
    metric: string;
  }>(o.out)
    .filter(
      (r): r is typeof r & { score: number } =>
        r.metric === "nngp" && r.score !== null && requested.has(r.arch_str),
    )
    .sort((a, b) => b.score - a.score);
  process.stdout.write(`top architectures by NNGP validation accuracy (${o.out}):\n`);
  for (const r of scored.slice(0, 5)) {
    process.stdout.write(
      `  ${r.score.toFixed(3)}  (held-out ε ${r.held_out_score.toFixed(3)})  ${r.arch_str}\n`,
    );
  }
}
