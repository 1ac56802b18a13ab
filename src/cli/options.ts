// Parsers for CLI option values: each throws a one-line error naming the flag.
import { InvalidArgumentError } from "commander";
import { sharedDataPath } from "../util/sharedData.js";

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} needs a positive integer, got "${value}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${flag} needs an integer ≥ 0, got "${value}"`);
    return n;
  };
}

export function shape(flag: string) {
  return (value: string): number[] => {
    const dims = value.split(/[x,]/).map(Number);
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new InvalidArgumentError(`${flag} needs C,H,W (e.g. 3,32,32), got "${value}"`);
    }
    return dims;
  };
}

/**
 * `--set owner.option=value` items (owner: a metric or an algorithm), each checked against its
 * owner's defaults and read as the default's type. `unknownOwner` words the error for an owner the
 * command does not take.
 */
export function parseSetOptions(
  items: readonly string[],
  defaultsByOwner: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  unknownOwner: (item: string, owner: string) => string,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const m = /^([a-z_0-9]+)\.([A-Za-z]+)=(.+)$/.exec(item);
    if (!m) throw new Error(`--set expects name.option=value, got "${item}"`);
    const [, owner, key, raw] = m as unknown as [string, string, string, string];
    const defaults = defaultsByOwner[owner];
    if (!defaults) throw new Error(unknownOwner(item, owner));
    if (!(key in defaults))
      throw new Error(
        `--set ${item}: ${owner} has no option ${key} (options: ${Object.keys(defaults).join(", ") || "none"})`,
      );
    const value =
      typeof defaults[key] === "number"
        ? Number(raw)
        : typeof defaults[key] === "boolean"
          ? raw === "true"
          : raw;
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`--set ${item}: not a number`);
    out[owner] = { ...out[owner], [key]: value };
  }
  return out;
}

/** The benchmark table commands use when no --table is given (under ../shared/data). */
export const DEFAULT_TABLE = "nb201/nb201.csv";

/** `--table`, or the default table beside the repository; a one-line error when neither exists. */
export function benchmarkTablePath(given: string | undefined): string {
  const path = given ?? sharedDataPath(DEFAULT_TABLE);
  if (!path)
    throw new Error(`no benchmark table: pass --table FILE.csv (../shared/data/${DEFAULT_TABLE} is absent)`);
  return path;
}
