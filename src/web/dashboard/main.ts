/// <reference lib="dom" />
// The dashboard page: the study list, a study's charts and trial table (sorted, filtered and paged
// by the server), a trial's panel with its network drawn as a layered graph, and live updates from
// the server's event stream. Everything shown comes from /api; user data is set as text, never HTML.
import embed, { type Result } from "vega-embed";
import type { TopLevelSpec } from "vega-lite";
import type {
  bestSoFarSeries,
  GraphView,
  groupBand,
  pareto,
  scatter,
  trialPage,
  trialRow,
} from "../../app/dashboard/views.js";
import { bestSoFarSpec, paretoSpec, scatterSpec } from "../../reports/charts.js";
import { blockView, detailView, drawDag } from "./dag.js";

type TrialRow = ReturnType<typeof trialRow>;
type TrialPage = ReturnType<typeof trialPage>;

interface StudyListEntry {
  name: string;
  space: string;
  algo: string;
  objectives: string[];
  trials: number;
  byState?: Record<string, number>;
  best: { number: number; value: number | null } | null;
  front: number | null;
  finishSeq: number;
  group: string | null;
}

interface StudyList {
  location: string;
  studies: StudyListEntry[];
  groups: { prefix: string; studies: string[] }[];
}

interface StudyDetail {
  name: string;
  label: string;
  info: {
    config: { space: string; algo: string; seed: number; objectives: string[] };
    createdAt: string;
    version: string;
  };
  terms: { spec: string; valueName: string; higherIsBetter: boolean }[];
  trials: number;
  byState: Record<string, number>;
  retried: number;
  cost: number;
  best: { trial: TrialRow; benchmark: Record<string, number> } | null;
  front: TrialRow[] | null;
  axes: string[];
  finishSeq: number;
}

interface TrialDetail {
  study: string;
  trial: TrialRow;
  proposal: unknown;
  benchmark: Record<string, number>;
  graph: GraphView | { error: string };
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;

class ApiError extends Error {}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`/api${path}`);
  const body = (await response.json().catch(() => ({ error: `HTTP ${response.status}` }))) as T & {
    error?: string;
  };
  if (!response.ok) throw new ApiError(body.error ?? `HTTP ${response.status}`);
  return body;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; className?: string; attrs?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.text !== undefined) e.textContent = props.text;
  if (props.className) e.className = props.className;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return "—";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(4)
    : String(+v.toPrecision(6));
};

const seconds = (s: number) =>
  s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`;

function showMessage(text: string | undefined): void {
  const box = $("#message");
  box.hidden = text === undefined;
  box.textContent = text ?? "";
}

const state = {
  list: undefined as StudyList | undefined,
  study: undefined as string | undefined,
  detail: undefined as StudyDetail | undefined,
  sort: "number",
  order: "asc" as "asc" | "desc",
  filterState: "",
  filterArch: "",
  filterWorker: "",
  offset: 0,
  limit: 50,
  trial: undefined as number | undefined,
  lastSeen: new Map<string, string>(),
};

const views = new Map<string, Result>();

/** Renders a spec (charts.ts) into `target`; a click on a mark that carries a trial number opens it. */
async function chart(target: string, spec: TopLevelSpec): Promise<void> {
  views.get(target)?.finalize();
  const result = await embed($(target), spec, { actions: false, renderer: "svg" });
  result.view.addEventListener("click", (_event, item) => {
    const number = (item as { datum?: { number?: unknown } } | null | undefined)?.datum?.number;
    if (typeof number === "number") openTrial(number);
  });
  views.set(target, result);
}

/** A chart's size in px: its figure's width, at a fixed height (charts.ts sizes the whole image). */
const chartSize = (target: string) => ({
  width: Math.max(300, Math.min(1400, Math.floor($(target).clientWidth || 600))),
  height: 320,
});

// ---- routing: #study=NAME&trial=N

function readHash(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const study = params.get("study") ?? undefined;
  const trial = params.get("trial");
  state.trial = trial !== null && /^\d+$/.test(trial) ? Number(trial) : undefined;
  if (study !== state.study) {
    state.study = study;
    state.offset = 0;
    state.sort = "number";
    state.order = "asc";
  }
}

function writeHash(): void {
  const params = new URLSearchParams();
  if (state.study !== undefined) params.set("study", state.study);
  if (state.trial !== undefined) params.set("trial", String(state.trial));
  const hash = `#${params}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

// ---- study list

function renderStudies(list: StudyList): void {
  $("#location").textContent = list.location;
  const body = $("#studies tbody");
  body.replaceChildren(
    ...list.studies.map((s) => {
      const states = Object.entries(s.byState ?? {})
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ");
      const best =
        s.objectives.length > 1
          ? `${s.front ?? 0} on the front`
          : s.best
            ? `${fmt(s.best.value)} (trial ${s.best.number})`
            : "—";
      const row = el(
        "tr",
        { attrs: { "data-study": s.name }, ...(s.name === state.study ? { className: "selected" } : {}) },
        el("td", { text: s.name }),
        el("td", { text: s.space }),
        el("td", { text: s.algo }),
        el("td", { text: s.objectives.join(", ") }),
        el("td", { text: `${s.trials}${states ? ` (${states})` : ""}` }),
        el("td", { text: best, className: "num" }),
      );
      row.addEventListener("click", () => {
        location.hash = `study=${encodeURIComponent(s.name)}`;
      });
      return row;
    }),
  );
}

async function loadStudies(): Promise<void> {
  state.list = await api<StudyList>("/studies");
  renderStudies(state.list);
  if (state.study === undefined && state.list.studies.length > 0) {
    state.study = state.list.studies[0]!.name;
    writeHash();
  }
}

// ---- one study

async function loadStudy(): Promise<void> {
  const name = state.study;
  if (name === undefined) {
    $("#study").hidden = true;
    return;
  }
  const detail = await api<StudyDetail>(`/studies/${encodeURIComponent(name)}`);
  state.detail = detail;
  $("#study").hidden = false;
  $("#study-title").textContent = `${detail.name}: ${detail.info.config.algo} on ${detail.info.config.space}`;
  const states = Object.entries(detail.byState)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const best = detail.best
    ? `; best ${detail.terms[0]!.valueName} ${fmt(detail.best.trial.objectives[0])} (trial ${detail.best.trial.number})`
    : "";
  $("#study-summary").textContent =
    `objective ${detail.terms.map((t) => `${t.valueName} ${t.higherIsBetter ? "↑" : "↓"}`).join(", ")}, seed ${detail.info.config.seed}; ` +
    `${detail.trials} trials (${states || "none yet"}), cost ${fmt(detail.cost)} epochs${best}; created ${detail.info.createdAt} by nasprobe ${detail.info.version}`;
  fillAxes(detail);
  renderTableHead(detail);
  await Promise.all([loadTrials(), loadCharts()]);
}

let axesOf: string | undefined;

/**
 * Default scatter: the first objective against the first other benchmark column (a proxy against
 * ground truth; for a multi-objective study, its two objectives are the Pareto chart beside it).
 * A refresh of the same study keeps the axes chosen; another study starts from its defaults.
 */
function fillAxes(detail: StudyDetail): void {
  const objectives = new Set(detail.terms.map((t) => `table:${t.valueName}`));
  const column = detail.axes.find((a) => a.startsWith("table:") && a !== "table:index" && !objectives.has(a));
  const x = "objective:0";
  const y = column ?? (detail.terms.length > 1 ? "objective:1" : "seconds");
  const keep = axesOf === detail.name;
  axesOf = detail.name;
  for (const [id, fallback] of [
    ["#scatter-x", x],
    ["#scatter-y", y],
  ] as const) {
    const select = $<HTMLSelectElement>(id);
    const current = select.value;
    select.replaceChildren(
      ...detail.axes.map((a) => el("option", { text: axisName(a, detail), attrs: { value: a } })),
    );
    select.value = keep && detail.axes.includes(current) ? current : fallback;
  }
}

const axisName = (axis: string, detail: StudyDetail) =>
  axis.startsWith("objective:") ? `${detail.terms[Number(axis.slice(10))]?.valueName} (objective)` : axis;

async function loadCharts(): Promise<void> {
  const detail = state.detail;
  if (!detail) return;
  const name = encodeURIComponent(detail.name);
  const jobs: Promise<void>[] = [];
  const single = detail.terms.length === 1;
  $("#best-figure").hidden = !single;
  $("#pareto-figure").hidden = single;
  if (single)
    jobs.push(
      api<ReturnType<typeof bestSoFarSeries>>(`/studies/${name}/best-so-far`).then((s) =>
        chart(
          "#chart-best",
          bestSoFarSpec({
            title: `${s.study}: best ${s.valueName} so far`,
            xLabel: "trials finished",
            yLabel: s.valueName,
            series: [{ label: s.study, runs: [s.points.map((p) => p.best ?? Number.NaN)] }],
            ...chartSize("#chart-best"),
          }),
        ),
      ),
    );
  else
    jobs.push(
      api<ReturnType<typeof pareto>>(`/studies/${name}/pareto`).then((p) =>
        chart(
          "#chart-pareto",
          paretoSpec({
            title: `${detail.name}: ${p.y.name} against ${p.x.name}`,
            xLabel: p.x.name,
            yLabel: p.y.name,
            points: p.points,
            front: p.front,
            xLowerIsBetter: !p.x.higherIsBetter,
            yHigherIsBetter: p.y.higherIsBetter,
            ...chartSize("#chart-pareto"),
          }),
        ),
      ),
    );
  const group = state.list?.groups.find((g) => g.studies.includes(detail.name));
  $("#group-figure").hidden = !group || !single;
  if (group && single)
    jobs.push(
      api<ReturnType<typeof groupBand>>(`/groups/${encodeURIComponent(group.prefix)}/best-so-far`).then(
        (b) => {
          $("#group-caption").textContent = `${b.prefix}-*: ${b.studies.join(", ")}`;
          const runs = b.runs.map((r) => r.map((v) => v ?? Number.NaN));
          const own = runs[b.studies.indexOf(detail.name)];
          return chart(
            "#chart-group",
            bestSoFarSpec({
              title: `${b.prefix}-*: best ${b.valueName} so far over ${b.studies.length} studies`,
              xLabel: "trials finished",
              yLabel: b.valueName,
              series: [
                { label: `${b.prefix}-*`, runs },
                ...(own ? [{ label: detail.name, runs: [own] }] : []),
              ],
              ...chartSize("#chart-group"),
            }),
          );
        },
      ),
    );
  jobs.push(loadScatter());
  await Promise.all(jobs);
}

async function loadScatter(): Promise<void> {
  const detail = state.detail;
  if (!detail) return;
  const x = $<HTMLSelectElement>("#scatter-x").value;
  const y = $<HTMLSelectElement>("#scatter-y").value;
  const s = await api<ReturnType<typeof scatter>>(
    `/studies/${encodeURIComponent(detail.name)}/scatter?x=${encodeURIComponent(x)}&y=${encodeURIComponent(y)}`,
  );
  await chart(
    "#chart-scatter",
    scatterSpec({
      title: `${axisName(y, detail)} against ${axisName(x, detail)}${s.sampled ? ` (${s.points.length} of ${s.trials})` : ""}`,
      xLabel: axisName(x, detail),
      yLabel: axisName(y, detail),
      points: s.points,
      ...chartSize("#chart-scatter"),
    }),
  );
}

interface Column {
  title: string;
  sort?: string;
  cell(t: TrialRow): HTMLTableCellElement;
}

function columns(detail: StudyDetail): Column[] {
  const num = (v: number | null | undefined) => el("td", { text: fmt(v), className: "num" });
  return [
    { title: "#", sort: "number", cell: (t) => num(t.number) },
    {
      title: "state",
      sort: "state",
      cell: (t) => el("td", { text: t.state, className: `state-${t.state}` }),
    },
    ...detail.terms.map((term, i) => ({
      title: term.valueName,
      sort: `objective:${i}`,
      cell: (t: TrialRow) => num(t.objectives[i]),
    })),
    { title: "architecture", sort: "arch", cell: (t) => el("td", { text: t.archStr, className: "arch" }) },
    { title: "finished", sort: "finishSeq", cell: (t) => num(t.finishSeq) },
    {
      title: "seconds",
      sort: "seconds",
      cell: (t) => el("td", { text: seconds(t.seconds), className: "num" }),
    },
    { title: "worker", sort: "worker", cell: (t) => el("td", { text: t.worker ?? "—" }) },
  ];
}

function renderTableHead(detail: StudyDetail): void {
  const head = $("#trials thead tr");
  head.replaceChildren(
    ...columns(detail).map((c) => {
      const th = el("th", {
        text: c.title,
        className: `sortable${c.sort === state.sort ? ` sorted-${state.order}` : ""}`,
        attrs: c.sort ? { "data-sort": c.sort } : {},
      });
      th.addEventListener("click", () => {
        if (!c.sort) return;
        if (state.sort === c.sort) state.order = state.order === "asc" ? "desc" : "asc";
        else {
          state.sort = c.sort;
          // Objectives open best first.
          const term = c.sort.startsWith("objective:") ? detail.terms[Number(c.sort.slice(10))] : undefined;
          state.order = term ? (term.higherIsBetter ? "desc" : "asc") : "asc";
        }
        state.offset = 0;
        renderTableHead(detail);
        void loadTrials().catch(report);
      });
      return th;
    }),
  );
}

async function loadTrials(): Promise<void> {
  const detail = state.detail;
  if (!detail) return;
  const query = new URLSearchParams({
    sort: state.sort,
    order: state.order,
    offset: String(state.offset),
    limit: String(state.limit),
  });
  if (state.filterState) query.set("state", state.filterState);
  if (state.filterArch) query.set("arch", state.filterArch);
  if (state.filterWorker) query.set("worker", state.filterWorker);
  const page = await api<TrialPage>(`/studies/${encodeURIComponent(detail.name)}/trials?${query}`);
  const cols = columns(detail);
  $("#trials tbody").replaceChildren(
    ...page.rows.map((t) => {
      const row = el(
        "tr",
        {
          attrs: { "data-number": String(t.number) },
          ...(t.number === state.trial ? { className: "selected" } : {}),
        },
        ...cols.map((c) => c.cell(t)),
      );
      row.addEventListener("click", () => openTrial(t.number));
      return row;
    }),
  );
  const last = Math.min(page.total, page.offset + page.rows.length);
  $("#page-info").textContent =
    page.total === 0 ? "no trials" : `trials ${page.offset + 1}–${last} of ${page.total}`;
  $<HTMLButtonElement>("#page-prev").disabled = page.offset === 0;
  $<HTMLButtonElement>("#page-next").disabled = last >= page.total;
}

// ---- one trial

function openTrial(number: number): void {
  state.trial = number;
  writeHash();
  for (const row of document.querySelectorAll("#trials tbody tr"))
    row.classList.toggle("selected", row.getAttribute("data-number") === String(number));
  void loadTrial().catch(report);
}

async function loadTrial(): Promise<void> {
  const panel = $("#trial");
  if (state.trial === undefined || state.study === undefined) {
    panel.hidden = true;
    return;
  }
  const d = await api<TrialDetail>(`/studies/${encodeURIComponent(state.study)}/trials/${state.trial}`);
  const t = d.trial;
  panel.hidden = false;
  $("#trial-title").textContent = `trial ${t.number} of ${d.study} (${t.state})`;
  $("#trial-arch").textContent = t.archStr;
  const graph = d.graph;
  const controls = $("#trial-graph-controls");
  const target = $("#trial-graph");
  if ("error" in graph) {
    $("#trial-cost").textContent = graph.error;
    controls.replaceChildren();
    target.replaceChildren();
  } else {
    $("#trial-cost").textContent =
      `${graph.params.toLocaleString("en")} parameters, ${(graph.flops / 1e6).toFixed(2)} MFLOPs per sample (${graph.nodes.length} ops)`;
    const showBlocks = () => {
      target.replaceChildren(drawDag(blockView(graph), showBlock));
      controls.replaceChildren(el("span", { text: "network (click a block to open it)" }));
    };
    const showBlock = (block: string) => {
      target.replaceChildren(drawDag(detailView(graph, block)));
      const back = el("button", { text: "← whole network", attrs: { type: "button" } });
      back.addEventListener("click", showBlocks);
      controls.replaceChildren(back, el("span", { text: `block ${block}` }));
    };
    // A cell is what a search varies: open the first of the largest blocks, the whole network a click away.
    const sizes = new Map<string, number>();
    for (const n of graph.nodes)
      sizes.set(n.name.split("/")[0]!, (sizes.get(n.name.split("/")[0]!) ?? 0) + 1);
    const largest = Math.max(...sizes.values());
    const firstCell = largest > 1 ? [...sizes].find(([, n]) => n === largest)?.[0] : undefined;
    if (firstCell) showBlock(firstCell);
    else showBlocks();
  }
  const link = (n: number | null) => {
    if (n === null) return "—";
    const a = el("a", {
      text: `trial ${n}`,
      attrs: { href: `#study=${encodeURIComponent(d.study)}&trial=${n}` },
    });
    return a;
  };
  const rows: [string, Node | string][] = [
    ["state", t.state],
    ...(t.reason ? ([["reason", t.reason]] as [string, string][]) : []),
    ...Object.entries(t.values).map(([k, v]): [string, string] => [k, fmt(v)]),
    ...Object.entries(d.benchmark).map(([k, v]): [string, string] => [`table ${k}`, fmt(v)]),
    ["objectives", t.objectives.map(fmt).join(", ")],
    ["cost", `${fmt(t.cost)} epochs`],
    ["seconds", seconds(t.seconds)],
    ["worker", t.worker ?? "—"],
    ["started", t.startedAt ?? "—"],
    ["last heartbeat", t.heartbeatAt ?? "—"],
    ["finished", t.finishedAt ?? "—"],
    ["finish order", fmt(t.finishSeq)],
    ["retry of", link(t.retryOf)],
    ["retried by", link(t.retriedBy)],
    ["seed", String(t.seed)],
    ["nasprobe", t.version],
    ["proposal", d.proposal === null ? "—" : JSON.stringify(d.proposal)],
  ];
  $("#trial-fields tbody").replaceChildren(
    ...rows.map(([k, v]) => el("tr", { attrs: { "data-field": k } }, el("td", { text: k }), el("td", {}, v))),
  );
}

// ---- live updates

function connectEvents(): void {
  const live = $("#live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    live.className = "live on";
    live.textContent = "live";
  });
  source.addEventListener("error", () => {
    live.className = "live off";
    live.textContent = "reconnecting";
  });
  source.addEventListener("studies", (event) => {
    const { studies } = JSON.parse((event as MessageEvent<string>).data) as {
      studies: { name: string; trials: number; finishSeq: number; running: number }[];
    };
    let changed = false;
    let current = false;
    for (const s of studies) {
      const seen = `${s.trials}:${s.finishSeq}:${s.running}`;
      if (state.lastSeen.get(s.name) === seen) continue;
      state.lastSeen.set(s.name, seen);
      changed = true;
      if (s.name === state.study) current = true;
    }
    if (changed) retrying(loadStudies);
    if (current) retrying(refreshStudy);
  });
  // The server could not read its storage (a file being replaced): say so; the stream goes on.
  source.addEventListener("storage-error", (event) => {
    report(new Error((JSON.parse((event as MessageEvent<string>).data) as { error: string }).error));
  });
}

const RETRY_MS = 1000;
const retryTimers = new Map<() => Promise<void>, number>();

/**
 * Runs a reload; one that fails (the server briefly unable to read a file a writer is changing) is
 * tried again after RETRY_MS until it succeeds, since the change that prompted it may be the last
 * event the stream sends.
 */
function retrying(load: () => Promise<void>, afterFailure = false): void {
  if (retryTimers.has(load)) return;
  load().then(
    () => {
      if (afterFailure) showMessage(undefined);
    },
    (error: unknown) => {
      report(error);
      retryTimers.set(
        load,
        window.setTimeout(() => {
          retryTimers.delete(load);
          retrying(load, true);
        }, RETRY_MS),
      );
    },
  );
}

let refreshing: Promise<void> | undefined;
let again = false;

/** Re-reads the open study; updates arriving meanwhile are folded into one more refresh. */
async function refreshStudy(): Promise<void> {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await loadStudy();
      if (state.trial !== undefined) await loadTrial();
    } while (again);
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

function report(error: unknown): void {
  showMessage(error instanceof Error ? error.message : String(error));
}

// ---- start

async function route(): Promise<void> {
  document.body.dataset.ready = "false";
  readHash();
  showMessage(undefined);
  await loadStudies();
  await loadStudy();
  await loadTrial();
  document.body.dataset.ready = "true";
}

function bindControls(): void {
  $("#trial-close").addEventListener("click", () => {
    state.trial = undefined;
    writeHash();
    $("#trial").hidden = true;
  });
  $("#page-prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - state.limit);
    void loadTrials().catch(report);
  });
  $("#page-next").addEventListener("click", () => {
    state.offset += state.limit;
    void loadTrials().catch(report);
  });
  $("#filter-state").addEventListener("change", (e) => {
    state.filterState = (e.target as HTMLSelectElement).value;
    state.offset = 0;
    void loadTrials().catch(report);
  });
  for (const [id, key] of [
    ["#filter-arch", "filterArch"],
    ["#filter-worker", "filterWorker"],
  ] as const) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    $(id).addEventListener("input", (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state[key] = (e.target as HTMLInputElement).value;
        state.offset = 0;
        void loadTrials().catch(report);
      }, 250);
    });
  }
  for (const id of ["#scatter-x", "#scatter-y"])
    $(id).addEventListener("change", () => void loadScatter().catch(report));
  window.addEventListener("hashchange", () => void route().catch(report));
}

bindControls();
connectEvents();
void route().catch(report);
