// `npm run bench:browser`: seconds per NB201 architecture for each metric the scoring page offers,
// computed in Chromium's tab by ONNX Runtime Web (WASM; one thread as on a plain static host, and
// with threads as the dashboard's cross-origin-isolated /score/ page gets) beside Node's
// onnxruntime-node on the same images, and how far the values differ. Prints figures and ratios;
// asserts nothing. Needs Debian's chromium.
//   node --import tsx bench/browser.bench.ts [--archs N]
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { SCORE_PAGE_DATA_SEED } from "../src/app/scorePage.js";
import { DEFAULT_DATASET } from "../src/data/index.js";
import { BROWSER_METRICS } from "../src/metrics/browser.js";
import { metricScorer } from "../src/metrics/scorer.js";
import { nb201 } from "../src/spaces/nb201.js";
import { Rng } from "../src/util/random.js";
import { chromiumMissing, launchChromium } from "../src/web/testing/browser.js";
import { scoreInPage, serveStaticScorePage, waitReady } from "../src/web/testing/scorePage.js";

const log = (line = "") => process.stdout.write(`${line}\n`);
const i = process.argv.indexOf("--archs");
const count = i >= 0 ? Number(process.argv[i + 1]) : 5;
const SEED = 0;
/** Appends `value` to table[row][column]. */
function record(table: Record<string, Record<string, number[]>>, row: string, column: string, value: number) {
  const cells = table[row] ?? {};
  table[row] = cells;
  cells[column] = [...(cells[column] ?? []), value];
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

if (chromiumMissing) {
  log(`browser bench skipped: ${chromiumMissing}`);
  process.exit(0);
}
const rng = new Rng(0, "browser-bench");
const archs = Array.from({ length: count }, () => nb201.format(nb201.sample(rng)));
const cores = availableParallelism();
const metrics = BROWSER_METRICS.filter((m) => m !== "params" && m !== "flops");

// Node: each metric alone per architecture, as `nasprobe score --metric M` (one and all threads).
const node: Record<string, Record<string, number[]>> = {};
const nodeValues: Record<string, Record<string, number[]>> = {};
for (const threads of [1, cores]) {
  for (const metric of metrics) {
    const scorer = metricScorer({
      space: nb201,
      data: DEFAULT_DATASET,
      dataSeed: SCORE_PAGE_DATA_SEED,
      seed: SEED,
      runtime: { threads },
      metrics: [metric],
    });
    for (const arch of archs) {
      const r = await scorer.score(arch);
      record(node, metric, String(threads), r.seconds[metric]!);
      if (threads === 1) record(nodeValues, metric, "value", r.values[metric]!);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), "nasprobe-browser-bench-"));
const browser = await launchChromium();
const web: Record<string, Record<string, number[]>> = {};
let worst: Record<string, number> = {};
try {
  for (const isolated of [false, true]) {
    const site = await serveStaticScorePage(join(dir, String(isolated)), isolated);
    const page = await browser.newPage();
    await page.goto(site.url);
    await waitReady(page);
    const threads = await page.evaluate(() => (globalThis.crossOriginIsolated ? "threads" : "1 thread"));
    for (const metric of metrics)
      for (const [k, arch] of archs.entries()) {
        const r = await scoreInPage(page, { space: "nb201", arch }, [metric], SEED);
        record(web, metric, threads, r[metric]!.seconds);
        const ours = nodeValues[metric]!.value![k]!;
        const rel = Math.abs(r[metric]!.value! - ours) / Math.abs(ours);
        worst = { ...worst, [metric]: Math.max(worst[metric] ?? 0, rel) };
      }
    await page.close();
    await site.close();
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}

log(
  `Scoring page vs Node: median seconds per NB201 cell (${count} cells, 1×28×28 Fashion-MNIST, seed ${SEED})`,
);
log(
  `metric   | Node 1 thread | Node ${cores} threads | tab 1 thread | tab WASM threads (${cores}) | tab/Node (1 thread) | max relative difference`,
);
for (const metric of metrics) {
  const n1 = median(node[metric]!["1"]!);
  const nAll = median(node[metric]![String(cores)]!);
  const w1 = median(web[metric]!["1 thread"]!);
  const wAll = median(web[metric]!.threads!);
  log(
    `${metric.padEnd(8)} | ${n1.toFixed(3).padStart(13)} | ${nAll.toFixed(3).padStart(14)} | ${w1.toFixed(3).padStart(12)} | ${wAll.toFixed(3).padStart(24)} | ${(w1 / n1).toFixed(2).padStart(18)}× | ${worst[metric]!.toExponential(1)}`,
  );
}
