// A space's benchmark table: the one given, or the space's own beside the repository (../shared/data),
// read with the space's key column; a one-line error when there is none.
import type { SearchSpace } from "../spaces/space.js";
import { sharedDataPath } from "../util/sharedData.js";
import { type BenchmarkTable, type ReadBenchmarkTableOptions, readBenchmarkTable } from "./table.js";

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
