// What the dashboard shows, computed from a study's cached trials: pages of the trial table (sorted
// and filtered on the server), best-so-far series in finish order, quantile bands over studies that
// share a name prefix (seeds), scatter data over any two stored values or benchmark columns, the
// Pareto front, and one trial with its network graph drawn from the space contract.
import type { BenchmarkTable } from "../../benchmarks/table.js";
import { flops, paramCount } from "../../ir/cost.js";
import { quantileCurves } from "../../reports/chartData.js";
import { type ObjectiveTerm, parseObjectives } from "../../search/objective.js";
import { dominates } from "../../search/pareto.js";
import type { SearchSpace } from "../../spaces/space.js";
import { TRIAL_STATES, type Trial, type TrialState } from "../../store/study.js";
import type { StudySnapshot } from "./source.js";

/** A malformed request: the API answers 400 (or `status`) with the message as JSON. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

export const MAX_PAGE = 500;
export const MAX_FILTER_CHARS = 200;
/** Scatter plots draw at most this many points (an even stride over the trials beyond it). */
export const MAX_SCATTER_POINTS = 20_000;

export const termsOf = (snap: StudySnapshot): ObjectiveTerm[] =>
  snap.info.config.objectives.map((s) => parseObjectives(s)[0]!);

/** Every value name stored in the study's trials, sorted. */
export function valueKeys(trials: readonly Trial[]): string[] {
  const keys = new Set<string>();
  // A study's trials store the same values; sampling every 64th keeps this cheap on 100k trials.
  for (let i = 0; i < trials.length; i += trials.length > 4096 ? 64 : 1)
    for (const k of Object.keys(trials[i]!.values)) keys.add(k);
  for (let i = Math.max(0, trials.length - 64); i < trials.length; i++)
    for (const k of Object.keys(trials[i]!.values)) keys.add(k);
  return [...keys].sort();
}

/** A trial as the table and the trial panel show it. */
export function trialRow(t: Trial) {
  return {
    number: t.number,
    archStr: t.archStr,
    state: t.state,
    objectives: t.objectives,
    values: t.values,
    cost: t.cost,
    seconds: t.seconds,
    seed: t.seed,
    version: t.version,
    worker: t.worker ?? null,
    startedAt: t.startedAt ?? null,
    heartbeatAt: t.heartbeatAt ?? null,
    finishedAt: t.finishedAt ?? null,
    finishSeq: t.finishSeq ?? null,
    reason: t.reason ?? null,
    retryOf: t.retryOf ?? null,
    retriedBy: t.retriedBy ?? null,
  };
}

export const SORT_KEYS = ["number", "state", "arch", "finishSeq", "cost", "seconds", "worker"] as const;

export interface PageQuery {
  readonly sort: string;
  readonly order: "asc" | "desc";
  readonly states: readonly TrialState[];
  readonly arch: string;
  readonly worker: string;
  readonly offset: number;
  readonly limit: number;
}

type SortValue = number | string | null;

/** How a sort key reads a trial: a fixed column, `objective:I` or `value:NAME`. */
function sortAccessor(key: string, snap: StudySnapshot): (t: Trial) => SortValue {
  switch (key) {
    case "number":
      return (t) => t.number;
    case "state":
      return (t) => TRIAL_STATES.indexOf(t.state);
    case "arch":
      return (t) => t.archStr;
    case "finishSeq":
      return (t) => t.finishSeq ?? null;
    case "cost":
      return (t) => t.cost;
    case "seconds":
      return (t) => t.seconds;
    case "worker":
      return (t) => t.worker ?? null;
  }
  const objective = /^objective:(\d{1,3})$/.exec(key);
  if (objective) {
    const i = Number(objective[1]);
    if (i >= snap.info.config.objectives.length)
      throw new RequestError(`sort ${key}: the study has ${snap.info.config.objectives.length} objective(s)`);
    return (t) => t.objectives[i] ?? null;
  }
  if (key.startsWith("value:")) {
    const name = key.slice("value:".length);
    if (!valueKeys(snap.trials).includes(name))
      throw new RequestError(`sort ${key}: no stored value ${name}`);
    return (t) => t.values[name] ?? null;
  }
  throw new RequestError(
    `unknown sort key ${JSON.stringify(key.slice(0, 60))} (${SORT_KEYS.join(", ")}, objective:I, value:NAME)`,
  );
}

/** Nulls last in either order; numbers and strings in their natural order; ties by trial number. */
function compareBy(get: (t: Trial) => SortValue, desc: boolean) {
  return (a: Trial, b: Trial): number => {
    const x = get(a);
    const y = get(b);
    if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c === 0 ? a.number - b.number : desc ? -c : c;
  };
}

/** Orders of a study kept between requests (one per server): a page of a 100k-trial study is then a slice. */
export type OrderCache = Map<string, { version: number; trials: Trial[] }>;
const MAX_CACHED_ORDERS = 16;

export function trialPage(snap: StudySnapshot, q: PageQuery, orders: OrderCache) {
  const get = sortAccessor(q.sort, snap);
  const key = JSON.stringify([snap.name, q.sort, q.order, q.states, q.arch, q.worker]);
  let ordered = orders.get(key);
  if (!ordered || ordered.version !== snap.version) {
    const states = new Set(q.states);
    const trials = snap.trials.filter(
      (t) =>
        (states.size === 0 || states.has(t.state)) &&
        (q.arch === "" || t.archStr.includes(q.arch)) &&
        (q.worker === "" || (t.worker ?? "").includes(q.worker)),
    );
    trials.sort(compareBy(get, q.order === "desc"));
    ordered = { version: snap.version, trials };
    orders.delete(key);
    orders.set(key, ordered);
    while (orders.size > MAX_CACHED_ORDERS) orders.delete(orders.keys().next().value!);
  }
  return {
    total: ordered.trials.length,
    offset: q.offset,
    limit: q.limit,
    version: snap.version,
    rows: ordered.trials.slice(q.offset, q.offset + q.limit).map(trialRow),
  };
}

/** Finished trials in the order they finished (several workers finish out of number order). */
export const inFinishOrder = (trials: readonly Trial[]): Trial[] =>
  trials.filter((t) => t.finishSeq !== undefined).sort((a, b) => a.finishSeq! - b.finishSeq!);

/** The best-so-far curve of the first objective, one point per finished trial, in finish order. */
export function bestSoFarSeries(snap: StudySnapshot) {
  const term = termsOf(snap)[0]!;
  const points: { seq: number; number: number; value: number | null; best: number | null }[] = [];
  let best: number | null = null;
  for (const t of inFinishOrder(snap.trials)) {
    const v = t.state === "complete" ? (t.objectives[0] ?? null) : null;
    if (v !== null && (best === null || (term.higherIsBetter ? v > best : v < best))) best = v;
    points.push({ seq: t.finishSeq!, number: t.number, value: v, best });
  }
  return { study: snap.name, valueName: term.valueName, higherIsBetter: term.higherIsBetter, points };
}

/** `re-1`, `re-2`, … share the prefix `re` (a trailing `-N`, `_N` or `.N` is a seed or run number). */
export function namePrefix(name: string): string | undefined {
  const m = /^(.+?)[-_.](?:s|seed)?\d+$/.exec(name);
  return m ? m[1] : undefined;
}

/** Studies grouped by name prefix, only groups of two or more. */
export function studyGroups(names: readonly string[]): { prefix: string; studies: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const p = namePrefix(n);
    if (p !== undefined) groups.set(p, [...(groups.get(p) ?? []), n]);
  }
  return [...groups]
    .filter(([, s]) => s.length >= 2)
    .map(([prefix, studies]) => ({ prefix, studies: studies.sort() }));
}

/**
 * The best-so-far runs of several studies (one per seed), with their median and quantile bands per
 * query count (the page's chart draws the runs; the quantiles are for API users).
 */
export function groupBand(prefix: string, snaps: readonly StudySnapshot[]) {
  const series = snaps.map(bestSoFarSeries);
  const valueNames = new Set(series.map((s) => s.valueName));
  if (valueNames.size > 1)
    throw new RequestError(`studies ${prefix}-* optimise different values: ${[...valueNames].join(", ")}`);
  const runs = series.map((s) => s.points.map((p) => p.best ?? Number.NaN));
  const qs = [0.1, 0.25, 0.75, 0.9];
  const c = quantileCurves(runs, qs);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    prefix,
    studies: snaps.map((s) => s.name),
    valueName: series[0]?.valueName ?? "",
    higherIsBetter: series[0]?.higherIsBetter ?? true,
    runs: runs.map((r) => r.map(finite)),
    points: c.x.map((x, i) => ({
      x,
      runs: c.count[i]!,
      median: finite(c.median[i]!),
      q10: finite(c.quantiles[0]![i]!),
      q25: finite(c.quantiles[1]![i]!),
      q75: finite(c.quantiles[2]![i]!),
      q90: finite(c.quantiles[3]![i]!),
    })),
  };
}

/** Values a scatter axis may name: `objective:I`, `value:NAME`, `table:COLUMN`, `seconds`, `cost`, `number`. */
export function axisAccessor(
  key: string,
  snap: StudySnapshot,
  table: BenchmarkTable | undefined,
): (t: Trial) => number | null {
  if (key === "seconds") return (t) => t.seconds;
  if (key === "cost") return (t) => t.cost;
  if (key === "number") return (t) => t.number;
  const objective = /^objective:(\d{1,3})$/.exec(key);
  if (objective && Number(objective[1]) < snap.info.config.objectives.length) {
    const i = Number(objective[1]);
    return (t) => t.objectives[i] ?? null;
  }
  if (key.startsWith("value:") && valueKeys(snap.trials).includes(key.slice(6))) {
    const name = key.slice(6);
    return (t) => t.values[name] ?? null;
  }
  if (key.startsWith("table:") && table?.has(key.slice(6)) && key.slice(6) !== "arch_str") {
    const column = table.column(key.slice(6));
    return (t) => {
      const row = table.indexOf(t.archStr);
      const v = row === undefined ? Number.NaN : column[row]!;
      return Number.isFinite(v) ? v : null;
    };
  }
  throw new RequestError(
    `unknown axis ${JSON.stringify(key.slice(0, 80))} (objective:I, value:NAME, table:COLUMN, seconds, cost, number)`,
  );
}

/** The axes a study's scatter may use. */
export function axes(snap: StudySnapshot, table: BenchmarkTable | undefined): string[] {
  return [
    ...snap.info.config.objectives.map((_, i) => `objective:${i}`),
    ...valueKeys(snap.trials).map((k) => `value:${k}`),
    ...(table?.columns.filter((c) => c !== "arch_str").map((c) => `table:${c}`) ?? []),
    "seconds",
    "cost",
    "number",
  ];
}

export function scatter(snap: StudySnapshot, table: BenchmarkTable | undefined, x: string, y: string) {
  const gx = axisAccessor(x, snap, table);
  const gy = axisAccessor(y, snap, table);
  const complete = snap.trials.filter((t) => t.state === "complete");
  const stride = Math.max(1, Math.ceil(complete.length / MAX_SCATTER_POINTS));
  const points: { number: number; label: string; x: number; y: number }[] = [];
  for (let i = 0; i < complete.length; i += stride) {
    const t = complete[i]!;
    const px = gx(t);
    const py = gy(t);
    if (px !== null && py !== null) points.push({ number: t.number, label: t.archStr, x: px, y: py });
  }
  return { x, y, trials: complete.length, sampled: stride > 1, points };
}

/**
 * Indices of the non-dominated points (every objective higher-is-better), in input order. Each point
 * is compared with the current front only — O(n × front size), where search/pareto.ts's full
 * non-dominated sort is O(n²) and would stall on a 100k-trial study.
 */
export function nonDominated(points: readonly (readonly number[])[]): number[] {
  let front: number[] = [];
  points.forEach((p, i) => {
    if (front.some((j) => dominates(points[j]!, p))) return;
    front = front.filter((j) => !dominates(p, points[j]!));
    front.push(i);
  });
  return front.sort((a, b) => a - b);
}

/** Objectives 0 and 1 of every complete trial, and the non-dominated ones among them. */
export function pareto(snap: StudySnapshot) {
  const terms = termsOf(snap);
  if (terms.length < 2)
    throw new RequestError(`study ${snap.name} has one objective; a Pareto front needs two`);
  const complete = snap.trials.filter(
    (t) => t.state === "complete" && t.objectives[0] != null && t.objectives[1] != null,
  );
  const stride = Math.max(1, Math.ceil(complete.length / MAX_SCATTER_POINTS));
  const fitness = complete.map((t) =>
    terms.map((term, i) => (term.higherIsBetter ? 1 : -1) * t.objectives[i]!),
  );
  const onFront = new Set(nonDominated(fitness));
  const point = (t: Trial) => ({
    number: t.number,
    label: t.archStr,
    y: t.objectives[0]!,
    x: t.objectives[1]!,
  });
  return {
    x: { name: terms[1]!.valueName, higherIsBetter: terms[1]!.higherIsBetter },
    y: { name: terms[0]!.valueName, higherIsBetter: terms[0]!.higherIsBetter },
    points: complete.filter((_, i) => i % stride === 0).map(point),
    front: complete
      .filter((_, i) => onFront.has(i))
      .map(point)
      .sort((a, b) => a.x - b.x),
  };
}

export interface GraphView {
  readonly nodes: readonly {
    id: number;
    name: string;
    op: string;
    shape: readonly number[];
    params: number;
  }[];
  readonly edges: readonly [number, number][];
  readonly params: number;
  readonly flops: number;
}

const graphs = new Map<string, GraphView | { error: string }>();

/** The network the space builds for `archStr` at its default size: nodes, edges, params, FLOPs. */
export function networkGraph(space: SearchSpace<unknown>, archStr: string): GraphView | { error: string } {
  const key = `${space.name}\u0000${archStr}`;
  const cached = graphs.get(key);
  if (cached) return cached;
  let view: GraphView | { error: string };
  try {
    const graph = space.build(space.parse(archStr), space.defaultBuild);
    view = {
      nodes: graph.nodes.map((n) => ({
        id: n.id,
        name: n.name,
        op: n.op.kind,
        shape: n.shape,
        params: n.params.reduce((s, p) => s + p.shape.reduce((a, d) => a * d, 1), 0),
      })),
      edges: graph.nodes.flatMap((n) => n.inputs.map((i): [number, number] => [i, n.id])),
      params: paramCount(graph),
      flops: space.flops ? space.flops(graph) : flops(graph),
    };
  } catch (error) {
    view = { error: `cannot build ${archStr.slice(0, 200)}: ${(error as Error).message}` };
  }
  graphs.set(key, view);
  if (graphs.size > 64) graphs.delete(graphs.keys().next().value!);
  return view;
}
