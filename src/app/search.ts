// The application layer of `search` and `worker`: a typed search request becomes a study
// configuration (the study's identity, canonical JSON in the store) and back, and a study runs as a
// worker of a storage. The CLI, the bench scripts and the dashboard call these; they only parse and
// print. Everything is checked before a storage is opened, so a refused search writes nothing.
import { existsSync, rmSync } from "node:fs";
import * as v from "valibot";
import { spaceTable } from "../benchmarks/spaceTable.js";
import type { BenchmarkTable } from "../benchmarks/table.js";
import { DEFAULT_DATASET, loadDataset } from "../data/index.js";
import { getMetric } from "../metrics/index.js";
import type { Metric } from "../metrics/metric.js";
import { NTK_DEFAULTS } from "../metrics/ntk.js";
import type { Scorer } from "../metrics/scorer.js";
import { metricScorer } from "../metrics/scorer.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { type Algorithm, getAlgorithm } from "../search/algorithms/index.js";
import { rankedSampler } from "../search/algorithms/ranked.js";
import {
  makeObjective,
  metricsNeeded,
  type Objective,
  type ObjectiveTerm,
  parseObjectives,
} from "../search/objective.js";
import { prefilter } from "../search/prefilter.js";
import { restrictedSpace } from "../search/restrictedSpace.js";
import type { Sampler } from "../search/sampler.js";
import { runStudy, type StudyRun } from "../search/study.js";
import { supernetOf, TENAS_REPEATS, type TenasRoundInfo, tenasPrune } from "../search/tenas.js";
import { loadSpace } from "../spaces/index.js";
import type { SearchSpace } from "../spaces/space.js";
import { isPostgresUrl, openStorage } from "../store/index.js";
import { readJsonl } from "../store/jsonl.js";
import type { Budget, Storage, Study, StudyConfig, Trial, WorkerId } from "../store/study.js";
import { resolveTrainConfig, type TrainConfig } from "../train/config.js";
import type { DataSpec } from "../train/run.js";
import { shortTrainer } from "../train/shortTraining.js";
import { Rng } from "../util/random.js";
import { VERSION } from "../version.js";
import { type StudySummary, summarizeStudy } from "./summary.js";

const int = (min: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(min));

/** What `nasprobe search` is asked for: the typed form of its flags. */
export const SearchRequestSchema = v.strictObject({
  space: v.optional(v.string(), "nb201"),
  algo: v.string(),
  objective: v.string(),
  table: v.optional(v.string()),
  budget: v.optional(int(1)),
  costBudget: v.optional(int(1)),
  seed: v.optional(int(0), 0),
  data: v.optional(v.string(), DEFAULT_DATASET),
  trainCount: v.optional(int(1)),
  valCount: v.optional(int(1)),
  dataSeed: v.optional(int(0), 0),
  /** `--set owner.option=value`, already read as values by owner. */
  set: v.optional(v.record(v.string(), v.record(v.string(), v.unknown())), {}),
  /** Resolved training settings (a worker rebuilding a study); else from `set.train`. */
  trainConfig: v.optional(v.record(v.string(), v.unknown())),
  prefilter: v.optional(
    v.strictObject({
      value: v.optional(v.string(), "nngp"),
      sample: v.optional(int(1), 1000),
      scores: v.optional(v.string()),
      keep: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(1)), 0.1),
      inner: v.optional(v.picklist(["rank", "rs", "re", "ls"]), "rank"),
    }),
    {},
  ),
});
export type SearchRequest = v.InferInput<typeof SearchRequestSchema>;
type Request = v.InferOutput<typeof SearchRequestSchema>;

/** Where the study lives and how this process runs it (none of it is the study's identity). */
export interface RunSettings {
  /** A SQLite file or a postgresql:// URL. */
  readonly storage: string;
  readonly study: string;
  readonly threads?: number;
  readonly worker?: WorkerId;
  readonly heartbeatSeconds?: number;
  readonly graceSeconds?: number;
  readonly hooks?: SearchHooks;
  readonly signal?: AbortSignal;
}

export interface SearchHooks {
  /** A progress line source for a stage of `total` steps. */
  progress?(total: number, label: string): { tick(note?: string): void; stop(): void };
  log?(line: string): void;
  onTrial?(trial: Trial): void;
  onRecovered?(trial: Trial): void;
}

/** A checked search, ready to run: its identity and everything it evaluates with. */
export interface SearchPlan {
  readonly request: Request;
  readonly config: StudyConfig;
  readonly space: SearchSpace<unknown>;
  readonly terms: readonly ObjectiveTerm[];
  readonly table?: BenchmarkTable;
  readonly budget: Budget;
  readonly objective: Objective;
  /** The sampler, after the pre-stage (TE-NAS pruning or a prefilter) a study may need. */
  readonly sampler: (study: Study, hooks: SearchHooks) => Promise<{ sampler: Sampler; name: string }>;
}

/** What `--set train.…` may set, with its defaults (the seed is --seed, epochs come from each term). */
const TRAIN_SET_DEFAULTS = (() => {
  const defaults = resolveTrainConfig();
  const { epochs: _e, seed: _s, init: _i, ...rest } = defaults.run;
  return { ...rest, lr: defaults.schedule.lr };
})();

function trainConfigOf(seed: number, given: Record<string, unknown> = {}): TrainConfig {
  const { lr, ...run } = given;
  return resolveTrainConfig({ run: { seed, ...run }, schedule: lr !== undefined ? { lr } : {} });
}

function trainDataSpec(r: Request): DataSpec {
  return {
    spec: r.data,
    seed: r.dataSeed,
    ...(r.trainCount !== undefined ? { trainCount: r.trainCount } : {}),
    ...(r.valCount !== undefined ? { valCount: r.valCount } : {}),
  };
}

function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const key = issue.path?.map((p) => String(p.key)).join(".") ?? "request";
  return `search: ${key}: ${issue.message}`;
}

/** What `--set owner.option=value` may name: a metric or algorithm (schema-checked) or plain defaults. */
export type SetOwner = Metric | Algorithm | Readonly<Record<string, unknown>>;

/** The `--set` owners a search takes: its algorithm (or TE-NAS), its metrics, `train`. */
export function setOwners(request: SearchRequest, terms: readonly ObjectiveTerm[]): Record<string, SetOwner> {
  const algo = request.algo;
  const inner = request.prefilter?.inner ?? "rank";
  const owners: Record<string, SetOwner> = {};
  if (algo === "tenas") owners.tenas = { repeats: TENAS_REPEATS, batchSize: NTK_DEFAULTS.batchSize };
  else if (algo !== "prefilter") owners[algo] = getAlgorithm(algo);
  else if (inner !== "rank") owners[inner] = getAlgorithm(inner);
  const prefilterTerm = algo === "prefilter" ? parseObjectives(request.prefilter?.value ?? "nngp") : [];
  for (const m of metricsNeeded([...terms, ...prefilterTerm])) owners[m] = getMetric(m);
  if (terms.some((t) => t.kind === "train")) owners.train = TRAIN_SET_DEFAULTS;
  return owners;
}

/** Checks a request completely (space, objective, algorithm, options, table) and plans it. */
export async function planSearch(input: SearchRequest, runtime: RuntimeOptions = {}): Promise<SearchPlan> {
  const parsed = v.safeParse(SearchRequestSchema, input);
  if (!parsed.success) throw new Error(describeIssue(parsed.issues));
  const r = parsed.output;
  const isTenas = r.algo === "tenas";
  const isPrefilter = r.algo === "prefilter";
  const budget: Budget = {
    ...(r.budget !== undefined ? { queries: r.budget } : isTenas ? { queries: 1 } : {}),
    ...(r.costBudget !== undefined ? { cost: r.costBudget } : {}),
  };
  if (budget.queries === undefined && budget.cost === undefined)
    throw new Error("search needs --budget N (queries) or --cost-budget EPOCHS");
  const space = await loadSpace(r.space);
  const terms = parseObjectives(r.objective, space.benchmark?.epochCost);
  if (budget.cost !== undefined && terms[0]!.cost === 0)
    throw new Error(
      `--cost-budget counts training epochs, but ${terms[0]!.spec} costs none per query; use --budget N`,
    );
  if (isTenas) supernetOf(space); // "not available for this space" before any work
  const inner = r.prefilter.inner;
  const algorithm = getAlgorithm(isPrefilter ? (inner === "rank" ? "rs" : inner) : isTenas ? "rs" : r.algo);
  if (terms.length > 1 && !algorithm.multiObjective)
    throw new Error(`--algo ${r.algo} optimises one objective; use nsga2 for ${terms.length}`);
  if (terms.length === 1 && algorithm.multiObjective)
    throw new Error(
      `--algo ${r.algo} needs at least two objectives (e.g. table:c10valid_valid_200,table:flops_c10_M)`,
    );
  const prefilterTerm = isPrefilter ? parseObjectives(r.prefilter.value)[0]! : undefined;
  if (prefilterTerm?.kind === "table")
    throw new Error("--prefilter must be a training-free value, not a table column");
  const owners = setOwners(r, terms);
  for (const owner of Object.keys(r.set))
    if (!(owner in owners))
      throw new Error(`--set ${owner}.…: ${owner} is neither the algorithm nor an objective metric`);
  const algoOptions = isTenas ? {} : algorithm.resolve(r.set[algorithm.name] ?? {});
  const metricOwners = metricsNeeded(prefilterTerm ? [...terms, prefilterTerm] : terms);
  // Checked against each metric's schema here; stored as given (the metric fills in its defaults).
  for (const m of metricOwners) if (r.set[m]) getMetric(m).resolve(r.set[m]);
  const metricOptions = Object.fromEntries(metricOwners.filter((m) => r.set[m]).map((m) => [m, r.set[m]!]));
  const train = terms.some((t) => t.kind === "train")
    ? ((r.trainConfig as TrainConfig | undefined) ?? trainConfigOf(r.seed, r.set.train))
    : undefined;
  const table =
    terms.some((t) => t.kind === "table") || r.table !== undefined ? spaceTable(space, r.table) : undefined;
  if (r.prefilter.scores !== undefined && !existsSync(r.prefilter.scores))
    throw new Error(`--prefilter-scores: no file ${r.prefilter.scores}`);

  const config: StudyConfig = {
    space: r.space,
    algo: r.algo,
    algoOptions: {
      ...algoOptions,
      ...(isTenas ? (r.set.tenas ?? {}) : {}),
      ...(isPrefilter
        ? {
            inner,
            prefilter: r.prefilter.value,
            keep: r.prefilter.keep,
            ...(r.prefilter.scores
              ? { prefilterScores: r.prefilter.scores }
              : { prefilterSample: r.prefilter.sample }),
          }
        : {}),
    },
    objectives: terms.map((t) => t.spec),
    seed: r.seed,
    evaluation: {
      ...(table ? { table: table.path } : {}),
      data: r.data,
      data_seed: r.dataSeed,
      ...(Object.keys(metricOptions).length > 0 ? { options: metricOptions } : {}),
      ...(train ? { train: { ...trainDataSpec(r), settings: train } } : {}),
    },
  };

  const scorerFor = (t: readonly ObjectiveTerm[], runtime: RuntimeOptions): Scorer | undefined => {
    const metrics = metricsNeeded(t);
    return metrics.length > 0
      ? metricScorer({
          space,
          data: r.data,
          dataSeed: r.dataSeed,
          seed: r.seed,
          runtime,
          metrics,
          overrides: metricOptions,
        })
      : undefined;
  };
  const metrics = scorerFor(terms, runtime);
  const objective = makeObjective(terms, {
    ...(table ? { table } : {}),
    ...(metrics ? { metrics } : {}),
    ...(train ? { trainer: shortTrainer({ space, data: trainDataSpec(r), config: train, runtime }) } : {}),
  });

  const sampler: SearchPlan["sampler"] = async (study, hooks) => {
    const ctx = (s: SearchSpace<unknown>) => ({ space: s, seed: r.seed, objectives: terms.length });
    if (isTenas) {
      const found = await runTenas(r, space, study, runtime, hooks);
      return { sampler: rankedSampler([found]), name: "ranked" };
    }
    if (prefilterTerm) {
      const order = await runPrefilter(
        r,
        study,
        space,
        prefilterTerm,
        scorerFor([prefilterTerm], runtime),
        hooks,
      );
      hooks.log?.(`prefilter kept ${order.length} architectures by ${prefilterTerm.valueName}`);
      if (inner === "rank") return { sampler: rankedSampler(order), name: "ranked" };
      return {
        sampler: algorithm.sampler(ctx(restrictedSpace(space, order)), algoOptions),
        name: algorithm.name,
      };
    }
    return { sampler: algorithm.sampler(ctx(space), algoOptions), name: algorithm.name };
  };
  return { request: r, config, space, terms, ...(table ? { table } : {}), budget, objective, sampler };
}

/** The request a stored study was created from (what a joining worker runs). */
export function requestOf(config: StudyConfig): SearchRequest {
  const e = config.evaluation as {
    table?: string;
    data?: string;
    data_seed?: number;
    options?: Record<string, Record<string, unknown>>;
    train?: DataSpec & { settings: TrainConfig };
  };
  const {
    inner,
    prefilter: value,
    keep,
    prefilterScores,
    prefilterSample,
    ...algoOptions
  } = config.algoOptions as Record<string, unknown>;
  const algoName =
    config.algo === "prefilter" ? (inner === "rank" ? undefined : (inner as string)) : config.algo;
  return {
    space: config.space,
    algo: config.algo,
    objective: config.objectives.join(","),
    seed: config.seed,
    ...(e.table !== undefined ? { table: e.table } : {}),
    ...(e.data !== undefined ? { data: e.data } : {}),
    ...(e.data_seed !== undefined ? { dataSeed: e.data_seed } : {}),
    ...(e.train?.trainCount !== undefined ? { trainCount: e.train.trainCount } : {}),
    ...(e.train?.valCount !== undefined ? { valCount: e.train.valCount } : {}),
    ...(e.train ? { trainConfig: e.train.settings as unknown as Record<string, unknown> } : {}),
    set: {
      ...(e.options ?? {}),
      ...(algoName && Object.keys(algoOptions).length > 0 ? { [algoName]: algoOptions } : {}),
    },
    ...(config.algo === "prefilter"
      ? {
          prefilter: {
            value: value as string,
            keep: keep as number,
            inner: inner as "rank",
            ...(prefilterScores !== undefined ? { scores: prefilterScores as string } : {}),
            ...(prefilterSample !== undefined ? { sample: prefilterSample as number } : {}),
          },
        }
      : {}),
  };
}

export interface SearchResult {
  readonly plan: SearchPlan;
  readonly run: StudyRun;
  /** The study when this worker stopped (the storage is closed by then). */
  readonly summary: StudySummary;
}

const runtimeOf = (s: RunSettings): RuntimeOptions => (s.threads ? { threads: s.threads } : {});

/** Opens (or creates) the storage; a SQLite file this call created is removed again if it fails. */
async function withStorage<T>(spec: string, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const created = !isPostgresUrl(spec) && !existsSync(spec);
  const storage = await openStorage(spec);
  let keep = false;
  try {
    const result = await fn(storage);
    keep = true;
    return result;
  } catch (error) {
    if (created && (await storage.studies().catch(() => [])).length > 0) keep = true;
    throw error;
  } finally {
    await storage.close();
    if (created && !keep)
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${spec}${suffix}`, { force: true });
  }
}

async function execute(plan: SearchPlan, study: Study, s: RunSettings): Promise<SearchResult> {
  const hooks = s.hooks ?? {};
  const { sampler, name } = await plan.sampler(study, hooks);
  const run = await runStudy({
    study,
    sampler,
    algorithm: name,
    seed: plan.config.seed,
    objective: plan.objective,
    budget: plan.budget,
    ...(s.worker ? { worker: s.worker } : {}),
    ...(s.heartbeatSeconds !== undefined ? { heartbeatSeconds: s.heartbeatSeconds } : {}),
    ...(s.graceSeconds !== undefined ? { graceSeconds: s.graceSeconds } : {}),
    ...(hooks.onTrial ? { onTrial: hooks.onTrial } : {}),
    ...(hooks.onRecovered ? { onRecovered: hooks.onRecovered } : {}),
    ...(s.signal ? { signal: s.signal } : {}),
  });
  const summary = await summarizeStudy(study, {
    ...(plan.table ? { table: plan.table } : {}),
    space: plan.space,
  });
  return { plan, run, summary };
}

/** `nasprobe search`: creates or resumes the study `settings.study` and runs it as one worker. */
export async function runSearch(request: SearchRequest, settings: RunSettings): Promise<SearchResult> {
  const plan = await planSearch(request, runtimeOf(settings));
  return withStorage(settings.storage, async (storage) => {
    const study = await storage.openStudy(settings.study, plan.config, VERSION, plan.budget);
    return execute(plan, study, settings);
  });
}

/**
 * `nasprobe worker`: joins the stored study `settings.study` and runs its trials until its budget is
 * spent (or `budget` overrides it). The study's own configuration says what to run.
 */
export async function runWorker(settings: RunSettings & { readonly budget?: Budget }): Promise<SearchResult> {
  const storage = await openStorage(settings.storage, { mustExist: true });
  try {
    const study = await storage.study(settings.study);
    if (!study)
      throw new Error(
        `no study ${settings.study} in ${storage.location} (create it with nasprobe search … --storage ${storage.location} --study ${settings.study})`,
      );
    const info = await study.info();
    const budget = settings.budget && Object.keys(settings.budget).length > 0 ? settings.budget : info.budget;
    const request = requestOf(info.config);
    const plan = await planSearch(
      {
        ...request,
        ...(budget.queries !== undefined ? { budget: budget.queries } : {}),
        ...(budget.cost !== undefined ? { costBudget: budget.cost } : {}),
      },
      runtimeOf(settings),
    );
    return await execute(plan, study, settings);
  } finally {
    await storage.close();
  }
}

async function runPrefilter(
  r: Request,
  study: Study,
  space: SearchSpace<unknown>,
  term: ObjectiveTerm,
  scorer: Scorer | undefined,
  hooks: SearchHooks,
): Promise<string[]> {
  const higherIsBetter = term.higherIsBetter;
  const { keep, scores: scoresFile, sample } = r.prefilter;
  if (scoresFile) {
    const scores = new Map<string, number | null>();
    for (const rec of readJsonl<Record<string, unknown>>(scoresFile)) {
      const value = rec[term.valueName];
      if (typeof rec.arch_str !== "string") throw new Error(`${scoresFile}: a record has no arch_str`);
      if (typeof value === "number" || value === null)
        scores.set(space.format(space.parse(rec.arch_str)), value);
    }
    if (scores.size === 0) throw new Error(`${scoresFile} has no "${term.valueName}" values`);
    return prefilter({
      store: study,
      candidates: [...scores.keys()],
      valueName: term.valueName,
      higherIsBetter,
      keep,
      known: scores,
    });
  }
  const all = space.enumerate ? [...space.enumerate()].map((a) => space.format(a)) : undefined;
  const rng = new Rng(r.seed, "prefilter-sample");
  const candidates =
    all && sample <= all.length
      ? rng.shuffle(all).slice(0, sample)
      : Array.from({ length: sample }, () => space.format(space.sample(rng)));
  const bar = hooks.progress?.(candidates.length, `prefilter ${term.spec}`);
  try {
    return await prefilter({
      store: study,
      candidates: [...new Set(candidates)],
      valueName: term.valueName,
      higherIsBetter,
      keep,
      ...(scorer ? { scorer } : {}),
      onScored: (_, value) => bar?.tick(`${term.valueName} ${value ?? "NaN"}`),
    });
  } finally {
    bar?.stop();
  }
}

/**
 * TE-NAS prunes the space's supernet once (minutes; not resumable midway) and its answer is stored in
 * the study, so a re-run evaluates it without pruning again. The study then holds one trial: the
 * found architecture under the objective.
 */
async function runTenas(
  r: Request,
  space: SearchSpace<unknown>,
  study: Study,
  runtime: RuntimeOptions,
  hooks: SearchHooks,
): Promise<string> {
  const done = await study.auxiliary("tenas");
  const found = [...done.keys()][0];
  if (found) return found;
  const options = (r.set.tenas ?? {}) as { repeats?: number; batchSize?: number };
  const data = loadDataset(r.data, { seed: r.dataSeed, trainCount: 1000 }).train;
  hooks.log?.("TE-NAS: pruning the supernet (3 rounds)");
  const result = await tenasPrune({
    space,
    data,
    seed: r.seed,
    runtime,
    ...(options.repeats !== undefined ? { repeats: options.repeats } : {}),
    ...(options.batchSize !== undefined ? { ntk: { batchSize: options.batchSize } } : {}),
    onRound: (round: TenasRoundInfo) =>
      hooks.log?.(
        `TE-NAS round ${round.round + 1}: pruned ${round.pruned.map((p) => `${p.pruned}@e${p.edge}`).join(", ")} (${round.seconds.toFixed(0)} s)`,
      ),
  });
  await study.putAuxiliary("tenas", result.archStr, {
    seconds: result.seconds,
    evaluations: result.evaluations,
  });
  return result.archStr;
}
