// `nasprobe search`: run (or resume) a study — an algorithm, an objective, a budget — into one
// SQLite file. Re-running the same command after a crash continues the same study.
import type { Command } from "commander";
import type { BenchmarkTable } from "../benchmarks/table.js";
import { DEFAULT_DATASET, loadDataset } from "../data/index.js";
import { getMetric } from "../metrics/index.js";
import { NTK_DEFAULTS } from "../metrics/ntk.js";
import { metricScorer } from "../metrics/scorer.js";
import { getAlgorithm } from "../search/algorithms/index.js";
import { ranked } from "../search/algorithms/ranked.js";
import { makeObjective, metricsNeeded, type ObjectiveTerm, parseObjectives } from "../search/objective.js";
import type { Optimizer } from "../search/optimizer.js";
import { prefilter } from "../search/prefilter.js";
import { restrictedSpace } from "../search/restrictedSpace.js";
import { runStudy } from "../search/study.js";
import { supernetOf, TENAS_REPEATS, tenasPrune } from "../search/tenas.js";
import { loadSpace } from "../spaces/index.js";
import type { SearchSpace } from "../spaces/space.js";
import { readJsonl } from "../store/jsonl.js";
import { openSqliteStudy } from "../store/sqlite.js";
import type { StudyStore } from "../store/study.js";
import { resolveTrainConfig, type TrainConfig } from "../train/config.js";
import type { DataSpec } from "../train/run.js";
import { shortTrainer } from "../train/shortTraining.js";
import { Rng } from "../util/random.js";
import { VERSION } from "../version.js";
import { nonNegativeInt, parseSetOptions, positiveInt, spaceTable } from "./options.js";
import { progress } from "./progress.js";
import { printStudySummary } from "./study.js";

interface SearchOptions {
  space: string;
  algo: string;
  objective: string;
  table?: string;
  budget?: number;
  costBudget?: number;
  seed: number;
  study: string;
  data: string;
  trainCount?: number;
  valCount?: number;
  dataSeed: number;
  threads?: number;
  set: string[];
  prefilter: string;
  prefilterSample: number;
  prefilterScores?: string;
  keep: number;
  inner: string;
}

function fraction(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new Error(`--keep needs a fraction in (0, 1], got "${value}"`);
  return x;
}

export function registerSearch(program: Command): void {
  program
    .command("search")
    .description("search a space with an algorithm and an objective; the study file resumes after a crash")
    .option("--space <name|file>", "search space (see `nasprobe spaces`) or a space file", "nb201")
    .requiredOption(
      "--algo <name>",
      "re | de | rs | ls | reinforce | pick | nsga2 | prefilter (| tenas, see --help of the docs)",
    )
    .requiredOption(
      "--objective <terms>",
      "nngp | METRIC | table:COLUMN; comma-separated for several (nsga2), e.g. table:c10valid_valid_200,table:flops_c10_M",
    )
    .option(
      "--table <file.csv>",
      "benchmark table for table: objectives (default: the space's, e.g. ../shared/data/nb201/nb201.csv)",
    )
    .option("--budget <n>", "number of queries (trials)", positiveInt("--budget"))
    .option(
      "--cost-budget <epochs>",
      "stop once the summed query cost reaches this (a 200-epoch column costs 200 per query, a 12-epoch one 12)",
      positiveInt("--cost-budget"),
    )
    .option(
      "--seed <n>",
      "seed of the algorithm and of the metrics' random weights",
      nonNegativeInt("--seed"),
      0,
    )
    .requiredOption("--study <file>", "study file (SQLite); created, or resumed when it exists")
    .option("--data <spec>", "dataset for nngp, metric and train: objectives", DEFAULT_DATASET)
    .option(
      "--train-count <n>",
      "train: objectives: training images (default all)",
      positiveInt("--train-count"),
    )
    .option(
      "--val-count <n>",
      "train: objectives: validation images from the test split (default all)",
      positiveInt("--val-count"),
    )
    .option("--data-seed <n>", "seed of the data order", nonNegativeInt("--data-seed"), 0)
    .option("--threads <n>", "ONNX Runtime intra-op threads (default: all cores)", positiveInt("--threads"))
    .option(
      "--set <name.option=value...>",
      "algorithm or metric option, e.g. re.population=20, ntk.batchSize=32",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--prefilter <value>", "prefilter: the training-free value ranked on (nngp or a metric)", "nngp")
    .option(
      "--prefilter-sample <n>",
      "prefilter: architectures scored",
      positiveInt("--prefilter-sample"),
      1000,
    )
    .option("--prefilter-scores <file.jsonl>", "prefilter: read scores from a `nasprobe score` file instead")
    .option("--keep <fraction>", "prefilter: fraction kept", fraction, 0.1)
    .option(
      "--inner <algo>",
      "prefilter: search inside the kept set with rank (best first, the NNGP-NAS protocol) | rs | re | ls",
      "rank",
    )
    .action(async (o: SearchOptions) => {
      await runSearch(o);
    });
}

function loadTable(
  o: SearchOptions,
  space: SearchSpace<unknown>,
  needed: boolean,
): BenchmarkTable | undefined {
  if (!needed && o.table === undefined) return undefined;
  return spaceTable(space, o.table);
}

/** Scorers for the training-free terms; `overrides` holds `--set` options by metric. */
function scorerFor(
  o: SearchOptions,
  space: SearchSpace<unknown>,
  terms: readonly ObjectiveTerm[],
  overrides: Record<string, Record<string, unknown>>,
) {
  const common = {
    space,
    data: o.data,
    dataSeed: o.dataSeed,
    seed: o.seed,
    runtime: o.threads ? { threads: o.threads } : {},
  };
  const metrics = metricsNeeded(terms);
  return {
    metrics: metrics.length > 0 ? metricScorer({ ...common, metrics, overrides }) : undefined,
    ...(terms.some((t) => t.kind === "train")
      ? {
          trainer: shortTrainer({
            space,
            data: trainDataSpec(o),
            config: trainConfigOf(o, overrides.train),
            runtime: common.runtime,
          }),
        }
      : {}),
  };
}

function trainDataSpec(o: SearchOptions): DataSpec {
  return {
    spec: o.data,
    seed: o.dataSeed,
    ...(o.trainCount !== undefined ? { trainCount: o.trainCount } : {}),
    ...(o.valCount !== undefined ? { valCount: o.valCount } : {}),
  };
}

/** `--set train.key=value`: run settings (train.*) and the schedule's lr; epochs come from each term. */
function trainConfigOf(o: SearchOptions, given: Record<string, unknown> = {}): TrainConfig {
  const { lr, ...run } = given;
  return resolveTrainConfig({ run: { seed: o.seed, ...run }, schedule: lr !== undefined ? { lr } : {} });
}

/** What `--set train.…` may set, with its defaults (the seed is --seed). */
const TRAIN_SET_DEFAULTS = (() => {
  const defaults = resolveTrainConfig();
  const { epochs: _e, seed: _s, init: _i, ...rest } = defaults.run;
  return { ...rest, lr: defaults.schedule.lr };
})();

async function runSearch(o: SearchOptions): Promise<void> {
  if (o.algo === "tenas") o.budget ??= 1; // its one answer
  if (o.budget === undefined && o.costBudget === undefined)
    throw new Error("search needs --budget N (queries) or --cost-budget EPOCHS");
  const space = await loadSpace(o.space);
  const terms = parseObjectives(o.objective, space.benchmark?.epochCost);
  const isPrefilter = o.algo === "prefilter";
  const isTenas = o.algo === "tenas";
  if (isTenas) supernetOf(space); // "not available for this space" before any work
  const algorithm = getAlgorithm(
    isPrefilter ? (o.inner === "rank" ? "rs" : o.inner) : isTenas ? "rs" : o.algo,
  );
  if (isPrefilter && !["rank", "rs", "re", "ls"].includes(o.inner))
    throw new Error(`--inner must be rank, rs, re or ls, got "${o.inner}"`);
  if (terms.length > 1 && !algorithm.multiObjective)
    throw new Error(`--algo ${o.algo} optimises one objective; use nsga2 for ${terms.length}`);
  if (terms.length === 1 && algorithm.multiObjective)
    throw new Error(
      `--algo ${o.algo} needs at least two objectives (e.g. table:c10valid_valid_200,table:flops_c10_M)`,
    );
  // `--set` owners: the algorithm (or TE-NAS) and every metric the objective or prefilter computes.
  const prefilterTerm = isPrefilter ? (parseObjectives(o.prefilter)[0] as ObjectiveTerm) : undefined;
  const metricOwners = metricsNeeded(prefilterTerm ? [...terms, prefilterTerm] : terms);
  const set = parseSetOptions(
    o.set,
    {
      ...(isTenas
        ? { tenas: { repeats: TENAS_REPEATS, batchSize: NTK_DEFAULTS.batchSize } }
        : { [algorithm.name]: algorithm.defaults }),
      ...Object.fromEntries(metricOwners.map((m) => [m, getMetric(m)])),
      ...(terms.some((t) => t.kind === "train") ? { train: TRAIN_SET_DEFAULTS } : {}),
    },
    (item, owner) => `--set ${item}: ${owner} is neither the algorithm nor an objective metric`,
  );
  const algoOptions = isTenas ? {} : ((set[algorithm.name] ?? {}) as Record<string, number>);
  const metricOptions = Object.fromEntries(metricOwners.filter((m) => set[m]).map((m) => [m, set[m]!]));

  const table = loadTable(
    o,
    space,
    terms.some((t) => t.kind === "table"),
  );
  const scorers = scorerFor(o, space, terms, {
    ...metricOptions,
    ...(set.train ? { train: set.train } : {}),
  });
  const objective = makeObjective(terms, { ...(table ? { table } : {}), ...scorers });

  // Prefilter settings are part of the study's identity.
  const config = {
    space: o.space,
    algo: o.algo,
    algoOptions: {
      ...algoOptions,
      ...(isPrefilter
        ? {
            inner: o.inner,
            prefilter: o.prefilter,
            keep: o.keep,
            ...(o.prefilterScores
              ? { prefilterScores: o.prefilterScores }
              : { prefilterSample: o.prefilterSample }),
          }
        : {}),
    },
    objectives: terms.map((t) => t.spec),
    seed: o.seed,
    evaluation: {
      ...(table ? { table: table.path } : {}),
      data: o.data,
      data_seed: o.dataSeed,
      ...(Object.keys(metricOptions).length > 0 ? { options: metricOptions } : {}),
      ...(terms.some((t) => t.kind === "train")
        ? { train: { ...trainDataSpec(o), settings: trainConfigOf(o, set.train) } }
        : {}),
    },
  };

  const store = openSqliteStudy(o.study);
  try {
    let searchSpace: SearchSpace<unknown> = space;
    let order: string[] | undefined;
    if (isTenas) order = [await runTenas(o, space, store, set.tenas ?? {})];
    if (prefilterTerm) {
      order = await runPrefilter(o, store, space, prefilterTerm, metricOptions);
      searchSpace = restrictedSpace(space, order);
      process.stderr.write(`prefilter kept ${order.length} architectures by ${prefilterTerm.valueName}\n`);
    }
    const makeOptimizer = (): Optimizer =>
      order && (isTenas || o.inner === "rank")
        ? ranked(order)
        : algorithm.create({ space: searchSpace, seed: o.seed, objectives: terms.length }, algoOptions);
    const total = o.budget ?? Math.ceil(o.costBudget! / Math.max(1, objective.terms[0]!.cost));
    const bar = progress(total, `${o.algo} ${o.objective}`);
    const sign = terms[0]!.higherIsBetter ? 1 : -1;
    let best = -Infinity;
    try {
      const run = await runStudy({
        store,
        config,
        version: VERSION,
        optimizer: makeOptimizer,
        objective,
        budget: {
          ...(o.budget !== undefined ? { queries: o.budget } : {}),
          ...(o.costBudget !== undefined ? { cost: o.costBudget } : {}),
        },
        onTrial(trial) {
          const v = trial.objectives[0];
          if (v !== null && v !== undefined && sign * v > best) best = sign * v;
          bar.tick(`best ${terms[0]!.valueName} ${(sign * best).toPrecision(5)}`);
        },
      });
      bar.stop();
      if (run.resumed > 0)
        process.stderr.write(`resumed ${o.study}: ${run.resumed} trials were already done\n`);
      if (run.exhausted) process.stderr.write(`${o.algo} ran out of architectures to ask\n`);
    } finally {
      bar.stop();
    }
    await printStudySummary(store, table, space);
  } finally {
    await store.close();
  }
}

async function runPrefilter(
  o: SearchOptions,
  store: StudyStore,
  space: SearchSpace<unknown>,
  term: ObjectiveTerm,
  metricOptions: Record<string, Record<string, unknown>>,
): Promise<string[]> {
  if (term.kind === "table") throw new Error("--prefilter must be a training-free value, not a table column");
  const higherIsBetter = term.higherIsBetter;
  if (o.prefilterScores) {
    const scores = new Map<string, number | null>();
    for (const r of readJsonl<Record<string, unknown>>(o.prefilterScores)) {
      const v = r[term.valueName];
      if (typeof r.arch_str !== "string") throw new Error(`${o.prefilterScores}: a record has no arch_str`);
      if (typeof v === "number" || v === null) scores.set(space.format(space.parse(r.arch_str)), v);
    }
    if (scores.size === 0) throw new Error(`${o.prefilterScores} has no "${term.valueName}" values`);
    return prefilter({
      store,
      candidates: [...scores.keys()],
      valueName: term.valueName,
      higherIsBetter,
      keep: o.keep,
      known: scores,
    });
  }
  const all = space.enumerate ? [...space.enumerate()].map((a) => space.format(a)) : undefined;
  const rng = new Rng(o.seed, "prefilter-sample");
  const candidates =
    all && o.prefilterSample <= all.length
      ? rng.shuffle(all).slice(0, o.prefilterSample)
      : Array.from({ length: o.prefilterSample }, () => space.format(space.sample(rng)));
  const scorer = scorerFor(o, space, [term], metricOptions);
  const bar = progress(candidates.length, `prefilter ${term.spec}`);
  try {
    return await prefilter({
      store,
      candidates: [...new Set(candidates)],
      valueName: term.valueName,
      higherIsBetter,
      keep: o.keep,
      scorer: scorer.metrics!,
      onScored: (_, v) => bar.tick(`${term.valueName} ${v ?? "NaN"}`),
    });
  } finally {
    bar.stop();
  }
}

/**
 * TE-NAS prunes the space's supernet once (minutes; not resumable midway) and its answer is stored in
 * the study, so a re-run evaluates it without pruning again. The study then holds one trial: the
 * found architecture under the objective.
 */
async function runTenas(
  o: SearchOptions,
  space: SearchSpace<unknown>,
  store: StudyStore,
  options: { repeats?: number; batchSize?: number },
): Promise<string> {
  const done = await store.auxiliary("tenas");
  const found = [...done.keys()][0];
  if (found) return found;
  const data = loadDataset(o.data, { seed: o.dataSeed, trainCount: 1000 }).train;
  process.stderr.write("TE-NAS: pruning the supernet (3 rounds)\n");
  const result = await tenasPrune({
    space,
    data,
    seed: o.seed,
    runtime: o.threads ? { threads: o.threads } : {},
    ...(options.repeats !== undefined ? { repeats: options.repeats } : {}),
    ...(options.batchSize !== undefined ? { ntk: { batchSize: options.batchSize } } : {}),
    onRound: (r) =>
      process.stderr.write(
        `TE-NAS round ${r.round + 1}: pruned ${r.pruned.map((p) => `${p.pruned}@e${p.edge}`).join(", ")} (${r.seconds.toFixed(0)} s)\n`,
      ),
  });
  await store.putAuxiliary("tenas", result.archStr, {
    seconds: result.seconds,
    evaluations: result.evaluations,
  });
  return result.archStr;
}
