// Whole-space tables of the forward training-free values, one CSV row per architecture, like
// NAS-Bench-Suite-Zero's: NB201's 15,625 cells, NAS-Bench-Macro's 6,561 networks and the 172
// distinct NB101 cells of the NASLib subset, from the `nasprobe score` records in docs/results.
// NB201's linear regions come twice (zc-all-15625, and the ranker's own count): they must agree.
//   node --import tsx bench/full-space-table.ts
import { writeFileSync } from "node:fs";
import { stringify } from "csv-stringify/sync";
import { readJsonl } from "../src/store/jsonl.js";

const log = (line: string) => process.stdout.write(`${line}\n`);

function table(files: readonly string[], columns: readonly string[], out: string, key = "arch_str"): void {
  const rows = new Map<string, Record<string, unknown>>();
  let disagree = 0;
  for (const file of files)
    for (const r of readJsonl<Record<string, unknown>>(file)) {
      const arch = r.arch_str as string;
      const row = rows.get(arch) ?? {};
      for (const c of columns) {
        if (!(c in r)) continue;
        if (c in row && row[c] !== r[c]) disagree++;
        row[c] = r[c];
      }
      rows.set(arch, row);
    }
  const complete = [...rows.values()].filter((row) => columns.every((c) => c in row)).length;
  writeFileSync(
    out,
    stringify(
      [...rows].map(([arch, row]) => [arch, ...columns.map((c) => (row[c] === null ? "nan" : row[c]))]),
      { header: true, columns: [key, ...columns] },
    ),
  );
  log(
    `${out}: ${rows.size} architectures, ${complete} with every column; ${disagree} values that two files give differently`,
  );
}

table(
  [
    "docs/results/zc-all-15625.jsonl",
    "docs/results/zc-ranker-15625.jsonl",
    "docs/results/zc-naswot-15625.jsonl",
  ],
  ["params", "flops", "linear_regions", "naswot", "meco", "meco_opt", "ranker"],
  "docs/results/nb201-zero-cost.csv",
);
table(
  ["docs/results/nbmacro-ranker.jsonl"],
  ["params", "flops", "meco", "meco_opt", "ranker"],
  "docs/results/nbmacro-zero-cost.csv",
  "arch",
);
table(
  ["docs/results/nb101-ranker.jsonl"],
  ["params", "flops", "meco", "meco_opt", "ranker"],
  "docs/results/nb101-zero-cost.csv",
);
