// Runs TE-NAS pruning (src/search/tenas.ts) on the CIFAR-10 subset for several seeds, looks each
// found cell up in the NB201 table and appends one JSON line per seed to docs/results/tenas.jsonl.
//
//   node --import tsx bench/tenas-run.ts --seeds 0,1,2 [--batch 72] [--repeats 3] [--threads 1]
//   node --import tsx bench/tenas-run.ts --time-one      # one candidate evaluation at these settings
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { loadDataset } from "../src/data/index.js";
import { tenasPrune } from "../src/search/tenas.js";
import { nb201 } from "../src/spaces/nb201.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "0" },
    batch: { type: "string", default: "72" },
    repeats: { type: "string", default: "3" },
    crops: { type: "string", default: "1000" },
    threads: { type: "string", default: "1" },
    out: { type: "string", default: "docs/results/tenas.jsonl" },
    "time-one": { type: "boolean", default: false },
  },
});

const dataDir = sharedDataPath("cifar10-subset");
const tablePath = sharedDataPath("nb201/nb201.csv");
if (!dataDir || !tablePath)
  throw new Error("needs ../shared/data/cifar10-subset and ../shared/data/nb201/nb201.csv");
const dataSpec = `cifar10:${dataDir}`;
const data = loadDataset(dataSpec, { seed: 0 }).train;
const runtime = { threads: Number(args.threads) };
const base = {
  space: nb201,
  data,
  runtime,
  ntk: { batchSize: Number(args.batch) },
  linearRegions: { batchSize: Number(args.crops) },
  repeats: Number(args.repeats),
};

if (args["time-one"]) {
  // The first round's current supernet plus one candidate: time per measurement of the full supernet.
  let last = 0;
  let count = 0;
  const start = performance.now();
  await tenasPrune({
    ...base,
    seed: 0,
    onEvaluation(info) {
      count++;
      const s = info.seconds - last;
      last = info.seconds;
      process.stdout.write(
        `round ${info.round} candidate ${info.done}/${info.roundTotal} (edge ${info.edge} −${info.op}): ${s.toFixed(1)} s\n`,
      );
      if (count === 2) {
        process.stdout.write(`elapsed ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
        process.exit(0);
      }
    },
  });
}

const table = readBenchmarkTable(tablePath);
const lookup = (column: string, arch: string) => {
  const i = table.indexOf(arch);
  return i === undefined ? null : table.column(column)[i]!;
};
mkdirSync(dirname(args.out), { recursive: true });
for (const seed of args.seeds.split(",").map(Number)) {
  const r = await tenasPrune({
    ...base,
    seed,
    onRound(info) {
      const pruned = info.pruned.map((p) => `e${p.edge}−${p.pruned}`).join(" ");
      process.stdout.write(
        `seed ${seed} round ${info.round}: κ ${info.originNtkCond.toFixed(1)}, regions ${info.originLinearRegions.toFixed(0)}; pruned ${pruned} (${info.evaluations} evaluations, ${info.seconds.toFixed(0)} s)\n`,
      );
    },
  });
  const record = {
    seed,
    arch_str: r.archStr,
    c10_test_200: lookup("c10_test_200", r.archStr),
    c10valid_valid_200: lookup("c10valid_valid_200", r.archStr),
    settings: {
      data: dataSpec.replace(/^cifar10:.*\//, "cifar10:../shared/data/"),
      data_seed: 0,
      ...r.settings,
    },
    seconds: Math.round(r.seconds * 10) / 10,
    evaluations: r.evaluations,
    ntk_runs: r.ntkRuns,
    region_runs: r.regionRuns,
    rounds: r.rounds,
    threads: runtime.threads,
  };
  appendFileSync(args.out, `${JSON.stringify(record)}\n`);
  process.stdout.write(
    `seed ${seed}: ${r.archStr} c10_test_200 ${record.c10_test_200} (${r.seconds.toFixed(0)} s)\n`,
  );
}
