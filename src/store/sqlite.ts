// The embedded backend: a SQLite file (better-sqlite3) through Kysely. WAL journal with
// synchronous=FULL; every write is a BEGIN IMMEDIATE transaction, which holds the file against the
// other processes on it (they wait, up to the busy timeout, then retry), so several `nasprobe`
// processes can share one study file and a SIGKILL at any moment loses at most the running trial.
// Opening read-only never writes: no schema, no journal-mode switch, no file created.
import { existsSync, readFileSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { migrate, type StoreDatabase, schemaState } from "./schema.js";
import { type Db, retrying, type SqlBackend, sqlStorage } from "./sqlStore.js";
import type { Storage } from "./study.js";

export interface OpenOptions {
  /** Read only: refuse a path with no study store instead of creating one, and never write. */
  readonly readOnly?: boolean;
  /** Refuse a path with no file (a worker joins a study; it never creates a store). */
  readonly mustExist?: boolean;
}

const isBusy = (error: unknown) => /^SQLITE_(BUSY|LOCKED)/.test((error as { code?: string }).code ?? "");

function fail(path: string, error: unknown): never {
  const message = (error as Error).message;
  throw new Error(
    /file is not a database|malformed|not a database/i.test(message)
      ? `${path} is not a nasprobe study store (${message})`
      : `${path}: ${message}`,
  );
}

/**
 * A read-only connection that leaves no file behind. SQLite opens a WAL database read-only only with
 * its -shm and -wal files, which it creates and, being read-only, cannot remove. When there is no
 * -wal file no writer is live and the main file holds every committed transaction, so its bytes
 * are read as a snapshot (the header marked as rollback-journal, which an in-memory copy needs);
 * with a -wal file a writer is live and the files are already there, so the file is opened as is.
 */
function openForReading(path: string): Database.Database {
  if (existsSync(`${path}-wal`)) return new Database(path, { readonly: true, fileMustExist: true });
  const bytes = readFileSync(path);
  // Bytes 18 and 19 of a database header: file format write/read versions, 2 for WAL, 1 for legacy.
  if (bytes.length >= 100 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
  return new Database(bytes, { readonly: true });
}

export async function openSqliteStorage(path: string, options: OpenOptions = {}): Promise<Storage> {
  const readOnly = options.readOnly ?? false;
  const memory = path === ":memory:";
  if (!memory) {
    if ((readOnly || options.mustExist) && !existsSync(path)) throw new Error(`no study store at ${path}`);
    if (existsSync(path) && !statSync(path).isFile()) throw new Error(`${path} is not a file`);
  }
  let raw: Database.Database;
  try {
    raw = readOnly && !memory ? openForReading(path) : new Database(path);
    raw.pragma("busy_timeout = 10000");
  } catch (error) {
    fail(path, error);
  }
  const db: Db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: raw }) });
  const write = <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
    retrying(
      () =>
        db.connection().execute(async (conn) => {
          await sql`BEGIN IMMEDIATE`.execute(conn);
          try {
            const result = await fn(conn);
            await sql`COMMIT`.execute(conn);
            return result;
          } catch (error) {
            await sql`ROLLBACK`.execute(conn).catch(() => undefined);
            throw error;
          }
        }),
      isBusy,
    );
  const backend: SqlBackend = {
    db,
    dialect: "sqlite",
    location: path,
    readOnly,
    write,
    close: () => db.destroy(),
  };
  try {
    const state = await schemaState(db);
    if (readOnly) {
      if (state.kind === "empty") throw new Error(`${path} holds no nasprobe study`);
      if (state.kind === "old")
        throw new Error(
          `${path} is a study of an older nasprobe (schema ${state.version}); run \`nasprobe study migrate ${path}\` to upgrade it`,
        );
      // Anything but the current schema is refused by migrate's own message, without writing.
      if (state.kind !== "current") await migrate(db, "sqlite", path);
    } else {
      if (state.kind === "foreign" || state.kind === "newer") await migrate(db, "sqlite", path);
      if (!memory) raw.pragma("journal_mode = WAL");
      raw.pragma("synchronous = FULL");
      raw.pragma("foreign_keys = ON");
      if (state.kind !== "current") await write((trx) => migrate(trx, "sqlite", path));
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    fail(path, error);
  }
  return sqlStorage(backend);
}
