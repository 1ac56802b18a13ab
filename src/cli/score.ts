// `nasprobe score`: score architectures with training-free metrics into a JSON-lines file. Every
// metric, NNGP included, goes through the Metric contract: `--set metric.option=value` and NNGP's
// own flags become option overrides, checked before any work.
import { lstatSync, statSync } from "node:fs";
import type { Command } from "commander";
import { DEFAULT_DATASET } from "../data/index.js";
import { INIT_SCHEMES } from "../ir/init.js";
import { getMetric, METRIC_NAMES } from "../metrics/index.js";
import type { MetricValueInfo } from "../metrics/metric.js";
import { NNGP_DEFAULTS, NNGP_PRESETS, type NngpOptions, nngp } from "../metrics/nngp.js";
import { resolveOptions } from "../metrics/options.js";
import {
  type ArchScore,
  type MetricOverrides,
  metricScorer,
  recordedSettings,
  recordGroups,
  resolveMetrics,
  type Scorer,
} from "../metrics/scorer.js";
import { SCORES_FILE } from "../reports/scores.js";
import { loadSpace } from "../spaces/index.js";
import type { SearchSpace } from "../spaces/space.js";
import { JsonlWriter, readJsonlContents } from "../store/jsonl.js";
import { checkOutputPath, isSqliteFile, sameFile } from "../util/atomicWrite.js";
import { Rng } from "../util/random.js";
import { VERSION } from "../version.js";
import {
  DeferredNotes,
  nonNegativeInt,
  parseSetOptions,
  positiveInt,
  refuseRepeatedOptions,
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
  set: string[];
  batchSize?: number;
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
      "--batch-size <n>",
      `nngp: images per ONNX Runtime call (default ${NNGP_DEFAULTS.batchSize})`,
      positiveInt("--batch-size"),
    )
    .action(async (o: ScoreOptions) => {
      await runScore(o);
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

async function runScore(o: ScoreOptions): Promise<void> {
  const names = o.metric
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
  if (names.length === 0) throw new Error("--metric is empty");
  if (new Set(names).size !== names.length) throw new Error(`--metric repeats a metric: ${o.metric}`);
  // Notes wait until every check has passed: a refused command prints its one error line only.
  const notes = new DeferredNotes();
  const overrides = metricOverrides(o, names, notes);
  resolveMetrics(names, overrides); // every name, key and value checked before any work
  checkOut(o, notes);
  const space = await loadSpace(o.space);
  const archStrs = chooseArchitectures(o, space, notes);
  notes.flush();
  for (const group of recordGroups(names)) await runGroup(o, space, archStrs, group, overrides);
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

function chooseArchitectures(o: ScoreOptions, space: SearchSpace<unknown>, notes: DeferredNotes): string[] {
  const chosen = [o.arch !== undefined, o.sample !== undefined, o.all === true].filter(Boolean).length;
  if (chosen !== 1) throw new Error("score needs exactly one of --arch, --sample or --all");
  if (o.arch) {
    const given = o.arch.map((s) => space.format(space.parse(s)));
    const unique = [...new Set(given)];
    if (unique.length < given.length)
      notes.note(
        `--arch: ${given.length - unique.length} repeated architecture${given.length - unique.length === 1 ? "" : "s"} (same canonical form) scored once`,
      );
    return unique;
  }
  if (!space.enumerate) {
    if (o.all) throw new Error(`space ${space.name} is too large or unbounded to list; use --sample`);
    return distinctSamples(space, o.sample!, new Rng(o.seed, "sample-archs"));
  }
  // A seeded shuffle of the whole list: the same cells for the same seed as every earlier release.
  const all = [...space.enumerate()].map((a) => space.format(a));
  if (o.sample !== undefined && o.sample > all.length)
    throw new Error(`--sample ${o.sample} exceeds the space's ${all.length}`);
  return o.all ? all : new Rng(o.seed, "sample-archs").shuffle(all).slice(0, o.sample);
}

/** `count` distinct seeded draws of an unbounded space (fails when the space runs out of new ones). */
function distinctSamples(space: SearchSpace<unknown>, count: number, rng: Rng): string[] {
  const seen = new Set<string>();
  for (let tries = 0; seen.size < count; tries++) {
    if (tries > 100 * count)
      throw new Error(`space ${space.name}: fewer than ${count} distinct architectures drawn`);
    seen.add(space.format(space.sample(rng)));
  }
  return [...seen];
}

const recordKey = (arch: string, seed: number, settings: object) =>
  `${arch}|${seed}|${JSON.stringify(settings)}`;

/** Whether a record is of this run's metric group, seed and settings. */
const recordKeyOf =
  (metric: string, seed: number, settings: object) =>
  (r: Record<string, unknown>): boolean =>
    r.metric === metric && r.seed === seed && JSON.stringify(r.settings) === JSON.stringify(settings);

/** The architectures not yet in `out` for this metric and settings (a resumed run skips the rest). */
function remaining(o: ScoreOptions, archStrs: string[], metric: string, settings: object): string[] {
  const done = new Set(
    readResults(o.out)
      .filter((r) => r.metric === metric)
      .map((r) => recordKey(r.arch_str as string, r.seed as number, r.settings as object)),
  );
  const todo = archStrs.filter((a) => !done.has(recordKey(a, o.seed, settings)));
  if (todo.length < archStrs.length) {
    process.stderr.write(
      `${archStrs.length - todo.length} of ${archStrs.length} already in ${o.out}; skipping them\n`,
    );
  }
  if (todo.length === 0) new JsonlWriter(o.out, SCORES_FILE).close(); // still repair the end of a crashed run
  return todo;
}

/**
 * Scores `todo` into `out`, one JSON line per architecture (`record` shapes it); a failure on one
 * architecture is recorded with its reason and the sweep goes on.
 */
async function sweep(
  o: ScoreOptions,
  scorer: Scorer,
  todo: string[],
  label: string,
  record: (archStr: string, r: ArchScore) => Record<string, unknown>,
  note: (r: ArchScore) => string,
): Promise<void> {
  const writer = new JsonlWriter(o.out, SCORES_FILE);
  const bar = progress(todo.length, label);
  try {
    for (const archStr of todo) {
      const r = await scorer.score(archStr);
      writer.append(record(archStr, r));
      for (const [m, why] of Object.entries(r.reasons))
        process.stderr.write(`nasprobe: warning: ${archStr}: ${m}: ${why}\n`);
      bar.tick(`${archStr.slice(0, 40)}… ${note(r)}`);
    }
  } finally {
    bar.stop();
    writer.close();
  }
}

const runtimeOf = (o: ScoreOptions) => (o.threads ? { threads: o.threads } : {});

/**
 * One group of metrics (see recordGroups), sharing one Memo per architecture; one JSON line per
 * architecture labelled with the group.
 */
async function runGroup(
  o: ScoreOptions,
  space: SearchSpace<unknown>,
  archStrs: string[],
  group: { label: string; metrics: string[] },
  allOverrides: MetricOverrides,
): Promise<void> {
  const names = group.metrics;
  const overrides = Object.fromEntries(
    names.filter((n) => allOverrides[n]).map((n) => [n, allOverrides[n]!]),
  );
  const first = getMetric(names[0]!).values[0]!;
  const settings = recordedSettings(
    { data: o.data, dataSeed: o.dataSeed, overrides },
    resolveMetrics(names, overrides),
  );
  const todo = remaining(o, archStrs, group.label, settings);
  if (todo.length > 0) {
    const scorer = metricScorer({
      space,
      data: o.data,
      dataSeed: o.dataSeed,
      seed: o.seed,
      runtime: runtimeOf(o),
      metrics: names,
      overrides,
    });
    await sweep(
      o,
      scorer,
      todo,
      names.join(","),
      (archStr, r) => ({
        arch_str: archStr,
        space: o.space,
        metric: group.label,
        seed: o.seed,
        settings,
        version: VERSION,
        ...r.values,
        ...(Object.keys(r.reasons).length > 0 ? { reasons: r.reasons } : {}),
        seconds: r.seconds,
      }),
      (r) => `${first.name} ${r.values[first.name] ?? "NaN"}`,
    );
  }
  printTop(o, archStrs, recordKeyOf(group.label, o.seed, settings), first);
}

/** The five best requested architectures in `out` by one value, in its own sign convention. */
function printTop(
  o: ScoreOptions,
  archStrs: string[],
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
