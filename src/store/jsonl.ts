// Append-only JSON-lines result files. Each record is written with one appendFileSync call and
// fsync'd, so a crash leaves at most a partial last line; reading ignores it and the next append
// first cuts it off, so no complete record is ever lost or duplicated.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";

export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  const records: T[] = [];
  complete.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${path}: line ${i + 1} is not valid JSON`);
    }
  });
  return records;
}

export class JsonlWriter {
  private readonly fd: number;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      if (text.length > 0 && !text.endsWith("\n"))
        truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
    }
    this.fd = openSync(path, "a");
  }

  append(record: unknown): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
