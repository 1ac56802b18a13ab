// The transfer benchmarks' cells with accuracies, as canonical architecture strings, and their
// ground truth (bench/transfer-sweep.ts scores them, bench/ranker-report.ts rates the scores):
//   nb101:   the 263 NASLib cells of ../shared/data/nb101/nb101_naslib_dev.json (val_accuracy_108)
//   nbmacro: the 3,264 cells of ../shared/data/nbmacro/nbmacro_acc_dev.csv (mean_acc; test_acc_seed0)
import { readFileSync } from "node:fs";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { getSpace } from "../src/spaces/index.js";
import { sharedDataPath } from "../src/util/sharedData.js";

export interface TransferCell {
  readonly arch: string;
  /** Ground-truth columns by name. */
  readonly truth: Readonly<Record<string, number>>;
}

export function transferCells(name: string): TransferCell[] {
  const s = getSpace(name);
  if (name === "nb101") {
    const rows = JSON.parse(readFileSync(sharedDataPath("nb101/nb101_naslib_dev.json")!, "utf8")) as Array<{
      matrix: number[][];
      ops: string[];
      val_accuracy_108: number;
    }>;
    return rows.map((r) => ({
      arch: s.format(s.parse(JSON.stringify({ matrix: r.matrix, ops: r.ops }))),
      truth: { val_accuracy_108: r.val_accuracy_108 },
    }));
  }
  const table = readBenchmarkTable(sharedDataPath("nbmacro/nbmacro_acc_dev.csv")!, { keyColumn: "arch" });
  const columns = ["mean_acc", "test_acc_seed0"].map((c) => [c, table.column(c)] as const);
  return table.archStrs.map((a, i) => ({
    arch: s.format(s.parse(a)),
    truth: Object.fromEntries(columns.map(([c, v]) => [c, v[i]!])),
  }));
}
