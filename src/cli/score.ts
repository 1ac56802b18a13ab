// `nasprobe score`: score architectures with training-free metrics into a JSON-lines file. Every
// metric, NNGP included, goes through the Metric contract: `--set metric.option=value` and NNGP's
// own flags become option overrides, checked before any work.
import { existsSync, lstatSync, statSync } from "node:fs";
import type { Command } from "commander";
import { type LoadedModel, loadModel, readModelFile, scoreModel } from "../app/model.js";
import {
  type ArchSelection,
  chooseArchitectures,
  isRecordOf,
  type ScoreHooks,
  type ScoreRun,
  type ScoreSink,
  scoreArchitectures,
  scoreGroups,
} from "../app/score.js";
import { AGGREGATION_NAMES, aggregateScores, getAggregation } from "../benchmarks/aggregate.js";
import { DEFAULT_DATASET } from "../data/index.js";
import { INIT_SCHEMES } from "../ir/init.js";
import { getMetric, METRIC_NAMES } from "../metrics/index.js";
import type { MetricValueInfo } from "../metrics/metric.js";
import { NNGP_DEFAULTS, NNGP_PRESETS, type NngpOptions, nngp } from "../metrics/nngp.js";
import { resolveOptions } from "../metrics/options.js";
import { SCORES_FILE } from "../reports/scores.js";
import { loadSpace } from "../spaces/index.js";
import { JsonlWriter, readJsonlContents } from "../store/jsonl.js";
import { checkOutputPath, isSqliteFile, sameFile } from "../util/atomicWrite.js";
import {
  DeferredNotes,
  nonNegativeInt,
  parseSetOptions,
  positiveInt,
  refuseRepeatedOptions,
  shape,
  threadCount,
} from "./options.js";
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
  preset?: string;
  nTrain?: number;
  nVal?: number;
  ensemble?: number;
  bn?: string;
  init?: string;
  threads?: number;
  workers?: number;
  set: string[];
  batchSize?: number;
  model?: string;
  inputShape?: number[];
  features?: string;
  keepWeights?: boolean;
  aggregate?: string;
}

/** NNGP's own flags: the option each sets. */
const NNGP_FLAGS = [
  ["nTrain", "--n-train", "nTrain"],
  ["nVal", "--n-val", "nVal"],
  ["ensemble", "--ensemble", "ensemble"],
  ["bn", "--bn", "batchNorm"],
  ["init", "--init", "init"],
  ["batchSize", "--batch-size", "batchSize"],
] as const satisfies ReadonlyArray<readonly [keyof ScoreOptions, string, keyof NngpOptions]>;

export function registerScore(program: Command): void {
  const command = program
    .command("score")
    .description("score architectures at initialisation; one JSON line per architecture, resumable")
    .option("--space <name|file>", "search space (see `nasprobe spaces`) or a space file", "nb201")
    .option(
      "--metric <names>",
      `comma-separated metrics, computed in one pass per architecture: ${METRIC_NAMES.join(", ")}`,
      "nngp",
    )
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
    .option(
      "--preset <name>",
      `nngp settings preset: ${Object.keys(NNGP_PRESETS).join(" | ")} (default: default)`,
    )
    .option(
      "--n-train <n>",
      `nngp: labelled images the kernel regression fits (nngp.nTrain, default ${NNGP_DEFAULTS.nTrain})`,
      positiveInt("--n-train"),
    )
    .option(
      "--n-val <n>",
      `nngp: validation images (nngp.nVal, default ${NNGP_DEFAULTS.nVal})`,
      positiveInt("--n-val"),
    )
    .option(
      "--ensemble <n>",
      `nngp: random networks averaged into the kernel (default ${NNGP_DEFAULTS.ensemble})`,
      positiveInt("--ensemble"),
    )
    .option(
      "--bn <mode>",
      "nngp batch norm: reference (one moving-stat update, then inference) | train (default: reference)",
    )
    .option(
      "--init <scheme>",
      `nngp weight init: ${INIT_SCHEMES.join(" | ")} (default: ${NNGP_DEFAULTS.init})`,
    )
    .option(
      "--set <metric.option=value...>",
      "override a metric option, e.g. ntk.batchSize=32, nngp.epsilons=1e-3,1e-2 (checked against the metric's schema)",
      [],
    )
    .option("--threads <n>", "ONNX Runtime intra-op threads (default: all cores)", threadCount("--threads"))
    .option(
      "--workers <n>",
      "architectures scored side by side on worker threads, each with the cores shared out unless --threads (default 1)",
      threadCount("--workers"),
    )
    .option(
      "--batch-size <n>",
      `nngp: images per ONNX Runtime call (default ${NNGP_DEFAULTS.batchSize})`,
      positiveInt("--batch-size"),
    )
    .option(
      "--model <file.onnx>",
      "score an ONNX model instead of a space's architectures (see docs/onnx-import.md)",
    )
    .option(
      "--input-shape <C,H,W>",
      "--model: the input shape (needed when the model's is dynamic; must be the data's)",
      shape("--input-shape"),
    )
    .option(
      "--features <node>",
      "--model: the feature layer, an ONNX node or tensor name (default: the classifier's input)",
    )
    .option("--keep-weights", "--model: score with the model's own weights instead of each metric's init")
    .option(
      "--aggregate <name>",
      `also rank the architectures by the zero-label rank aggregate of the metrics' values: ${AGGREGATION_NAMES.join(" | ")}`,
    )
    .action(async (o: ScoreOptions) => {
      await runScore(o, command.getOptionValueSource("space") !== "default");
    });
  refuseRepeatedOptions(command);
}

/**
 * The results file's records, read as a scores file: one that is not (its lines are not JSON
 * objects with an arch_str, or it is binary) is refused in one line and never touched.
 */
function readResults(out: string): Record<string, unknown>[] {
  return readJsonlContents<Record<string, unknown>>(out, SCORES_FILE).records;
}

/**
 * `--out` checked before any work: a regular file or a new one in an existing directory, not the
 * space file, and a scores file (its torn last line, if any, reported; it is cut off when appending).
 */
function checkOut(o: ScoreOptions, notes: DeferredNotes): void {
  let link: ReturnType<typeof lstatSync> | undefined;
  try {
    link = lstatSync(o.out);
  } catch {
    link = undefined; // missing, or its directory is: checkOutputPath says which
  }
  if (!link?.isSymbolicLink())
    checkOutputPath(o.out); // names what a non-file is; its directory exists
  else {
    const target = statSync(o.out, { throwIfNoEntry: false });
    if (!target)
      throw new Error(`--out ${o.out}: is a dangling symbolic link; refusing to create its target`);
    if (!target.isFile()) throw new Error(`--out ${o.out}: links to something that is not a regular file`);
    if (isSqliteFile(o.out)) throw new Error(`--out ${o.out}: links to a SQLite database (a study?)`);
  }
  if (sameFile(o.out, o.space))
    throw new Error(`--out ${o.out}: is the --space file; refusing to append to it`);
  readJsonlContents(o.out, {
    ...SCORES_FILE,
    onTorn: (line) =>
      notes.note(`${o.out}: line ${line} is torn (an interrupted run?); it is cut off before appending`),
  });
}

async function runScore(o: ScoreOptions, spaceGiven: boolean): Promise<void> {
  const modelOnly = [
    ["--input-shape", o.inputShape],
    ["--features", o.features],
    ["--keep-weights", o.keepWeights],
  ].filter(([, v]) => v !== undefined);
  if (o.model === undefined && modelOnly.length > 0)
    throw new Error(`${modelOnly.map(([flag]) => flag).join(", ")}: options of --model`);
  if (o.model !== undefined) {
    if (spaceGiven) throw new Error("--model and --space: score a model file or a space, not both");
    if (o.arch !== undefined || o.sample !== undefined || o.all)
      throw new Error("--model scores the model's one network; --arch, --sample and --all go with --space");
    if (o.workers !== undefined) throw new Error("--model scores one network; --workers goes with --space");
  }
  const names = o.metric
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
  if (names.length === 0) throw new Error("--metric is empty");
  if (new Set(names).size !== names.length) throw new Error(`--metric repeats a metric: ${o.metric}`);
  if (o.aggregate !== undefined) {
    getAggregation(o.aggregate);
    if (names.length < 2)
      throw new Error(`--aggregate ${o.aggregate} combines at least two metrics; --metric names one`);
  }
  // Notes wait until every check has passed: a refused command prints its one error line only.
  const notes = new DeferredNotes();
  const overrides = metricOverrides(o, names, notes);
  const common = { metrics: names, overrides, data: o.data, dataSeed: o.dataSeed };
  scoreGroups(common); // every name, key and value checked before any work
  checkOut(o, notes);
  if (o.model !== undefined) {
    if (sameFile(o.out, o.model))
      throw new Error(`--out ${o.out}: is the --model file; refusing to append to it`);
    const model = readModel(o);
    notes.flush();
    await scoreSweep(o, model.file, (sink, hooks) =>
      scoreModel(
        {
          ...common,
          model,
          keepWeights: o.keepWeights === true,
          seed: o.seed,
          ...(o.threads ? { runtime: { threads: o.threads } } : {}),
        },
        sink,
        hooks,
      ),
    );
    return;
  }
  const space = await loadSpace(o.space);
  const select = selection(o);
  const { repeated } = chooseArchitectures(space, select, o.seed);
  if (repeated > 0)
    notes.note(
      `--arch: ${repeated} repeated architecture${repeated === 1 ? "" : "s"} (same canonical form) scored once`,
    );
  notes.flush();
  await scoreSweep(o, undefined, (sink, hooks) =>
    scoreArchitectures(
      {
        ...common,
        spaceName: o.space,
        space,
        spaceSource: o.space,
        select,
        seed: o.seed,
        ...(o.threads ? { runtime: { threads: o.threads } } : {}),
        ...(o.workers ? { workers: o.workers } : {}),
      },
      sink,
      hooks,
    ),
  );
}

/** The --model file imported (its errors name the file), before any work. */
function readModel(o: ScoreOptions): LoadedModel {
  const file = o.model!;
  const bytes = readModelFile(file);
  try {
    return loadModel(file, bytes, {
      ...(o.inputShape ? { inputShape: o.inputShape } : {}),
      ...(o.features !== undefined ? { features: o.features } : {}),
    });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** Runs a sweep into the results file with a progress bar (warnings name the model file, if any), then prints the best of each group. */
async function scoreSweep(
  o: ScoreOptions,
  modelFile: string | undefined,
  sweep: (sink: ScoreSink, hooks: ScoreHooks) => Promise<ScoreRun>,
): Promise<void> {
  const sink = jsonlSink(o.out);
  let bar: ReturnType<typeof progress> | undefined;
  let run: ScoreRun;
  try {
    run = await sweep(sink, {
      onGroup(group, todo, skipped) {
        bar?.stop();
        if (skipped > 0)
          process.stderr.write(`${skipped} of ${todo + skipped} already in ${o.out}; skipping them\n`);
        bar = todo > 0 ? progress(todo, group.metrics.join(",")) : undefined;
      },
      onScored(archStr, r, group) {
        const shown = modelFile ?? archStr;
        for (const [m, why] of Object.entries(r.reasons))
          process.stderr.write(`nasprobe: warning: ${shown}: ${m}: ${why}\n`);
        bar?.tick(`${shown.slice(0, 40)}… ${group.first.name} ${r.values[group.first.name] ?? "NaN"}`);
      },
    });
  } finally {
    bar?.stop();
    sink.close();
  }
  for (const group of run.groups) printTop(o, run.archStrs, isRecordOf(group, o.seed), group.first);
  if (o.aggregate !== undefined)
    printTopAggregate(
      o,
      run.archStrs,
      run.groups.map((g) => isRecordOf(g, o.seed)),
      o.aggregate,
    );
}

/**
 * The five best requested architectures by the rank aggregate of each metric's first value, over
 * this run's architectures (an aggregate is relative to the set ranked, so it is printed, not stored).
 */
function printTopAggregate(
  o: ScoreOptions,
  archStrs: readonly string[],
  isThisRun: ReadonlyArray<(r: Record<string, unknown>) => boolean>,
  method: string,
): void {
  const values = o.metric.split(",").map((m) => getMetric(m.trim()).values[0]!);
  const merged = new Map<string, Record<string, unknown>>(archStrs.map((a) => [a, {}]));
  for (const r of readResults(o.out)) {
    const into = merged.get(r.arch_str as string);
    if (into && isThisRun.some((mine) => mine(r)))
      for (const v of values) if (!(v.name in into) && v.name in r) into[v.name] = r[v.name];
  }
  const archs = [...merged.keys()];
  const column = (name: string) =>
    Float64Array.from(archs, (a) => {
      const v = merged.get(a)![name];
      return typeof v === "number" ? v : Number.NaN;
    });
  const score = aggregateScores(
    method,
    values.map((v) => column(v.name)),
    values.map((v) => v.higherIsBetter),
  );
  const order = archs.map((_, i) => i).sort((a, b) => score[b]! - score[a]!);
  process.stdout.write(
    `top architectures by ${method}(${values.map((v) => v.name).join(", ")}) over these ${archs.length} (higher is better):\n`,
  );
  for (const i of order.slice(0, 5)) process.stdout.write(`  ${score[i]!.toPrecision(6)}  ${archs[i]}\n`);
}

/** --arch, --sample or --all, exactly one. */
function selection(o: ScoreOptions): ArchSelection {
  const chosen = [o.arch !== undefined, o.sample !== undefined, o.all === true].filter(Boolean).length;
  if (chosen !== 1) throw new Error("score needs exactly one of --arch, --sample or --all");
  return o.arch ? { archs: o.arch } : o.sample !== undefined ? { sample: o.sample } : { all: true };
}

/** The results file as a sink: appended to (opened at the first record), its torn end repaired. */
function jsonlSink(out: string): ScoreSink & { close(): void } {
  let writer: JsonlWriter | undefined;
  return {
    records: () => readResults(out),
    append(record) {
      writer ??= new JsonlWriter(out, SCORES_FILE);
      writer.append(record);
    },
    close() {
      // Even with nothing to add, the end of a crashed run is repaired.
      (writer ?? (existsSync(out) ? new JsonlWriter(out, SCORES_FILE) : undefined))?.close();
    },
  };
}

/** `--set` items and NNGP's own flags as option overrides by metric (unknown names fail here). */
function metricOverrides(
  o: ScoreOptions,
  names: string[],
  notes: DeferredNotes,
): Record<string, Record<string, unknown>> {
  for (const name of names) getMetric(name);
  const overrides = parseSetOptions(
    o.set,
    Object.fromEntries(names.map((n) => [n, getMetric(n)])),
    (item, owner) => `--set ${item}: metric ${owner} is not in --metric`,
  );
  const given = NNGP_FLAGS.filter(([field]) => o[field] !== undefined);
  if (o.preset !== undefined || given.length > 0) {
    const flags = [...(o.preset !== undefined ? ["--preset"] : []), ...given.map(([, flag]) => flag)];
    if (!names.includes(nngp.name))
      throw new Error(
        `${flags.join(", ")}: NNGP options, but --metric has no nngp (other metrics take --set)`,
      );
    const preset = o.preset ?? "default";
    if (!(preset in NNGP_PRESETS))
      throw new Error(`unknown preset "${preset}" (known: ${Object.keys(NNGP_PRESETS).join(", ")})`);
    if (preset === "fast") {
      notes.note(
        "--preset fast showed no ranking signal on NAS-Bench-201 (Spearman -0.14 over 500 cells, docs/nngp-nb201.md); use it for smoke tests",
      );
    }
    const fromFlags: Record<string, unknown> = {};
    for (const [field, flag, key] of given) {
      fromFlags[key] = o[field];
      resolveOptions(nngp.name, nngp.options, { [key]: o[field] }, () => `${flag} ${o[field]}`);
    }
    overrides[nngp.name] = {
      ...NNGP_PRESETS[preset as keyof typeof NNGP_PRESETS],
      ...fromFlags,
      ...overrides[nngp.name],
    };
  }
  return overrides;
}

/** The five best requested architectures in `out` by one value, in its own sign convention. */
function printTop(
  o: ScoreOptions,
  archStrs: readonly string[],
  isThisRun: (r: Record<string, unknown>) => boolean,
  value: MetricValueInfo,
): void {
  const requested = new Set(archStrs);
  const sign = value.higherIsBetter ? 1 : -1;
  // This run's records (its seed and settings' lines), one per architecture.
  const byArch = new Map<string, Record<string, unknown>>();
  for (const r of readResults(o.out))
    if (
      isThisRun(r) &&
      requested.has(r.arch_str as string) &&
      typeof r[value.name] === "number" &&
      Number.isFinite(r[value.name]) &&
      !byArch.has(r.arch_str as string)
    )
      byArch.set(r.arch_str as string, r);
  const best = [...byArch.values()]
    .sort((a, b) => sign * ((b[value.name] as number) - (a[value.name] as number)))
    .slice(0, 5);
  process.stdout.write(
    `top architectures by ${value.name} (${value.higherIsBetter ? "higher" : "lower"} is better; ${o.out}):\n`,
  );
  for (const r of best)
    process.stdout.write(`  ${(r[value.name] as number).toPrecision(6)}  ${r.arch_str}\n`);
}
