// The study store over Kysely: one implementation for both backends. Every write is one
// transaction that first takes the study's lock (SQLite: BEGIN IMMEDIATE holds the file; PostgreSQL:
// the study's row FOR UPDATE), so trial numbers, finish sequence numbers and proposal indices are
// allocated by the store, in one order that every worker sees.
import { type Kysely, type Selectable, sql } from "kysely";
import { canonicalJson, differences } from "../util/canonical.js";
import { processAlive } from "../util/process.js";
import {
  type Dialect,
  emptyTrial,
  type StoreDatabase,
  type StudiesTable,
  type TrialsTable,
} from "./schema.js";
import type {
  AllocateOptions,
  Allocation,
  Budget,
  Storage,
  Study,
  StudyConfig,
  StudyInfo,
  Trial,
  TrialResult,
  WorkerId,
} from "./study.js";

export type Db = Kysely<StoreDatabase>;

export interface SqlBackend {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly location: string;
  readonly readOnly: boolean;
  /** Runs `fn` in a write transaction (retried on lock conflicts). */
  write<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type TrialRow = Selectable<TrialsTable>;
type StudyRow = Selectable<StudiesTable>;

const parseJson = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

function toTrial(r: TrialRow): Trial {
  const opt = <K extends string, V>(key: K, value: V | null) =>
    (value === null ? {} : { [key]: value }) as Partial<Record<K, V>>;
  return {
    number: r.number,
    archStr: r.arch_str,
    state: r.state,
    proposal: parseJson(r.proposal),
    values: (parseJson(r.values_json) as Record<string, number | null> | undefined) ?? {},
    objectives: (parseJson(r.objectives_json) as (number | null)[] | undefined) ?? [],
    cost: r.cost ?? 0,
    seconds: r.seconds ?? 0,
    seed: r.seed,
    version: r.version,
    ...opt("reason", r.reason),
    ...opt("worker", r.worker_id),
    ...opt("startedAt", r.started_at),
    ...opt("heartbeatAt", r.heartbeat_ms === null ? null : new Date(r.heartbeat_ms).toISOString()),
    ...opt("finishedAt", r.finished_at),
    ...opt("finishSeq", r.finish_seq),
    ...opt("retriedBy", r.retried_by),
    ...opt("retryOf", r.retry_of),
  };
}

function toInfo(r: StudyRow): StudyInfo {
  return {
    name: r.name,
    config: JSON.parse(r.config) as StudyConfig,
    budget: JSON.parse(r.budget) as Budget,
    createdAt: r.created_at,
    version: r.version,
  };
}

/** Why a running trial's worker counts as lost, or undefined while it is alive. */
function lostBecause(t: TrialRow, me: WorkerId, nowMs: number, graceSeconds: number): string | undefined {
  if (t.worker_host === me.host && t.worker_pid !== null && !processAlive(t.worker_pid))
    return `worker ${t.worker_id} is gone (process ${t.worker_pid} ended before the trial finished)`;
  const beat = t.heartbeat_ms ?? 0;
  if (nowMs - beat > graceSeconds * 1000)
    return `worker ${t.worker_id ?? "?"} is lost (no heartbeat for ${((nowMs - beat) / 1000).toFixed(0)} s, grace ${graceSeconds} s)`;
  return undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

class SqlStudy implements Study {
  readonly label: string;

  constructor(
    private readonly b: SqlBackend,
    private readonly id: number,
    readonly name: string,
  ) {
    this.label = `${name} in ${b.location}`;
  }

  /** The study's row, locked for this transaction where the dialect needs it. */
  private async lock(trx: Db): Promise<StudyRow> {
    return trx
      .selectFrom("studies")
      .selectAll()
      .where("id", "=", this.id)
      .$if(this.b.dialect === "postgres", (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
  }

  async info(): Promise<StudyInfo> {
    return toInfo(
      await this.b.db.selectFrom("studies").selectAll().where("id", "=", this.id).executeTakeFirstOrThrow(),
    );
  }

  async trials(): Promise<Trial[]> {
    const rows = await this.b.db
      .selectFrom("trials")
      .selectAll()
      .where("study_id", "=", this.id)
      .orderBy("number")
      .execute();
    return rows.map(toTrial);
  }

  async finishedAfter(seq: number): Promise<Trial[]> {
    return (await this.finishedRows(this.b.db, seq)).map(toTrial);
  }

  private finishedRows(db: Db, seq: number) {
    return db
      .selectFrom("trials")
      .selectAll()
      .where("study_id", "=", this.id)
      .where("finish_seq", ">", seq)
      .orderBy("finish_seq")
      .execute();
  }

  async allocate(o: AllocateOptions): Promise<Allocation> {
    return this.b.write(async (trx) => {
      const study = await this.lock(trx);
      const nowMs = o.now?.() ?? Date.now();
      let next = study.next_number;
      const recovered: Trial[] = [];
      const running = await trx
        .selectFrom("trials")
        .selectAll()
        .where("study_id", "=", this.id)
        .where("state", "=", "running")
        .execute();
      // Sorted here, not by ORDER BY number, which makes SQLite walk every trial instead of the state index.
      running.sort((a, b) => a.number - b.number);
      const stillRunning: TrialRow[] = [];
      for (const t of running) {
        const why = t.worker_id === o.worker.id ? undefined : lostBecause(t, o.worker, nowMs, o.graceSeconds);
        if (why === undefined) {
          stillRunning.push(t);
          continue;
        }
        const retry = next++;
        await trx
          .updateTable("trials")
          .set({ state: "failed", reason: why, finished_at: iso(nowMs), retried_by: retry })
          .where("study_id", "=", this.id)
          .where("number", "=", t.number)
          .execute();
        await trx
          .insertInto("trials")
          .values({
            ...emptyTrial(this.id, retry, t.arch_str, t.seed, t.version),
            proposal: t.proposal,
            retry_of: t.number,
          })
          .execute();
        recovered.push(toTrial({ ...t, state: "failed", reason: why, retried_by: retry }));
      }
      // Retries took numbers: one update of the counter, whatever this allocation returns.
      if (next !== study.next_number)
        await trx.updateTable("studies").set({ next_number: next }).where("id", "=", this.id).execute();
      const holder = {
        state: "running" as const,
        worker_id: o.worker.id,
        worker_host: o.worker.host,
        worker_pid: o.worker.pid,
        started_at: iso(nowMs),
        heartbeat_ms: nowMs,
      };
      const waiting = (
        await trx
          .selectFrom("trials")
          .selectAll()
          .where("study_id", "=", this.id)
          .where("state", "=", "waiting")
          .execute()
      ).sort((a, b) => a.number - b.number)[0];
      if (waiting) {
        await trx
          .updateTable("trials")
          .set(holder)
          .where("study_id", "=", this.id)
          .where("number", "=", waiting.number)
          .execute();
        return { kind: "trial", trial: toTrial({ ...waiting, ...holder }), recovered };
      }
      const othersRunning = stillRunning.some((t) => t.worker_id !== o.worker.id);
      const stop = (why: "budget" | "exhausted"): Allocation =>
        othersRunning ? { kind: "wait", recovered } : { kind: "done", why, recovered };
      // Trials that count against the budget (all but lost ones, whose retries count instead) are
      // exactly the proposals made so far.
      if (o.budget.queries !== undefined && study.proposed_count >= o.budget.queries) return stop("budget");
      if (o.budget.cost !== undefined) {
        const spent = await trx
          .selectFrom("trials")
          .select((e) => e.fn.sum<number | string | null>("cost").as("c"))
          .where("study_id", "=", this.id)
          .where("finish_seq", "is not", null)
          .executeTakeFirstOrThrow();
        if (Number(spent.c ?? 0) >= o.budget.cost) return stop("budget");
      }
      const finished = (await this.finishedRows(trx, o.finishedAfter)).map(toTrial);
      const proposal = o.propose({
        finished,
        pending: stillRunning.map(toTrial),
        index: study.proposed_count,
      });
      if (!proposal) return stop("exhausted");
      const number = next++;
      const row = {
        ...emptyTrial(this.id, number, proposal.archStr, seedOf(study), study.version),
        ...holder,
        proposal: proposal.proposal === undefined ? null : JSON.stringify(proposal.proposal),
      };
      await trx.insertInto("trials").values(row).execute();
      await trx
        .updateTable("studies")
        .set({ next_number: next, proposed_count: study.proposed_count + 1 })
        .where("id", "=", this.id)
        .execute();
      return { kind: "trial", trial: toTrial(row), recovered };
    });
  }

  async heartbeat(number: number, worker: WorkerId, now = Date.now()): Promise<boolean> {
    const r = await this.b.db
      .updateTable("trials")
      .set({ heartbeat_ms: now })
      .where("study_id", "=", this.id)
      .where("number", "=", number)
      .where("state", "=", "running")
      .where("worker_id", "=", worker.id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finish(number: number, worker: WorkerId, result: TrialResult): Promise<boolean> {
    return this.b.write(async (trx) => {
      const study = await this.lock(trx);
      const held = await trx
        .selectFrom("trials")
        .select("number")
        .where("study_id", "=", this.id)
        .where("number", "=", number)
        .where("state", "=", "running")
        .where("worker_id", "=", worker.id)
        .executeTakeFirst();
      if (!held) return false;
      const seq = study.finish_count + 1;
      await trx.updateTable("studies").set({ finish_count: seq }).where("id", "=", this.id).execute();
      await trx
        .updateTable("trials")
        .set({
          state: result.state,
          values_json: JSON.stringify(result.values),
          objectives_json: JSON.stringify(result.objectives),
          cost: result.cost,
          seconds: result.seconds,
          reason: result.reason ?? null,
          finished_at: new Date().toISOString(),
          finish_seq: seq,
        })
        .where("study_id", "=", this.id)
        .where("number", "=", number)
        .execute();
      return true;
    });
  }

  async setBudget(budget: Budget): Promise<void> {
    await this.b.write((trx) =>
      trx
        .updateTable("studies")
        .set({ budget: canonicalJson(budget) })
        .where("id", "=", this.id)
        .execute(),
    );
  }

  async putAuxiliary(kind: string, archStr: string, values: Record<string, number | null>): Promise<void> {
    const row = { study_id: this.id, kind, arch_str: archStr, values_json: JSON.stringify(values) };
    await this.b.write((trx) =>
      trx
        .insertInto("auxiliary")
        .values(row)
        .onConflict((c) =>
          c.columns(["study_id", "kind", "arch_str"]).doUpdateSet({ values_json: row.values_json }),
        )
        .execute(),
    );
  }

  async auxiliary(kind: string): Promise<Map<string, Record<string, number | null>>> {
    const rows = await this.b.db
      .selectFrom("auxiliary")
      .select(["arch_str", "values_json"])
      .where("study_id", "=", this.id)
      .where("kind", "=", kind)
      .execute();
    return new Map(rows.map((r) => [r.arch_str, JSON.parse(r.values_json)]));
  }
}

const seedOf = (study: StudyRow): number => (JSON.parse(study.config) as StudyConfig).seed;

/** The Storage over a backend whose schema is current. */
export function sqlStorage(b: SqlBackend): Storage {
  const byName = (db: Db, name: string) =>
    db.selectFrom("studies").selectAll().where("name", "=", name).executeTakeFirst();
  return {
    location: b.location,
    readOnly: b.readOnly,
    async studies() {
      return (await b.db.selectFrom("studies").selectAll().orderBy("name").execute()).map(toInfo);
    },
    async study(name) {
      const row = await byName(b.db, name);
      return row ? new SqlStudy(b, row.id, row.name) : undefined;
    },
    async openStudy(name, config, version, budget) {
      if (b.readOnly) throw new Error(`${b.location} is open read-only`);
      const wanted = canonicalJson(config);
      return b.write(async (trx) => {
        const row = await byName(trx, name);
        if (row) {
          if (row.config !== wanted) {
            const diff = differences(JSON.parse(row.config), JSON.parse(wanted));
            throw new Error(
              `study ${name} in ${b.location} was created with other settings: ${diff.slice(0, 3).join("; ")}`,
            );
          }
          const text = canonicalJson(budget);
          if (Object.keys(budget).length > 0 && text !== row.budget)
            await trx.updateTable("studies").set({ budget: text }).where("id", "=", row.id).execute();
          return new SqlStudy(b, row.id, row.name);
        }
        const { id } = await trx
          .insertInto("studies")
          .values({
            name,
            config: wanted,
            budget: canonicalJson(budget),
            created_at: new Date().toISOString(),
            version,
            next_number: 0,
            finish_count: 0,
            proposed_count: 0,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return new SqlStudy(b, id, name);
      });
    },
    close: () => b.close(),
  };
}

/** Retries `fn` while `retriable(error)`, with a short random back-off, for up to `maxMs`. */
export async function retrying<T>(
  fn: () => Promise<T>,
  retriable: (error: unknown) => boolean,
  maxMs = 120_000,
): Promise<T> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!retriable(error) || Date.now() - start > maxMs) throw error;
      await new Promise((r) => setTimeout(r, Math.min(200, 2 + Math.random() * 5 * (attempt + 1))));
    }
  }
}

export { sql };
