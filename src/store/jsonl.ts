// Append-only JSON-lines result files. Each record is written with one write call and fsync'd, so a
// crash leaves at most a partial last line. Reading tells a complete last record that only lacks its
// newline (kept) from a torn one (left out, and reported to `onTorn`); the writer appends the missing
// newline, or cuts a torn last line off, before its first record, so no complete record is ever lost
// or duplicated. A file whose lines are not what the caller expects (`check`) is refused in one line
// naming the file and line, and never modified.
import {
  closeSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export interface JsonlReadOptions {
  /**
   * Checks one parsed line; returns why it does not belong in this file (the message names the file
   * and the line), or undefined. Runs on every complete line, the last one included.
   */
  check?: (value: unknown) => string | undefined;
  /**
   * Whether an unparseable last line without a newline may be the start of a record cut off by a
   * crash (default: it starts with "{"). One that may not makes the file refused.
   */
  mayBeTorn?: (tail: string) => boolean;
  /** Told about a torn last line (1-based line number), which is left out of the records. */
  onTorn?: (line: number) => void;
  /** What the file should be, for errors ("a nasprobe scores file"): `…; is it KIND?`. */
  kind?: string;
}

export interface JsonlContents<T> {
  records: T[];
  /** 1-based line number of each record. */
  lines: number[];
  /** The torn last line's 1-based number and byte offset, if the file ends in one. */
  torn?: { line: number; offset: number };
  /** Whether the file's last line is a complete record without its newline. */
  missingNewline: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `path`'s records and what state its end is in; a missing file has none. */
export function readJsonlContents<T = Record<string, unknown>>(
  path: string,
  opts: JsonlReadOptions = {},
): JsonlContents<T> {
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile())
      throw new Error(`${path}: ${st.isDirectory() ? "is a directory" : "is not a regular file"}`);
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { records: [], lines: [], missingNewline: false };
    if (code === undefined) throw err;
    throw new Error(`${path}: cannot read (${code})`);
  }
  const hint = opts.kind ? `; is it ${opts.kind}?` : "";
  const end = bytes.lastIndexOf(0x0a) + 1; // bytes after the last newline are the last line's
  let body: string;
  try {
    body = utf8.decode(bytes.subarray(0, end));
  } catch {
    throw new Error(`${path}: not UTF-8 text${hint || " (not a JSON-lines file)"}`);
  }
  const lines = body.split("\n");
  lines.pop(); // after the final newline
  const out: JsonlContents<T> = { records: [], lines: [], missingNewline: false };
  const take = (i: number, value: unknown) => {
    const why = opts.check?.(value);
    if (why !== undefined) throw new Error(`${path}: line ${i + 1}: ${why}${hint}`);
    out.records.push(value as T);
    out.lines.push(i + 1);
  };
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${path}: line ${i + 1} is not valid JSON${hint}`);
    }
    take(i, value);
  });
  if (end < bytes.length) {
    const number = lines.length + 1;
    const tail = bytes.subarray(end).toString("utf8");
    let value: unknown;
    let parsed = false;
    if (tail.trim() !== "") {
      try {
        value = JSON.parse(tail);
        parsed = true;
      } catch {
        // torn, or not JSON at all: decided below
      }
    }
    if (parsed) {
      take(number - 1, value);
      out.missingNewline = true;
    } else if (tail.trim() === "") {
      out.missingNewline = false; // trailing blanks: nothing to keep or cut
    } else {
      const mayBeTorn = opts.mayBeTorn ?? ((t: string) => t.trimStart().startsWith("{"));
      if (!mayBeTorn(tail)) throw new Error(`${path}: line ${number} is not valid JSON${hint}`);
      out.torn = { line: number, offset: end };
      opts.onTorn?.(number);
    }
  }
  return out;
}

/** The records of a JSON-lines file (none when it is missing); a torn last line is left out. */
export function readJsonl<T = Record<string, unknown>>(path: string, opts: JsonlReadOptions = {}): T[] {
  return readJsonlContents<T>(path, opts).records;
}

/**
 * Appends records to a JSON-lines file. Opening checks the whole file with `opts` (a file that fails
 * is refused and left as it is) and repairs its end: a complete last record gets its newline, a torn
 * last line is cut off. The file is created when missing (its directory must exist).
 */
export class JsonlWriter {
  private readonly fd: number;

  constructor(
    readonly path: string,
    opts: Omit<JsonlReadOptions, "onTorn"> = {},
  ) {
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (link?.isSymbolicLink() && !statSync(path, { throwIfNoEntry: false }))
      throw new Error(`${path}: is a dangling symbolic link; refusing to create its target`);
    const contents = readJsonlContents(path, opts);
    let fd: number;
    try {
      fd = openSync(path, "a");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new Error(`${path}: directory ${dirname(path)} does not exist`);
      throw new Error(`${path}: cannot open for appending (${code ?? String(err)})`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new Error(`${path}: is not a regular file`);
      if (contents.torn) truncateSync(path, contents.torn.offset);
      else if (contents.missingNewline) {
        writeSync(fd, "\n");
        fsyncSync(fd);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
  }

  append(record: unknown): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
