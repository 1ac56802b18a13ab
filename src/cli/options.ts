// Parsers for CLI option values: each throws a one-line error naming the flag (a plain Error, which
// commander passes through, so it ends as one `nasprobe: error: …` line without a usage hint).
import { accessSync, constants, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import type { Metric } from "../metrics/metric.js";
import { readOptionText, resolveOptions } from "../metrics/options.js";

/** Decimal digits only (no sign, exponent, hex or blanks) and exactly representable: ≤ 2^53 − 1. */
const safeInteger = (value: string): number | undefined => {
  if (!/^[0-9]+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
};

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = safeInteger(value);
    if (n === undefined || n <= 0)
      throw new Error(`${flag} needs a positive integer ≤ 2^53 − 1, got "${value}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = safeInteger(value);
    if (n === undefined) throw new Error(`${flag} needs an integer in [0, 2^53 − 1], got "${value}"`);
    return n;
  };
}

/**
 * Most ONNX Runtime threads a command takes: 4 per core, at least 64. More only cost memory and
 * start-up (`--threads 100000` grew past 4 GB and never started).
 */
export const MAX_THREADS = Math.max(64, 4 * availableParallelism());

/** A thread count in [1, MAX_THREADS]. */
export function threadCount(flag: string) {
  const parse = positiveInt(flag);
  return (value: string): number => {
    const n = parse(value);
    if (n > MAX_THREADS) throw new Error(`${flag} ${n}: at most ${MAX_THREADS} (4 per core) on this machine`);
    return n;
  };
}

export function shape(flag: string) {
  return (value: string): number[] => {
    const dims = value.split(/[x,]/).map((d) => safeInteger(d) ?? Number.NaN);
    if (dims.length > 3 || dims.some((d) => !Number.isInteger(d) || d <= 0 || d > 65_536)) {
      throw new Error(`${flag} needs C,H,W (e.g. 3,32,32) or F for flat inputs, got "${value}"`);
    }
    return dims;
  };
}

/**
 * What `--set owner.option=value` may set: a metric, whose option schema reads and checks the value,
 * or an owner's plain defaults (an algorithm's), whose types the value is read as.
 */
export type SetOwner = Metric | Readonly<Record<string, unknown>>;

const isMetric = (owner: SetOwner): owner is Metric =>
  typeof (owner as Metric).resolve === "function" && typeof (owner as Metric).options === "object";

/**
 * `--set owner.option=value` items, each checked against its owner (see SetOwner) as it is read, so
 * a bad value is one error line naming the item and what is allowed
 * (`--set naswot.batchSize=-3: must be an integer ≥ 1`), and an unknown option lists the known ones.
 * `unknownOwner` words the error for an owner the command does not take.
 */
export function parseSetOptions(
  items: readonly string[],
  owners: Readonly<Record<string, SetOwner>>,
  unknownOwner: (item: string, owner: string) => string,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const m = /^([a-z_0-9]+)\.([A-Za-z]+)=(.+)$/.exec(item);
    if (!m) throw new Error(`--set expects name.option=value, got "${item}"`);
    const [, name, key, raw] = m as unknown as [string, string, string, string];
    const owner = owners[name];
    if (!owner) throw new Error(unknownOwner(item, name));
    let value: unknown;
    if (isMetric(owner)) {
      value = readOptionText(name, owner.options, key, raw, `--set ${item}`);
      resolveOptions(name, owner.options, { [key]: value }, () => `--set ${item}`);
    } else {
      if (!(key in owner))
        throw new Error(
          `--set ${item}: ${name} has no option ${key} (options: ${Object.keys(owner).join(", ") || "none"})`,
        );
      if (typeof owner[key] === "number") {
        value = raw.trim() === "" ? Number.NaN : Number(raw);
        if (!Number.isFinite(value)) throw new Error(`--set ${item}: not a number`);
      } else if (typeof owner[key] === "boolean") {
        if (raw !== "true" && raw !== "false") throw new Error(`--set ${item}: must be true or false`);
        value = raw === "true";
      } else value = raw;
    }
    out[name] = { ...out[name], [key]: value };
  }
  return out;
}

export { spaceTable } from "../benchmarks/spaceTable.js";

/** A stderr line `nasprobe: KIND: message` (KIND: note, warning). */
export const warn =
  (kind: "note" | "warning") =>
  (message: string): void => {
    process.stderr.write(`nasprobe: ${kind}: ${message}\n`);
  };

/**
 * Notes and warnings held back until `flush`, so that a command that fails after finding them ends
 * in its one error line only.
 */
export class DeferredNotes {
  private readonly held: Array<[kind: "note" | "warning", message: string]> = [];
  readonly note = (message: string): void => {
    this.held.push(["note", message]);
  };
  readonly warning = (message: string): void => {
    this.held.push(["warning", message]);
  };
  flush(): void {
    for (const [kind, message] of this.held.splice(0)) warn(kind)(message);
  }
}

/**
 * Throws a one-line error unless `path` is a readable regular file (symlinks followed): a missing
 * file, a directory, a FIFO (which would block the read) or a device is named as such.
 */
export function inputFile(path: string, what: string): void {
  if (path === "") throw new Error(`${what}: empty file name`);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${what} ${path}: file not found`);
    if (code === "ENOTDIR") throw new Error(`${what} ${path}: a part of the path is not a directory`);
    throw new Error(`${what} ${path}: cannot read (${code ?? String(err)})`);
  }
  if (st.isDirectory()) throw new Error(`${what} ${path}: is a directory, not a file`);
  if (!st.isFile()) throw new Error(`${what} ${path}: is not a regular file`);
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new Error(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * Makes a command refuse an option given twice (`--seed 1 --seed 2` would silently take the last):
 * one error line naming the flag. Variadic options (`--arch a b`) and `except` may repeat.
 */
export function refuseRepeatedOptions(command: Command, except: readonly string[] = []): Command {
  const seen = new Map<string, number>();
  for (const option of command.options) {
    if (option.variadic || except.includes(option.long ?? "")) continue;
    const name = option.name();
    command.on(`option:${name}`, () => {
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      if (n > 1) throw new Error(`${option.long ?? option.flags} is given more than once`);
    });
  }
  // Counted per parse: a program parsed again (in tests) starts afresh.
  command.hook("preAction", () => seen.clear());
  return command;
}
