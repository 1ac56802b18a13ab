// `nasprobe search` and `nasprobe worker`: parse the flags, run the study through the application
// layer (src/app/search.ts), print. A study lives in a storage — a SQLite file (the default, one
// study per file as before) or a PostgreSQL database shared by many workers — under a name.
import type { Command } from "commander";
import { runSearch, runWorker, type SearchRequest, type SearchResult, setOwners } from "../app/search.js";
import { readStudies } from "../app/summary.js";
import { DEFAULT_DATASET } from "../data/index.js";
import { parseObjectives } from "../search/objective.js";
import { DEFAULT_GRACE_SECONDS, DEFAULT_HEARTBEAT_SECONDS } from "../search/study.js";
import type { Trial } from "../store/study.js";
import { nonNegativeInt, parseSetOptions, positiveInt, type SetOwner, threadCount } from "./options.js";
import { type Progress, progress } from "./progress.js";
import { printStudySummary } from "./study.js";

/** The study's name when `--study` names a file (no --storage): a file holds one study. */
export const FILE_STUDY = "default";

interface WhereOptions {
  storage?: string;
  study?: string;
  threads?: number;
  heartbeat: number;
  grace: number;
}

interface SearchOptions extends WhereOptions {
  space: string;
  algo: string;
  objective: string;
  table?: string;
  budget?: number;
  costBudget?: number;
  seed: number;
  data: string;
  trainCount?: number;
  valCount?: number;
  dataSeed: number;
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

/** `--storage URL --study NAME`, or `--study FILE` alone (the embedded default). */
export function whereIs(o: { storage?: string; study?: string }): { storage: string; study: string } {
  if (o.storage !== undefined) return { storage: o.storage, study: o.study ?? FILE_STUDY };
  if (o.study === undefined)
    throw new Error("name the study: --study FILE, or --storage URL|FILE --study NAME");
  return { storage: o.study, study: FILE_STUDY };
}

function whereOptions(command: Command): Command {
  return command
    .option(
      "--storage <url|file>",
      "study storage: a postgresql:// URL or a SQLite file holding several studies",
    )
    .option("--study <name|file>", "with --storage, the study's name; alone, a SQLite file holding one study")
    .option("--threads <n>", "ONNX Runtime intra-op threads (default: all cores)", threadCount("--threads"))
    .option(
      "--heartbeat <s>",
      "seconds between heartbeats of the running trial",
      positiveInt("--heartbeat"),
      DEFAULT_HEARTBEAT_SECONDS,
    )
    .option(
      "--grace <s>",
      "a trial silent for this long is failed and retried",
      positiveInt("--grace"),
      DEFAULT_GRACE_SECONDS,
    );
}

/** Runs a study with a progress line and prints its summary; non-zero exit when every trial failed. */
async function runAndPrint(
  total: number | undefined,
  label: string,
  higherIsBetter: boolean,
  valueName: string,
  go: (hooks: {
    onTrial(t: Trial): void;
    onRecovered(t: Trial): void;
    progress: typeof progress;
    log(line: string): void;
  }) => Promise<SearchResult>,
): Promise<void> {
  let bar: Progress | undefined;
  const sign = higherIsBetter ? 1 : -1;
  let best = -Infinity;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let result: SearchResult;
  try {
    result = await go({
      progress,
      log,
      onTrial(trial) {
        bar ??= progress(total ?? 0, label);
        const v = trial.objectives[0];
        if (v !== null && v !== undefined && sign * v > best) best = sign * v;
        bar.tick(`best ${valueName} ${(sign * best).toPrecision(5)}`);
      },
      onRecovered: (t) => log(`trial ${t.number} failed: ${t.reason}; retried as trial ${t.retriedBy}`),
    });
  } finally {
    bar?.stop();
  }
  const { run, summary, plan } = result;
  if (run.resumed > 0) log(`resumed ${summary.label}: ${run.resumed} trials were already done`);
  if (run.exhausted) log(`${plan.config.algo} ran out of architectures to ask`);
  printStudySummary(summary);
  if (summary.byState.complete === 0 && summary.byState.failed > 0) {
    const reason = run.trials.find((t) => t.state === "failed")?.reason ?? "?";
    throw new Error(`every trial of ${summary.label} failed (first: ${reason})`);
  }
}

export function registerSearch(program: Command): void {
  whereOptions(
    program
      .command("search")
      .description(
        "search a space with an algorithm and an objective; the study resumes after a crash and takes many workers",
      )
      .option("--space <name|file>", "search space (see `nasprobe spaces`) or a space file", "nb201")
      .requiredOption("--algo <name>", "re | de | rs | ls | reinforce | pick | nsga2 | prefilter | tenas")
      .requiredOption(
        "--objective <terms>",
        "nngp | METRIC | table:COLUMN | train:E; comma-separated for several (nsga2), e.g. table:c10valid_valid_200,table:flops_c10_M",
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
      .option(
        "--set <name.option=value...>",
        "algorithm or metric option, e.g. re.population=20, ntk.batchSize=32",
        (v: string, acc: string[]) => [...acc, v],
        [],
      )
      .option(
        "--prefilter <value>",
        "prefilter: the training-free value ranked on (nngp or a metric)",
        "nngp",
      )
      .option(
        "--prefilter-sample <n>",
        "prefilter: architectures scored",
        positiveInt("--prefilter-sample"),
        1000,
      )
      .option(
        "--prefilter-scores <file.jsonl>",
        "prefilter: read scores from a `nasprobe score` file instead",
      )
      .option("--keep <fraction>", "prefilter: fraction kept", fraction, 0.1)
      .option(
        "--inner <algo>",
        "prefilter: search inside the kept set with rank (best first, the NNGP-NAS protocol) | rs | re | ls",
        "rank",
      ),
  ).action(async (o: SearchOptions) => {
    const where = whereIs(o);
    if (!["rank", "rs", "re", "ls"].includes(o.inner))
      throw new Error(`--inner must be rank, rs, re or ls, got "${o.inner}"`);
    const base: SearchRequest = {
      space: o.space,
      algo: o.algo,
      objective: o.objective,
      seed: o.seed,
      data: o.data,
      dataSeed: o.dataSeed,
      ...(o.table !== undefined ? { table: o.table } : {}),
      ...(o.budget !== undefined ? { budget: o.budget } : {}),
      ...(o.costBudget !== undefined ? { costBudget: o.costBudget } : {}),
      ...(o.trainCount !== undefined ? { trainCount: o.trainCount } : {}),
      ...(o.valCount !== undefined ? { valCount: o.valCount } : {}),
      prefilter: {
        value: o.prefilter,
        sample: o.prefilterSample,
        keep: o.keep,
        inner: o.inner as "rank",
        ...(o.prefilterScores !== undefined ? { scores: o.prefilterScores } : {}),
      },
    };
    const terms = parseObjectives(o.objective);
    const set = parseSetOptions(
      o.set,
      // An algorithm declares its options as a metric does (schema + resolve), so it reads the same way.
      setOwners(base, terms) as Record<string, SetOwner>,
      (item, owner) => `--set ${item}: ${owner} is neither the algorithm nor an objective metric`,
    );
    const total = o.budget ?? (o.algo === "tenas" ? 1 : undefined);
    await runAndPrint(
      total,
      `${o.algo} ${o.objective}`,
      terms[0]!.higherIsBetter,
      terms[0]!.valueName,
      (hooks) => runSearch({ ...base, set }, { ...where, ...settingsOf(o), hooks }),
    );
  });

  whereOptions(
    program
      .command("worker")
      .description(
        "join a stored study and run its trials until its budget is spent (start as many as you like)",
      )
      .option("--budget <n>", "override the study's stored budget (queries)", positiveInt("--budget")),
  ).action(async (o: WhereOptions & { budget?: number }) => {
    const where = whereIs(o);
    // The stored study says what the progress line shows: its objective and budget.
    const info = await readStudies(where.storage, where.study, async ([study]) => study!.info()).catch(
      () => undefined,
    );
    const term = info ? parseObjectives(info.config.objectives[0]!)[0]! : undefined;
    const total = o.budget ?? info?.budget.queries;
    await runAndPrint(
      total,
      `worker ${where.study}`,
      term?.higherIsBetter ?? true,
      term?.valueName ?? "value",
      (hooks) =>
        runWorker({
          ...where,
          ...settingsOf(o),
          hooks,
          ...(o.budget !== undefined ? { budget: { queries: o.budget } } : {}),
        }),
    );
  });
}

const settingsOf = (o: WhereOptions) => ({
  ...(o.threads !== undefined ? { threads: o.threads } : {}),
  heartbeatSeconds: o.heartbeat,
  graceSeconds: o.grace,
});
