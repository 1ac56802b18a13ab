// A benchmark table: one row per architecture, keyed by `arch_str`, with numeric columns
// (accuracies, FLOPs, params). Cells are parsed to numbers lazily, one column at a time, so a
// malformed cell only fails the column that is actually used.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

export const ARCH_COLUMN = "arch_str";

export interface BenchmarkTable {
  /** The file the table was read from (for messages). */
  readonly path: string;
  /** Header names in file order, `arch_str` included. */
  readonly columns: readonly string[];
  /** Architecture strings in row order. */
  readonly archStrs: readonly string[];
  /** Number of data rows. */
  readonly size: number;
  /** Whether the header has this column. */
  has(name: string): boolean;
  /**
   * The column as numbers, in row order (a fresh copy each call). Cells `nan`/`NaN` read as NaN;
   * anything else that is not a number throws, naming file, line and column.
   */
  column(name: string): Float64Array;
  /** Row index of an architecture string, or undefined when absent. */
  indexOf(archStr: string): number | undefined;
}

export interface ReadBenchmarkTableOptions {
  /** The column holding architecture keys (default `arch_str`; NAS-Bench-Macro's is `arch`). */
  keyColumn?: string;
  /** Columns that must be present and fully numeric; checked while reading. */
  required?: readonly string[];
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** Reads a benchmark CSV with an architecture-key column (`arch_str` unless told) plus numeric columns. */
export function readBenchmarkTable(path: string, opts: ReadBenchmarkTableOptions = {}): BenchmarkTable {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`benchmark table ${path}: file not found`);
    throw new Error(`benchmark table ${path}: cannot read (${(err as Error).message})`);
  }

  let parsed: ParsedRecord[];
  try {
    // `info` gives each record's source line, so errors can point at the file line.
    parsed = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as ParsedRecord[];
  } catch (err) {
    throw new Error(`benchmark table ${path}: CSV syntax error (${(err as Error).message})`);
  }

  const header = parsed[0];
  if (header === undefined) throw new Error(`benchmark table ${path}: file is empty`);
  const columns = header.record;
  const available = `available: ${columns.join(", ")}`;
  const columnIndex = new Map<string, number>();
  columns.forEach((name, i) => {
    if (columnIndex.has(name)) throw new Error(`benchmark table ${path}: duplicate column "${name}"`);
    columnIndex.set(name, i);
  });
  const keyColumn = opts.keyColumn ?? ARCH_COLUMN;
  const archCol = columnIndex.get(keyColumn);
  if (archCol === undefined)
    throw new Error(`benchmark table ${path}: no "${keyColumn}" column (${available})`);
  for (const name of opts.required ?? []) {
    if (!columnIndex.has(name))
      throw new Error(`benchmark table ${path}: no "${name}" column (${available})`);
  }

  const rows = parsed.slice(1);
  const archStrs: string[] = [];
  const rowOf = new Map<string, number>();
  rows.forEach(({ record, info }, i) => {
    if (record.length !== columns.length) {
      throw new Error(
        `benchmark table ${path}: line ${info.lines} has ${record.length} cells, header has ${columns.length}`,
      );
    }
    const arch = record[archCol]!;
    if (arch === "") throw new Error(`benchmark table ${path}: line ${info.lines}: empty "${keyColumn}"`);
    const first = rowOf.get(arch);
    if (first !== undefined) {
      throw new Error(
        `benchmark table ${path}: line ${info.lines}: duplicate ${keyColumn} "${arch}" (first on line ${rows[first]!.info.lines})`,
      );
    }
    rowOf.set(arch, i);
    archStrs.push(arch);
  });

  const cache = new Map<string, Float64Array>();
  const numericColumn = (name: string): Float64Array => {
    const cached = cache.get(name);
    if (cached) return cached;
    const col = columnIndex.get(name);
    if (col === undefined) throw new Error(`benchmark table ${path}: no "${name}" column (${available})`);
    const values = new Float64Array(rows.length);
    rows.forEach(({ record, info }, i) => {
      const cell = record[col]!;
      const explicitNaN = cell.toLowerCase() === "nan";
      // Number("") is 0, so an empty cell must be caught before conversion.
      const value = explicitNaN || cell === "" ? Number.NaN : Number(cell);
      if (Number.isNaN(value) && !explicitNaN) {
        throw new Error(
          `benchmark table ${path}: line ${info.lines}, column "${name}": not a number: "${cell}"`,
        );
      }
      values[i] = value;
    });
    cache.set(name, values);
    return values;
  };
  for (const name of opts.required ?? []) numericColumn(name);

  return {
    path,
    columns,
    archStrs,
    size: rows.length,
    has: (name) => columnIndex.has(name),
    column: (name) => numericColumn(name).slice(),
    indexOf: (archStr) => rowOf.get(archStr),
  };
}
