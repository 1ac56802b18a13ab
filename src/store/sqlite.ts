// The embedded study store: one SQLite file per study (better-sqlite3). WAL journal with
// synchronous=FULL, and every trial start and finish is its own transaction, so a SIGKILL at any
// moment loses at most the trial being evaluated and never a finished one.
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import type { StudyConfig, StudyInfo, StudyStore, Trial, TrialResult, TrialStatus } from "./study.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS study (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
  number INTEGER PRIMARY KEY,
  arch_str TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
  values_json TEXT,
  objectives_json TEXT,
  cost REAL,
  seconds REAL,
  reason TEXT,
  seed INTEGER NOT NULL,
  version TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE IF NOT EXISTS auxiliary (
  kind TEXT NOT NULL,
  arch_str TEXT NOT NULL,
  values_json TEXT NOT NULL,
  PRIMARY KEY (kind, arch_str)
);`;

interface TrialRow {
  number: number;
  arch_str: string;
  status: TrialStatus;
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

export interface OpenOptions {
  /** Refuse a path with no study instead of creating the file (for show/export). */
  readonly mustExist?: boolean;
}

export function openSqliteStudy(path: string, options: OpenOptions = {}): StudyStore {
  if (options.mustExist && !existsSync(path)) throw new Error(`no study at ${path}`);
  let db: Database.Database;
  try {
    db = new Database(path, options.mustExist ? { fileMustExist: true } : {});
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
  } catch (error) {
    throw new Error(`${path} is not a nasprobe study (${(error as Error).message})`);
  }
  const now = () => new Date().toISOString();
  const getMeta = db.prepare<[string], { value: string }>("SELECT value FROM study WHERE key = ?");
  const putMeta = db.prepare("INSERT INTO study (key, value) VALUES (?, ?)");
  const start = db.prepare(
    `INSERT OR REPLACE INTO trials (number, arch_str, status, seed, version, started_at)
     VALUES (@number, @archStr, 'running', @seed, @version, @startedAt)`,
  );
  const finish = db.prepare(
    `UPDATE trials SET status = @status, values_json = @values, objectives_json = @objectives, cost = @cost,
       seconds = @seconds, reason = @reason, finished_at = @finishedAt
     WHERE number = @number AND status = 'running'`,
  );
  const putAux = db.prepare(
    "INSERT OR REPLACE INTO auxiliary (kind, arch_str, values_json) VALUES (?, ?, ?)",
  );

  return {
    location: path,
    async info(): Promise<StudyInfo | undefined> {
      const config = getMeta.get("config");
      if (!config) return undefined;
      return {
        config: JSON.parse(config.value) as StudyConfig,
        createdAt: getMeta.get("created_at")!.value,
        version: getMeta.get("version")!.value,
      };
    },
    async create(config, version) {
      db.transaction(() => {
        putMeta.run("config", JSON.stringify(config));
        putMeta.run("created_at", now());
        putMeta.run("version", version);
      })();
    },
    async trials(): Promise<Trial[]> {
      const rows = db.prepare<[], TrialRow>("SELECT * FROM trials ORDER BY number").all();
      return rows.map((r) => ({
        number: r.number,
        archStr: r.arch_str,
        status: r.status,
        values: r.values_json ? JSON.parse(r.values_json) : {},
        objectives: r.objectives_json ? JSON.parse(r.objectives_json) : [],
        cost: r.cost ?? 0,
        seconds: r.seconds ?? 0,
        ...(r.reason !== null ? { reason: r.reason } : {}),
        seed: r.seed,
        version: r.version,
        startedAt: r.started_at,
        ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
      }));
    },
    async startTrial(t) {
      start.run({ ...t, startedAt: now() });
    },
    async finishTrial(number, result: TrialResult) {
      const changed = finish.run({
        number,
        status: result.status,
        values: JSON.stringify(result.values),
        objectives: JSON.stringify(result.objectives),
        cost: result.cost,
        seconds: result.seconds,
        reason: result.reason ?? null,
        finishedAt: now(),
      }).changes;
      if (changed !== 1) throw new Error(`${path}: trial ${number} is not running`);
    },
    async putAuxiliary(kind, archStr, values) {
      putAux.run(kind, archStr, JSON.stringify(values));
    },
    async auxiliary(kind) {
      const rows = db
        .prepare<[string], { arch_str: string; values_json: string }>(
          "SELECT arch_str, values_json FROM auxiliary WHERE kind = ?",
        )
        .all(kind);
      return new Map(rows.map((r) => [r.arch_str, JSON.parse(r.values_json)]));
    },
    async close() {
      db.close();
    },
  };
}
