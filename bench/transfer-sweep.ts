// The zero-label ranker's transfer sweeps (issue #13's protocol): `ranker` (with its parts MeCo,
// MeCo_opt and, where the space has a thin network, linear regions), params and FLOPs, at the
// settings chosen on NB201, unchanged, on the cells of bench/transferCells.ts, as `nasprobe score`
// records, one line per cell in docs/results/<space>-ranker.jsonl (not zc-*: those are NB201 sweeps), so a killed run resumes. The
// correlations are reported by bench/ranker-report.ts.
//   node --import tsx bench/transfer-sweep.ts --space nb101|nbmacro [--workers 2]
import { parseArgs } from "node:util";
import { scoreArchitectures } from "../src/app/score.js";
import { getSpace } from "../src/spaces/index.js";
import { JsonlWriter, readJsonl } from "../src/store/jsonl.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { transferCells } from "./transferCells.js";

const { values: args } = parseArgs({
  options: { space: { type: "string", default: "nb101" }, workers: { type: "string", default: "1" } },
});
const spaceName = args.space!;
const space = getSpace(spaceName);
const cifar = sharedDataPath("cifar10-subset");
if (!cifar) throw new Error("needs ../shared/data/cifar10-subset");

const out = `docs/results/${spaceName}-ranker.jsonl`;
const writer = new JsonlWriter(out);
const records = readJsonl<Record<string, unknown>>(out);
const start = performance.now();
let scored = 0;
await scoreArchitectures(
  {
    spaceName,
    space,
    spaceSource: spaceName,
    metrics: ["ranker", "params", "flops"],
    select: { archs: transferCells(spaceName).map((c) => c.arch) },
    seed: 0,
    data: `cifar10:${cifar}`,
    dataSeed: 0,
    overrides: {},
    workers: Number(args.workers),
  },
  {
    records: () => records,
    append: (r) => {
      writer.append(r);
      if (++scored % 50 === 0)
        process.stderr.write(
          `${scored} scored, ${((performance.now() - start) / 1000 / scored).toFixed(2)} s per cell\n`,
        );
    },
  },
);
writer.close();
