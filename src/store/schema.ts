// The study schema, one for SQLite and PostgreSQL, as Kysely tables, and its migrations. The
// version lives in `meta`; a database written by a newer nasprobe is refused, an older one is
// migrated inside one transaction by the first writer that opens it.
import { type Generated, type Kysely, sql } from "kysely";
import { canonicalJson } from "../util/canonical.js";
import type { TrialState } from "./study.js";

export interface MetaTable {
  key: string;
  value: string;
}

export interface StudiesTable {
  id: Generated<number>;
  name: string;
  /** Canonical (sorted-key) JSON of the StudyConfig. */
  config: string;
  /** JSON of the Budget. */
  budget: string;
  created_at: string;
  version: string;
  /** The number the next trial gets; bumped inside the allocating transaction (the study's lock). */
  next_number: number;
  /** Finished trials so far; the next finish_seq is this + 1. */
  finish_count: number;
  /** Trials proposed so far (retries excluded): the next proposal's index. */
  proposed_count: number;
}

export interface TrialsTable {
  study_id: number;
  number: number;
  arch_str: string;
  state: TrialState;
  proposal: string | null;
  values_json: string | null;
  objectives_json: string | null;
  cost: number | null;
  seconds: number | null;
  reason: string | null;
  seed: number;
  version: string;
  worker_id: string | null;
  worker_host: string | null;
  worker_pid: number | null;
  started_at: string | null;
  heartbeat_ms: number | null;
  finished_at: string | null;
  finish_seq: number | null;
  retry_of: number | null;
  retried_by: number | null;
}

export interface AuxiliaryTable {
  study_id: number;
  kind: string;
  arch_str: string;
  values_json: string;
}

export interface StoreDatabase {
  meta: MetaTable;
  studies: StudiesTable;
  trials: TrialsTable;
  auxiliary: AuxiliaryTable;
}

export type Dialect = "sqlite" | "postgres";

/** A trial row with nothing but its identity: waiting, no result, no worker. */
export function emptyTrial(studyId: number, number: number, archStr: string, seed: number, version: string) {
  return {
    study_id: studyId,
    number,
    arch_str: archStr,
    state: "waiting" as const,
    proposal: null as string | null,
    values_json: null,
    objectives_json: null,
    cost: null,
    seconds: null,
    reason: null,
    seed,
    version,
    worker_id: null as string | null,
    worker_host: null as string | null,
    worker_pid: null as number | null,
    started_at: null as string | null,
    heartbeat_ms: null as number | null,
    finished_at: null,
    finish_seq: null,
    retry_of: null as number | null,
    retried_by: null,
  };
}

export const SCHEMA_VERSION = 2;

/** Creates the current schema in an empty database. */
async function createCurrent(db: Kysely<StoreDatabase>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("meta")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("studies")
    .addColumn("id", dialect === "postgres" ? "serial" : "integer", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("budget", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("next_number", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("finish_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("proposed_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable("trials")
    .addColumn("study_id", "integer", (c) => c.notNull().references("studies.id"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("arch_str", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) =>
      c.notNull().check(sql`state IN ('waiting', 'running', 'complete', 'failed', 'pruned')`),
    )
    .addColumn("proposal", "text")
    .addColumn("values_json", "text")
    .addColumn("objectives_json", "text")
    .addColumn("cost", "double precision")
    .addColumn("seconds", "double precision")
    .addColumn("reason", "text")
    // Seeds are safe integers (up to 2^53), which a double holds exactly and a 32-bit integer does not.
    .addColumn("seed", "double precision", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("worker_id", "text")
    .addColumn("worker_host", "text")
    .addColumn("worker_pid", "integer")
    .addColumn("started_at", "text")
    .addColumn("heartbeat_ms", "double precision")
    .addColumn("finished_at", "text")
    .addColumn("finish_seq", "integer")
    .addColumn("retry_of", "integer")
    .addColumn("retried_by", "integer")
    .addPrimaryKeyConstraint("trials_pk", ["study_id", "number"])
    .execute();
  await db.schema.createIndex("trials_finish_seq").on("trials").columns(["study_id", "finish_seq"]).execute();
  await db.schema.createIndex("trials_state").on("trials").columns(["study_id", "state"]).execute();
  await db.schema
    .createTable("auxiliary")
    .addColumn("study_id", "integer", (c) => c.notNull().references("studies.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("arch_str", "text", (c) => c.notNull())
    .addColumn("values_json", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("auxiliary_pk", ["study_id", "kind", "arch_str"])
    .execute();
  await db
    .insertInto("meta")
    .values({ key: "schema_version", value: String(SCHEMA_VERSION) })
    .execute();
}

/** The name a version-1 file's single study gets. */
export const V1_STUDY_NAME = "default";

interface V1Trial {
  number: number;
  arch_str: string;
  status: "running" | "complete" | "failed";
  values_json: string | null;
  objectives_json: string | null;
  cost: number | null;
  seconds: number | null;
  reason: string | null;
  seed: number;
  version: string;
  started_at: string;
  finished_at: string | null;
}

/**
 * Version 1: nasprobe 0.1's one-study SQLite file (tables study, trials, auxiliary; no meta). Its
 * study becomes `default`; finished trials keep their number and finish in number order (how they
 * ran); a trial left running by a crash is failed as lost and queued again, as a lost worker's is.
 */
async function migrateV1(db: Kysely<StoreDatabase>, dialect: Dialect): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: the version-1 tables are not in the current schema type.
  const old = db as unknown as Kysely<any>;
  await sql`ALTER TABLE trials RENAME TO v1_trials`.execute(db);
  await sql`ALTER TABLE auxiliary RENAME TO v1_auxiliary`.execute(db);
  await createCurrent(db, dialect);
  const meta = new Map(
    ((await old.selectFrom("study").selectAll().execute()) as { key: string; value: string }[]).map((r) => [
      r.key,
      r.value,
    ]),
  );
  const rows = (await old.selectFrom("v1_trials").selectAll().orderBy("number").execute()) as V1Trial[];
  const config = meta.get("config");
  if (config !== undefined) {
    const { id } = await db
      .insertInto("studies")
      .values({
        name: V1_STUDY_NAME,
        config: canonicalJson(JSON.parse(config)),
        budget: "{}",
        created_at: meta.get("created_at") ?? new Date().toISOString(),
        version: meta.get("version") ?? "0.1.0",
        next_number: 0,
        finish_count: 0,
        proposed_count: 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    let next = rows.length === 0 ? 0 : Math.max(...rows.map((r) => r.number)) + 1;
    let finished = 0;
    for (const r of rows) {
      const done = r.status !== "running";
      const retry = done ? null : next++;
      await db
        .insertInto("trials")
        .values({
          study_id: id,
          number: r.number,
          arch_str: r.arch_str,
          state: done ? r.status : "failed",
          proposal: null,
          values_json: r.values_json,
          objectives_json: r.objectives_json,
          cost: r.cost,
          seconds: r.seconds,
          reason: done ? r.reason : "its run ended before it finished (migrated from a version-1 study)",
          seed: r.seed,
          version: r.version,
          worker_id: null,
          worker_host: null,
          worker_pid: null,
          started_at: r.started_at,
          heartbeat_ms: null,
          finished_at: r.finished_at,
          finish_seq: done ? ++finished : null,
          retry_of: null,
          retried_by: retry,
        })
        .execute();
      if (retry !== null)
        await db
          .insertInto("trials")
          .values({ ...emptyTrial(id, retry, r.arch_str, r.seed, r.version), retry_of: r.number })
          .execute();
    }
    await db
      .updateTable("studies")
      .set({ next_number: next, finish_count: finished, proposed_count: rows.length })
      .where("id", "=", id)
      .execute();
    const aux = (await old.selectFrom("v1_auxiliary").selectAll().execute()) as {
      kind: string;
      arch_str: string;
      values_json: string;
    }[];
    for (const a of aux)
      await db
        .insertInto("auxiliary")
        .values({ study_id: id, ...a })
        .execute();
  }
  await sql`DROP TABLE v1_trials`.execute(db);
  await sql`DROP TABLE v1_auxiliary`.execute(db);
  await sql`DROP TABLE study`.execute(db);
}

export type SchemaState =
  | { readonly kind: "empty" }
  | { readonly kind: "current" }
  | { readonly kind: "old"; readonly version: number }
  | { readonly kind: "newer"; readonly version: number }
  | { readonly kind: "foreign"; readonly tables: readonly string[] };

/** What the database holds: nothing, the current schema, an older or newer one, or other tables. */
export async function schemaState(db: Kysely<StoreDatabase>): Promise<SchemaState> {
  const tables = (await db.introspection.getTables()).map((t) => t.name);
  if (tables.includes("meta")) {
    const row = await db
      .selectFrom("meta")
      .select("value")
      .where("key", "=", "schema_version")
      .executeTakeFirst();
    const version = Number(row?.value);
    if (!Number.isInteger(version)) return { kind: "foreign", tables };
    if (version === SCHEMA_VERSION) return { kind: "current" };
    return version > SCHEMA_VERSION ? { kind: "newer", version } : { kind: "old", version };
  }
  if (tables.length === 0) return { kind: "empty" };
  if (["study", "trials", "auxiliary"].every((t) => tables.includes(t))) return { kind: "old", version: 1 };
  return { kind: "foreign", tables };
}

/** Brings the database to the current schema; call inside the store's write transaction. */
export async function migrate(db: Kysely<StoreDatabase>, dialect: Dialect, location: string): Promise<void> {
  const state = await schemaState(db);
  switch (state.kind) {
    case "current":
      return;
    case "empty":
      return createCurrent(db, dialect);
    case "old":
      if (state.version === 1) return migrateV1(db, dialect);
      throw new Error(`${location}: no migration from study schema version ${state.version}`);
    case "newer":
      throw new Error(
        `${location} was written by a newer nasprobe (study schema ${state.version}; this one reads ${SCHEMA_VERSION})`,
      );
    case "foreign":
      throw new Error(
        `${location} is not a nasprobe study store (it holds other tables: ${state.tables.slice(0, 5).join(", ")})`,
      );
  }
}
