// The shared backend: PostgreSQL through Kysely and `pg`. Writes are READ COMMITTED transactions
// that lock the study's row first (FOR UPDATE), which orders all allocations and finishes of one
// study; serialization failures and deadlocks are retried. The schema is created or migrated under
// an advisory lock, so workers starting at once do not race.
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrate, type StoreDatabase, schemaState } from "./schema.js";
import { type Db, retrying, type SqlBackend, sqlStorage } from "./sqlStore.js";
import type { Storage } from "./study.js";

export const isPostgresUrl = (spec: string): boolean => /^postgres(ql)?:\/\//.test(spec);

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgresql://…";
  }
}

const RETRIABLE = new Set(["40001", "40P01", "23505"]);
const isRetriable = (error: unknown) => RETRIABLE.has((error as { code?: string }).code ?? "");

// Any fixed key: it serialises nasprobe's schema changes against each other on one database.
const SCHEMA_LOCK = 0x6e617370;

export async function openPostgresStorage(
  url: string,
  options: { readOnly?: boolean; mustExist?: boolean } = {},
): Promise<Storage> {
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => undefined); // an idle client's lost connection surfaces on the next query
  const db: Db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  const write = <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
    retrying(() => db.transaction().execute(fn), isRetriable);
  const readOnly = options.readOnly ?? false;
  try {
    const state = await schemaState(db);
    // A worker joins a study: on a database without nasprobe's schema it creates none.
    if (options.mustExist && state.kind === "empty") throw new Error("it holds no nasprobe study");
    if (readOnly) {
      if (state.kind === "empty") throw new Error("it holds no nasprobe study");
      if (state.kind !== "current") await migrate(db, "postgres", location);
    } else if (state.kind !== "current")
      await write(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`.execute(trx);
        await migrate(trx, "postgres", location);
      });
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new Error(`${location}: ${(error as Error).message}`);
  }
  const backend: SqlBackend = {
    db,
    dialect: "postgres",
    location,
    readOnly,
    write,
    close: () => db.destroy(),
  };
  return sqlStorage(backend);
}
