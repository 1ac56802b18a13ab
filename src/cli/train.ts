// `nasprobe train`: trains one architecture, prints progress, and keeps `--out` (one JSON line per
// epoch, then a final line) and a checkpoint current after every epoch, both written atomically,
// so a killed run resumes where it stopped.
import { renameSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { DEFAULT_DATASET } from "../data/index.js";
import { loadSpace } from "../spaces/index.js";
import type { SearchSpace } from "../spaces/space.js";
import { resolveTrainConfig, type TrainConfig } from "../train/config.js";
import { OPTIMIZERS } from "../train/optimizers/index.js";
import {
  type DataSpec,
  exportTrained,
  type LoadedTrainData,
  loadTrainData,
  trainArchitecture,
} from "../train/run.js";
import { acquireRunLock } from "../train/runLock.js";
import type { EpochRecord } from "../train/trainer.js";
import { nonNegativeInt, positiveInt, threadCount } from "./options.js";
import { progress } from "./progress.js";

interface TrainFlags {
  space: string;
  arch: string;
  epochs: number;
  budgetSeconds?: number;
  data: string;
  dataSeed: number;
  trainCount?: number;
  valCount?: number;
  out: string;
  checkpoint?: string;
  export?: string;
  batchSize: number;
  optimizer: string;
  lr?: number;
  schedule?: string;
  warmupEpochs?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  augment: boolean;
  seed: number;
  threads?: number;
  set: string[];
}

const number = (flag: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new Error(`${flag} needs a number, got "${value}"`);
  return n;
};

/** `--set part.key=value`, part one of train, schedule, optimizer. */
function parseSets(items: readonly string[]) {
  const parts: Record<"train" | "schedule" | "optimizer", Record<string, unknown>> = {
    train: {},
    schedule: {},
    optimizer: {},
  };
  for (const item of items) {
    const m = /^(train|schedule|optimizer)\.([A-Za-z]+)=(.+)$/.exec(item);
    if (!m) throw new Error(`--set expects train|schedule|optimizer.key=value, got "${item}"`);
    const raw = m[3]!;
    const value =
      raw === "true" ? true : raw === "false" ? false : Number.isFinite(Number(raw)) ? Number(raw) : raw;
    parts[m[1] as "train"][m[2]!] = value;
  }
  return parts;
}

function writeAtomically(file: string, text: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train one architecture (SGD/AdamW on the ONNX backward); one JSON line per epoch")
    .option("--space <name|file>", "search space (see `nasprobe spaces`) or a space file", "nb201")
    .requiredOption("--arch <string>", "architecture string")
    .requiredOption("--epochs <n>", "epochs", positiveInt("--epochs"))
    .option(
      "--budget-seconds <t>",
      "stop at the last epoch boundary within this many seconds",
      number("--budget-seconds"),
    )
    .option(
      "--data <spec>",
      "dataset: fashion-mnist | fashion-mnist:DIR | cifar10:DIR | DIR",
      DEFAULT_DATASET,
    )
    .option("--data-seed <n>", "seed of the data sample and order", nonNegativeInt("--data-seed"), 0)
    .option("--train-count <n>", "training images (default all)", positiveInt("--train-count"))
    .option(
      "--val-count <n>",
      "validation images from the test split (default all)",
      positiveInt("--val-count"),
    )
    .requiredOption("--out <run.jsonl>", "one JSON line per epoch, then a final line")
    .option("--checkpoint <file>", "checkpoint to resume from and keep current (default: OUT.ckpt)")
    .option("--export <model.onnx>", "write the trained model (inference-mode BN) as ONNX")
    .option("--batch-size <n>", "mini-batch size", positiveInt("--batch-size"), 64)
    .option("--optimizer <name>", `optimizer: ${[...OPTIMIZERS.keys()].join(" | ")}`, "sgd")
    .option("--lr <x>", "peak learning rate (default 0.1)", number("--lr"))
    .option("--schedule <kind>", "learning-rate schedule: cosine | step | constant (default cosine)")
    .option("--warmup-epochs <x>", "linear warm-up epochs (default 0)", number("--warmup-epochs"))
    .option(
      "--weight-decay <x>",
      "weight decay (SGD: L2, default 5e-4; AdamW: decoupled, default 0.01)",
      number("--weight-decay"),
    )
    .option("--label-smoothing <x>", "label smoothing in [0, 1) (default 0)", number("--label-smoothing"))
    .option("--no-augment", "no random crop and flip")
    .option("--seed <n>", "seed of the weights, data order and augmentation", nonNegativeInt("--seed"), 0)
    .option("--threads <n>", "ONNX Runtime threads (default: all cores)", threadCount("--threads"))
    .option(
      "--set <part.key=value>",
      "further settings: train.*, schedule.*, optimizer.*",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .action(async (o: TrainFlags) => {
      const sets = parseSets(o.set);
      const config = resolveTrainConfig({
        run: {
          epochs: o.epochs,
          batchSize: o.batchSize,
          seed: o.seed,
          ...(o.labelSmoothing !== undefined ? { labelSmoothing: o.labelSmoothing } : {}),
          ...(o.augment ? {} : { cropPadding: 0, flip: false }),
          ...sets.train,
        },
        schedule: {
          ...(o.lr !== undefined ? { lr: o.lr } : {}),
          ...(o.schedule !== undefined ? { kind: o.schedule } : {}),
          ...(o.warmupEpochs !== undefined ? { warmupEpochs: o.warmupEpochs } : {}),
          ...sets.schedule,
        },
        optimizer: o.optimizer,
        optimizerOptions: {
          ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
          ...sets.optimizer,
        },
      });
      if (o.budgetSeconds !== undefined && !(o.budgetSeconds > 0))
        throw new Error(`--budget-seconds needs a number > 0, got ${o.budgetSeconds}`);
      const space = await loadSpace(o.space);
      const arch = space.parse(o.arch);
      const data: DataSpec = {
        spec: o.data,
        seed: o.dataSeed,
        ...(o.trainCount !== undefined ? { trainCount: o.trainCount } : {}),
        ...(o.valCount !== undefined ? { valCount: o.valCount } : {}),
      };
      const loaded = loadTrainData(data);
      const checkpoint = o.checkpoint ?? `${o.out}.ckpt`;
      const release = acquireRunLock(`${checkpoint}.lock`, `checkpoint ${checkpoint}`);
      try {
        await runTraining(o, config, space, arch, data, loaded, checkpoint);
      } finally {
        release();
      }
    });
}

async function runTraining(
  o: TrainFlags,
  config: TrainConfig,
  // biome-ignore lint/suspicious/noExplicitAny: a space of any architecture type.
  space: SearchSpace<any>,
  arch: unknown,
  data: DataSpec,
  loaded: LoadedTrainData,
  checkpoint: string,
): Promise<void> {
  const steps = Math.ceil(loaded.train.count / Math.min(config.run.batchSize, loaded.train.count));
  const bar = progress(config.run.epochs * steps, `train ${space.format(arch)}`);
  const records: EpochRecord[] = [];
  const lines = (extra?: object) =>
    `${[...records.map((r) => JSON.stringify(r)), ...(extra ? [JSON.stringify(extra)] : [])].join("\n")}\n`;
  let started = false;
  const trained = await trainArchitecture(
    {
      space,
      arch,
      data,
      config,
      runtime: o.threads !== undefined ? { threads: o.threads } : {},
      checkpoint,
      ...(o.budgetSeconds !== undefined ? { budgetSeconds: o.budgetSeconds } : {}),
      onStep: (p) => {
        if (!started) {
          started = true;
          for (let i = 0; i < (p.epoch - 1) * steps; i++) bar.tick();
        }
        bar.tick(
          `epoch ${p.epoch}/${config.run.epochs} loss ${p.loss.toFixed(3)} acc ${(100 * p.accuracy).toFixed(1)}%`,
        );
      },
      onEpoch: (r) => {
        records.push(r);
        writeAtomically(o.out, lines());
      },
    },
    loaded,
  );
  bar.stop();
  records.splice(0, records.length, ...trained.records);
  const last = trained.records.at(-1);
  const final = {
    ...(last ?? {
      epoch: 0,
      train_loss: null,
      train_accuracy: null,
      val_accuracy: null,
      val_loss: null,
      seconds: 0,
      images_per_second: null,
      lr: null,
    }),
    final: true,
    stopped: trained.stopped,
    ...(trained.reason ? { reason: trained.reason } : {}),
    total_seconds: trained.seconds,
  };
  writeAtomically(o.out, lines(final));
  if (trained.stopped === "diverged")
    process.stderr.write(`nasprobe: training diverged: ${trained.reason}\n`);
  if (o.export) writeAtomically(o.export, exportTrained(trained));
  const acc = last?.val_accuracy;
  process.stderr.write(
    `${trained.stopped}: ${trained.records.length} epochs, ${trained.seconds.toFixed(1)} s${acc !== null && acc !== undefined ? `, val accuracy ${(100 * acc).toFixed(2)}%` : ""} → ${o.out}\n`,
  );
}
