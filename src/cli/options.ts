// Parsers for CLI option values: each throws a one-line error naming the flag.
import { InvalidArgumentError } from "commander";
import {
  type BenchmarkTable,
  type ReadBenchmarkTableOptions,
  readBenchmarkTable,
} from "../benchmarks/table.js";
import type { Metric } from "../metrics/metric.js";
import { readOptionText, resolveOptions } from "../metrics/options.js";
import type { SearchSpace } from "../spaces/space.js";
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
    if (dims.length > 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new InvalidArgumentError(
        `${flag} needs C,H,W (e.g. 3,32,32) or F for flat inputs, got "${value}"`,
      );
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
      value =
        typeof owner[key] === "number" ? Number(raw) : typeof owner[key] === "boolean" ? raw === "true" : raw;
      if (typeof value === "number" && !Number.isFinite(value))
        throw new Error(`--set ${item}: not a number`);
    }
    out[name] = { ...out[name], [key]: value };
  }
  return out;
}

/**
 * `--table`, or the space's benchmark table beside the repository, read with the space's key
 * column; a one-line error when there is none.
 */
export function spaceTable(
  space: SearchSpace<unknown>,
  given: string | undefined,
  opts: ReadBenchmarkTableOptions = {},
): BenchmarkTable {
  const hook = space.benchmark;
  const path = given ?? (hook ? sharedDataPath(hook.table) : undefined);
  if (!path)
    throw new Error(
      hook
        ? `no benchmark table: pass --table FILE.csv (../shared/data/${hook.table} is absent)`
        : `space ${space.name} has no benchmark table: pass --table FILE.csv`,
    );
  return readBenchmarkTable(path, { ...opts, ...(hook ? { keyColumn: hook.keyColumn } : {}) });
}
