// `nasprobe score`: score architectures with a training-free metric into a JSON-lines file.
import type { Command } from "commander";
import { DEFAULT_DATASET } from "../data/index.js";
import { INIT_SCHEMES, type InitScheme } from "../ir/init.js";
import { getMetric, METRIC_NAMES } from "../metrics/index.js";
import type { MetricValueInfo } from "../metrics/metric.js";
import { NNGP_DEFAULTS, NNGP_PRESETS, type NngpBatchNorm } from "../metrics/nngp.js";
import { type ArchScore, nngpScorer, type Scorer, zeroCostScorer } from "../metrics/scorer.js";
import { getSpace } from "../spaces/index.js";
import { JsonlWriter, readJsonl } from "../store/jsonl.js";
import { Rng } from "../util/random.js";
import { VERSION } from "../version.js";
import { nonNegativeInt, parseSetOptions, positiveInt } from "./options.js";
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
  set: string[];
  batchSize: number;
}

export function registerScore(program: Command): void {
  program
    .command("score")
    .description("score architectures at initialisation; one JSON line per architecture, resumable")
    .option("--space <name>", "search space", "nb201")
    .option(
      "--metric <names>",
      `comma-separated metrics, computed in one pass per architecture: nngp, ${METRIC_NAMES.join(", ")}`,
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
    .option(
      "--set <metric.option=value...>",
      "override a metric option, e.g. ntk.batchSize=32 (see each metric's defaults)",
      [],
    )
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
  const names = o.metric
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
  if (names.length === 0) throw new Error("--metric is empty");
  const others = names.filter((m) => m !== "nngp");
  for (const m of others) getMetric(m); // fail on a bad name before any work
  const archStrs = chooseArchitectures(o);
  if (names.includes("nngp")) await runNngp(o, archStrs);
  if (others.length > 0) await runMetrics(o, archStrs, others);
}

function chooseArchitectures(o: ScoreOptions): string[] {
  const space = getSpace(o.space);
  const chosen = [o.arch !== undefined, o.sample !== undefined, o.all === true].filter(Boolean).length;
  if (chosen !== 1) throw new Error("score needs exactly one of --arch, --sample or --all");
  if (o.arch) return o.arch.map((s) => space.format(space.parse(s)));
  const all = [...space.enumerate!()].map((a) => space.format(a));
  if (o.sample !== undefined && o.sample > all.length)
    throw new Error(`--sample ${o.sample} exceeds the space's ${all.length}`);
  return o.all ? all : new Rng(o.seed, "sample-archs").shuffle(all).slice(0, o.sample);
}

const recordKey = (arch: string, seed: number, settings: object) =>
  `${arch}|${seed}|${JSON.stringify(settings)}`;

/** The architectures not yet in `out` for this metric and settings (a resumed run skips the rest). */
function remaining(o: ScoreOptions, archStrs: string[], metric: string, settings: object): string[] {
  const done = new Set(
    readJsonl<{ arch_str: string; seed: number; settings: object; metric: string }>(o.out)
      .filter((r) => r.metric === metric)
      .map((r) => recordKey(r.arch_str, r.seed, r.settings)),
  );
  const todo = archStrs.filter((a) => !done.has(recordKey(a, o.seed, settings)));
  if (todo.length < archStrs.length) {
    process.stderr.write(
      `${archStrs.length - todo.length} of ${archStrs.length} already in ${o.out}; skipping them\n`,
    );
  }
  if (todo.length === 0) new JsonlWriter(o.out).close(); // still cut off a torn last line from a crashed run
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
  const writer = new JsonlWriter(o.out);
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

/** Every requested metric but NNGP, sharing one Memo per architecture; one JSON line per architecture. */
async function runMetrics(o: ScoreOptions, archStrs: string[], names: string[]): Promise<void> {
  const metrics = names.map(getMetric);
  const first = metrics[0]!.values[0]!;
  const overrides = parseOverrides(o.set, names);
  const base = { space: getSpace(o.space), data: o.data, dataSeed: o.dataSeed, seed: o.seed };
  const settings = {
    data: o.data,
    data_seed: o.dataSeed,
    metrics: names,
    ...(o.set.length > 0 ? { options: overrides } : {}),
  };
  const todo = remaining(o, archStrs, "zero-cost", settings);
  if (todo.length > 0) {
    const scorer = zeroCostScorer({ ...base, runtime: runtimeOf(o), metrics: names, overrides });
    await sweep(
      o,
      scorer,
      todo,
      names.join(","),
      (archStr, r) => ({
        arch_str: archStr,
        space: o.space,
        metric: "zero-cost",
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
  printTop(o, archStrs, "zero-cost", first);
}

/** The five best requested architectures in `out` by one value, in its own sign convention. */
function printTop(o: ScoreOptions, archStrs: string[], metric: string, value: MetricValueInfo): void {
  const requested = new Set(archStrs);
  const sign = value.higherIsBetter ? 1 : -1;
  const best = readJsonl<Record<string, unknown>>(o.out)
    .filter(
      (r) => r.metric === metric && requested.has(r.arch_str as string) && typeof r[value.name] === "number",
    )
    .sort((a, b) => sign * ((b[value.name] as number) - (a[value.name] as number)))
    .slice(0, 5);
  process.stdout.write(
    `top architectures by ${value.name} (${value.higherIsBetter ? "higher" : "lower"} is better; ${o.out}):\n`,
  );
  for (const r of best)
    process.stdout.write(`  ${(r[value.name] as number).toPrecision(6)}  ${r.arch_str}\n`);
}

/** `--set ntk.batchSize=32` → { ntk: { batchSize: 32 } }, checked against the metric's own defaults. */
function parseOverrides(items: string[], names: string[]): Record<string, Record<string, unknown>> {
  const defaults = Object.fromEntries(
    names.map((n) => [n, getMetric(n).defaults as Record<string, unknown>]),
  );
  return parseSetOptions(
    items,
    defaults,
    (item, owner) => `--set ${item}: metric ${owner} is not in --metric`,
  );
}

async function runNngp(o: ScoreOptions, archStrs: string[]): Promise<void> {
  if (!(o.preset in NNGP_PRESETS))
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
  const scorer = nngpScorer({
    space: getSpace(o.space),
    data: o.data,
    dataSeed: o.dataSeed,
    seed: o.seed,
    runtime: runtimeOf(o),
    preset: o.preset,
    ...(o.nTrain !== undefined ? { nTrain: o.nTrain } : {}),
    ...(o.nVal !== undefined ? { nVal: o.nVal } : {}),
    ...(o.ensemble !== undefined ? { ensemble: o.ensemble } : {}),
    bn: o.bn,
    init: o.init,
    batchSize: o.batchSize,
  });
  const todo = remaining(o, archStrs, "nngp", scorer.settings);
  if (todo.length > 0) {
    await sweep(
      o,
      scorer,
      todo,
      "nngp",
      (archStr, r) => ({
        arch_str: archStr,
        space: o.space,
        metric: "nngp",
        seed: o.seed,
        settings: scorer.settings,
        version: VERSION,
        ...r.values,
        ...(r.reasons.nngp ? { error: r.reasons.nngp } : { seconds: r.seconds }),
      }),
      (r) => (r.values.score === null ? "failed" : (r.values.score as number).toFixed(3)),
    );
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
