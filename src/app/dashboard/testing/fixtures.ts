// Test fixtures for the dashboard: a synthetic NB201 benchmark table, studies searched on it (zero
// cost), a 100k-trial study and file hashes.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { nb201 } from "../../../spaces/nb201.js";
import { emptyTrial } from "../../../store/schema.js";
import { openSqliteStorage } from "../../../store/sqlite.js";
import { Rng } from "../../../util/random.js";
import { VERSION } from "../../../version.js";
import { runSearch } from "../../search.js";

/** Every NB201 cell with a rugged but deterministic accuracy, its FLOPs and parameter count. */
export function syntheticTable(dir: string): string {
  const path = join(dir, "synthetic-nb201.csv");
  const rng = new Rng(0, "dashboard-table");
  const lines = ["arch_str,acc_200,acc_12,flops_M,params_M"];
  let i = 0;
  for (const arch of nb201.enumerate!()) {
    const convs = arch.filter((op) => op.startsWith("nor_conv")).length;
    const acc = 80 + 2 * convs + 3 * rng.uniform();
    lines.push(
      `${nb201.format(arch)},${acc.toFixed(4)},${(acc - 10).toFixed(4)},${(10 + 20 * convs + (i % 7)).toFixed(1)},${(0.1 + 0.1 * convs).toFixed(3)}`,
    );
    i++;
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

export interface StudyRequest {
  readonly storage: string;
  readonly study: string;
  readonly table: string;
  readonly algo?: string;
  readonly objective?: string;
  readonly budget: number;
  readonly seed?: number;
}

/** A study searched on the table (each trial costs a table lookup). */
export async function searchStudy(r: StudyRequest): Promise<void> {
  await runSearch(
    {
      algo: r.algo ?? "re",
      objective: r.objective ?? "table:acc_200",
      table: r.table,
      budget: r.budget,
      seed: r.seed ?? 0,
    },
    { storage: r.storage, study: r.study },
  );
}

/**
 * A study of `count` finished trials. The study and its schema come from the store; the trial rows
 * are inserted in one transaction, in the schema's own row shape (emptyTrial), because allocating
 * 100k trials one transaction at a time takes minutes.
 */
export async function bigStudy(
  path: string,
  name: string,
  count: number,
  twoObjectives = false,
): Promise<void> {
  const storage = await openSqliteStorage(path);
  const objectives = twoObjectives ? ["table:acc_200", "table:flops_M"] : ["table:acc_200"];
  await storage.openStudy(
    name,
    {
      space: "nb201",
      algo: twoObjectives ? "nsga2" : "rs",
      algoOptions: {},
      objectives,
      seed: 0,
      evaluation: {},
    },
    VERSION,
    { queries: count },
  );
  await storage.close();
  const db = new Database(path);
  try {
    const { id } = db.prepare("SELECT id FROM studies WHERE name = ?").get(name) as { id: number };
    const archs = [...nb201.enumerate!()].map((a) => nb201.format(a));
    const rows = db.prepare(
      `INSERT INTO trials (study_id, number, arch_str, state, proposal, values_json, objectives_json, cost,
       seconds, reason, seed, version, worker_id, worker_host, worker_pid, started_at, heartbeat_ms,
       finished_at, finish_seq, retry_of, retried_by)
       VALUES (@study_id, @number, @arch_str, @state, @proposal, @values_json, @objectives_json, @cost,
       @seconds, @reason, @seed, @version, @worker_id, @worker_host, @worker_pid, @started_at,
       @heartbeat_ms, @finished_at, @finish_seq, @retry_of, @retried_by)`,
    );
    const start = Date.parse("2026-01-01T00:00:00Z");
    db.transaction(() => {
      for (let n = 0; n < count; n++) {
        // Every 97th trial failed; the rest score a value that no sort can get right by accident.
        const failed = n % 97 === 13;
        const value = ((n * 7919) % 10007) / 100;
        const flops = ((n * 104_729) % 9973) / 10;
        rows.run({
          ...emptyTrial(id, n, archs[n % archs.length]!, 0, VERSION),
          state: failed ? "failed" : "complete",
          values_json: JSON.stringify(
            failed ? {} : { acc_200: value, ...(twoObjectives ? { flops_M: flops } : {}) },
          ),
          objectives_json: JSON.stringify(
            failed ? objectives.map(() => null) : twoObjectives ? [value, flops] : [value],
          ),
          cost: 0,
          seconds: 0.001 * (n % 13),
          reason: failed ? "synthetic failure" : null,
          worker_id: `host:${1000 + (n % 4)}:w`,
          worker_host: "host",
          worker_pid: 1000 + (n % 4),
          started_at: new Date(start + n * 1000).toISOString(),
          heartbeat_ms: start + n * 1000,
          finished_at: new Date(start + n * 1000 + 500).toISOString(),
          finish_seq: n + 1,
        });
      }
      db.prepare("UPDATE studies SET next_number = ?, finish_count = ?, proposed_count = ? WHERE id = ?").run(
        count,
        count,
        count,
        id,
      );
    })();
  } finally {
    db.close();
  }
}

export const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
