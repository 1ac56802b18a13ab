// The dashboard's JSON API under /api: studies, a study's summary, pages of its trials, one trial,
// best-so-far series (per study and per name-prefix group), scatter and Pareto data, and a stream of
// change events (SSE). Every query parameter is checked and bounded; a malformed request answers
// 400 or 404 with `{ "error": "…" }`, never a stack trace.
import type { Context } from "hono";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { TRIAL_STATES, type TrialState } from "../../store/study.js";
import type { StudySource } from "./source.js";
import {
  axes,
  bestSoFarSeries,
  groupBand,
  MAX_FILTER_CHARS,
  MAX_PAGE,
  namePrefix,
  networkGraph,
  type OrderCache,
  type PageQuery,
  pareto,
  RequestError,
  scatter,
  studyGroups,
  termsOf,
  trialPage,
  trialRow,
  valueKeys,
} from "./views.js";

const MAX_NAME_CHARS = 200;
const MAX_OFFSET = 100_000_000;
const KEEPALIVE_MS = 15_000;

/** A whole number in [min, max] written in decimal digits, or the default when absent. */
function intParam(c: Context, name: string, min: number, max: number, fallback: number): number {
  const text = c.req.query(name);
  if (text === undefined || text === "") return fallback;
  if (!/^\d{1,12}$/.test(text)) throw new RequestError(`${name} must be a whole number, got ${quote(text)}`);
  const n = Number(text);
  if (n < min || n > max) throw new RequestError(`${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

function textParam(c: Context, name: string, max = MAX_FILTER_CHARS): string {
  const text = c.req.query(name) ?? "";
  if (text.length > max) throw new RequestError(`${name} is longer than ${max} characters`);
  return text;
}

const quote = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

function statesParam(c: Context): TrialState[] {
  const text = textParam(c, "state");
  if (text === "") return [];
  return text.split(",").map((s) => {
    if (!(TRIAL_STATES as readonly string[]).includes(s))
      throw new RequestError(`unknown state ${quote(s)} (${TRIAL_STATES.join(", ")})`);
    return s as TrialState;
  });
}

export interface ApiOptions {
  /** How often the event stream checks the storage for changes, in ms. */
  readonly pollMs?: number;
}

export function dashboardApi(source: StudySource, options: ApiOptions = {}): Hono {
  const pollMs = options.pollMs ?? 1000;
  const orders: OrderCache = new Map();
  const api = new Hono();

  const snapshot = async (c: Context) => {
    const name = c.req.param("name") ?? "";
    if (name.length > MAX_NAME_CHARS)
      throw new RequestError(`study name longer than ${MAX_NAME_CHARS} characters`);
    const snap = await source.snapshotOf(name);
    if (!snap) throw new RequestError(`no study ${quote(name)} in ${source.location}`, 404);
    return snap;
  };

  // Each request first brings the cached view up to date (cheap when the file is unchanged).
  api.use(async (_c, next) => {
    await source.sync();
    await next();
  });

  api.get("/studies", async (c) => {
    const infos = await source.studies();
    const studies = [];
    for (const info of infos) {
      const summary = await source.summary(info.name);
      const snap = await source.snapshotOf(info.name);
      studies.push({
        name: info.name,
        space: info.config.space,
        algo: info.config.algo,
        objectives: info.config.objectives,
        seed: info.config.seed,
        createdAt: info.createdAt,
        trials: summary?.trials ?? 0,
        byState: summary?.byState,
        best: summary?.best
          ? { number: summary.best.trial.number, value: summary.best.trial.objectives[0] ?? null }
          : null,
        front: summary?.front?.length ?? null,
        finishSeq: snap?.finishSeq ?? 0,
        group: namePrefix(info.name) ?? null,
      });
    }
    return c.json({
      location: source.location,
      studies,
      groups: studyGroups(infos.map((i) => i.name)),
    });
  });

  api.get("/studies/:name", async (c) => {
    const snap = await snapshot(c);
    const summary = (await source.summary(snap.name))!;
    const context = await source.context(snap.name);
    return c.json({
      name: snap.name,
      label: summary.label,
      info: summary.info,
      terms: termsOf(snap).map((t) => ({
        spec: t.spec,
        valueName: t.valueName,
        higherIsBetter: t.higherIsBetter,
      })),
      trials: summary.trials,
      byState: summary.byState,
      retried: summary.retried,
      cost: summary.cost,
      best: summary.best ? { trial: trialRow(summary.best.trial), benchmark: summary.best.benchmark } : null,
      front: summary.front?.map(trialRow) ?? null,
      valueKeys: valueKeys(snap.trials),
      axes: axes(snap, context?.table),
      finishSeq: snap.finishSeq,
      version: snap.version,
      spaceFound: context?.space !== undefined,
      tableFound: context?.table?.path ?? null,
    });
  });

  api.get("/studies/:name/trials", async (c) => {
    const snap = await snapshot(c);
    const order = c.req.query("order") ?? "asc";
    if (order !== "asc" && order !== "desc")
      throw new RequestError(`order must be asc or desc, got ${quote(order)}`);
    const query: PageQuery = {
      sort: textParam(c, "sort", 100) || "number",
      order,
      states: statesParam(c),
      arch: textParam(c, "arch"),
      worker: textParam(c, "worker"),
      offset: intParam(c, "offset", 0, MAX_OFFSET, 0),
      limit: intParam(c, "limit", 1, MAX_PAGE, 50),
    };
    return c.json(trialPage(snap, query, orders));
  });

  api.get("/studies/:name/trials/:number", async (c) => {
    const snap = await snapshot(c);
    const text = c.req.param("number");
    if (!/^\d{1,12}$/.test(text))
      throw new RequestError(`trial number must be a whole number, got ${quote(text)}`);
    const trial = snap.trials[Number(text)];
    if (!trial) throw new RequestError(`study ${snap.name} has no trial ${text}`, 404);
    const context = await source.context(snap.name);
    const row = context?.table?.indexOf(trial.archStr);
    const benchmark =
      context?.table && row !== undefined
        ? Object.fromEntries(
            context.table.columns
              .filter((col) => col !== "arch_str")
              .map((col) => [col, context.table!.column(col)[row]!])
              .filter(([, v]) => Number.isFinite(v)),
          )
        : {};
    return c.json({
      study: snap.name,
      trial: trialRow(trial),
      proposal: trial.proposal ?? null,
      benchmark,
      graph: context?.space
        ? networkGraph(context.space, trial.archStr)
        : { error: `space ${snap.info.config.space} cannot be loaded here` },
    });
  });

  api.get("/studies/:name/best-so-far", async (c) => {
    const snap = await snapshot(c);
    if (termsOf(snap).length !== 1)
      throw new RequestError(`study ${snap.name} is multi-objective: see its Pareto front`);
    return c.json(bestSoFarSeries(snap));
  });

  api.get("/groups/:prefix/best-so-far", async (c) => {
    const prefix = c.req.param("prefix");
    if (prefix.length > MAX_NAME_CHARS)
      throw new RequestError(`prefix longer than ${MAX_NAME_CHARS} characters`);
    const group = studyGroups((await source.studies()).map((s) => s.name)).find((g) => g.prefix === prefix);
    if (!group) throw new RequestError(`no group of studies named ${quote(prefix)}-N`, 404);
    const snaps = [];
    for (const name of group.studies) {
      const snap = (await source.snapshotOf(name))!;
      if (termsOf(snap).length === 1) snaps.push(snap);
    }
    return c.json(groupBand(prefix, snaps));
  });

  api.get("/studies/:name/scatter", async (c) => {
    const snap = await snapshot(c);
    const table = (await source.context(snap.name))?.table;
    const x = textParam(c, "x", 100) || "objective:0";
    const y = textParam(c, "y", 100) || (snap.info.config.objectives.length > 1 ? "objective:1" : "seconds");
    return c.json(scatter(snap, table, x, y));
  });

  api.get("/studies/:name/pareto", async (c) => c.json(pareto(await snapshot(c))));

  // One event per change of the storage: each study's trial count and highest finish sequence; a
  // comment line at least every KEEPALIVE_MS so that proxies keep an idle stream open.
  api.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      let last = "";
      let lastWrite = Date.now();
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      while (!closed) {
        try {
          await source.sync();
          const infos = await source.studies();
          const studies = [];
          for (const info of infos) {
            const snap = (await source.snapshotOf(info.name))!;
            const running = snap.trials.filter((t) => t.state === "running" || t.state === "waiting").length;
            studies.push({ name: info.name, trials: snap.trials.length, finishSeq: snap.finishSeq, running });
          }
          const data = JSON.stringify({ studies });
          if (data !== last) {
            last = data;
            lastWrite = Date.now();
            await stream.writeSSE({ event: "studies", data });
          } else if (Date.now() - lastWrite > KEEPALIVE_MS) {
            lastWrite = Date.now();
            await stream.write(": keep-alive\n\n");
          }
        } catch (error) {
          await stream.writeSSE({
            // Not "error": an EventSource delivers that name to its connection-error listeners.
            event: "storage-error",
            data: JSON.stringify({ error: (error as Error).message }),
          });
        }
        await stream.sleep(pollMs);
      }
    }),
  );

  api.notFound((c) =>
    c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path.slice(0, 200)}` }, 404),
  );
  api.onError((error, c) => {
    if (error instanceof RequestError) return c.json({ error: error.message }, error.status);
    // A storage that became unreadable (a file replaced while the server runs): say so, in one line.
    return c.json({ error: `cannot read ${source.location}: ${error.message.split("\n")[0]}` }, 503);
  });
  return api;
}
