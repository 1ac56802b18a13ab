// Test fixtures for the dashboard: a synthetic NB201 benchmark table, studies searched on it (zero
// cost), a 100k-trial study, file hashes and a PNG decoder for checking screenshots.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
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

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are). */
export function decodePng(png: Buffer): {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
} {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, color, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${color}, interlace ${interlace})`);
      channels = color === 6 ? 4 : 3;
    } else if (type === "IDAT") data.push(body);
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Standard deviation of the grey level over all pixels: near 0 for a blank image. */
export function greyDeviation(image: ReturnType<typeof decodePng>): { deviation: number; darkShare: number } {
  const { pixels, channels } = image;
  let sum = 0;
  let sumSq = 0;
  let dark = 0;
  const n = pixels.length / channels;
  for (let i = 0; i < pixels.length; i += channels) {
    const grey = (pixels[i]! + pixels[i + 1]! + pixels[i + 2]!) / 3;
    sum += grey;
    sumSq += grey * grey;
    if (grey < 128) dark++;
  }
  const mean = sum / n;
  return { deviation: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), darkShare: dark / n };
}
