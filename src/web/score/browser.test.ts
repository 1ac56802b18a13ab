// The scoring page in a real browser (playwright-core driving Debian's Chromium): a dropped .onnx
// written by `nasprobe export`, and the same architecture picked in the page, score in the tab with
// ONNX Runtime Web (WASM) as Node scores the architecture string with onnxruntime-node — the same
// metric code on the same images, so the values agree to float32 tolerance. Once as the static
// build on a plain file server (one WASM thread), once through `nasprobe dashboard` at /score/
// (cross-origin isolated: WASM threads). Skips visibly without /usr/bin/chromium.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type Dashboard, startDashboard } from "../../app/dashboard/server.js";
import { searchStudy, syntheticTable } from "../../app/dashboard/testing/fixtures.js";
import { SCORE_PAGE_DATA_SEED } from "../../app/scorePage.js";
import { cliBundle } from "../../cli/testing/cliBundle.js";
import { DEFAULT_DATASET } from "../../data/index.js";
import { paramCount } from "../../ir/cost.js";
import { type ArchScore, metricScorer } from "../../metrics/scorer.js";
import { nb201 } from "../../spaces/nb201.js";
import { scratchDirectories } from "../../util/scratch.js";
import { chromiumMissing, launchChromium, screenshot } from "../testing/browser.js";
import {
  type PageScores,
  type StaticSite,
  scoreInPage,
  serveStaticScorePage,
  waitReady,
} from "../testing/scorePage.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|";
const SEED = 3;
/** float32 in both runtimes, summed in float64: relative agreement far inside this. */
const TOLERANCE = 1e-6;
/**
 * SWAP counts distinct sign patterns, averaged over 32 draws: an activation within float32 rounding
 * of 0 (WASM and native kernels round differently) can flip one pattern, 1/32 of a count in ~45,000.
 */
const COUNT_TOLERANCE: Readonly<Record<string, number>> = { swap: 1e-5, swap_reg: 1e-5 };

const scratch = scratchDirectories("score-page");
let site: StaticSite;
let dashboard: Dashboard;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const onnxFile = join(scratch.root, "cell.onnx");

/** What `nasprobe score --space nb201 --arch ARCH --seed SEED --metric …` computes. */
function nodeScore(metrics: string[]): Promise<ArchScore> {
  return metricScorer({
    space: nb201,
    data: DEFAULT_DATASET,
    dataSeed: SCORE_PAGE_DATA_SEED,
    seed: SEED,
    runtime: { threads: 2 },
    metrics,
  }).score(ARCH);
}

function assertAgree(browserValues: PageScores, node: ArchScore, names: string[], where: string): void {
  for (const name of names) {
    const ours = node.values[name];
    const theirs = browserValues[name]?.value;
    assert.ok(
      typeof ours === "number" && typeof theirs === "number",
      `${where} ${name}: ${theirs} vs ${ours}`,
    );
    const relative = Math.abs(theirs - ours) / Math.max(Math.abs(ours), 1e-30);
    assert.ok(
      relative <= (COUNT_TOLERANCE[name] ?? TOLERANCE),
      `${where} ${name}: browser ${theirs}, Node ${ours} (relative ${relative})`,
    );
  }
  const report = names.map(
    (n) => `${n} ${browserValues[n]!.value} (${browserValues[n]!.seconds} s) vs ${node.values[n]}`,
  );
  process.stdout.write(`# ${where}: ${report.join("; ")}\n`);
}

describe("scoring page", { skip: chromiumMissing }, () => {
  before(async () => {
    // The static build: the page's files as the web build writes them, on a server that knows
    // nothing of nasprobe.
    site = await serveStaticScorePage(join(scratch.root, "static"));

    // The model a user would drop: `nasprobe export` at the page's image shape.
    const cli = cliBundle();
    execFileSync(
      process.execPath,
      [
        ...cli.args,
        "export",
        "--space",
        "nb201",
        "--arch",
        ARCH,
        "--input-shape",
        "1,28,28",
        "--classes",
        "10",
        "--out",
        onnxFile,
      ],
      { env: { ...process.env, ...cli.env }, stdio: ["ignore", "ignore", "pipe"] },
    );

    const table = syntheticTable(scratch.root);
    const storage = join(scratch.root, "studies.db");
    await searchStudy({ storage, study: "re", table, budget: 5 });
    dashboard = await startDashboard({ storage, port: 0 });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await site?.close();
  });

  it("the static build scores a dropped NB201 .onnx as Node scores its arch string (NASWOT, synflow, params, FLOPs)", async () => {
    await page.goto(site.url);
    await waitReady(page);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
    const metrics = ["naswot", "synflow", "params", "flops"];
    const scores = await scoreInPage(page, { file: onnxFile }, metrics, SEED);
    assertAgree(scores, await nodeScore(metrics), metrics, "static build, dropped .onnx, 1 thread");
    assert.match((await page.textContent("#model"))!, /^cell\.onnx \(.*Conv \d+.*features: /);
    await screenshot(page, "score-page-onnx.png", { fullPage: true, width: 1100 });
    assert.deepEqual(pageErrors, []);
  });

  it("through the dashboard (/score/, WASM threads) a picked architecture gets Node's values, SWAP included", async () => {
    // Reached from the dashboard's header link.
    await page.goto(dashboard.url);
    await page.click("header a.nav");
    await waitReady(page);
    assert.equal(page.url(), `${dashboard.url}score/`);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    const metrics = ["naswot", "swap", "synflow", "params", "flops"];
    const scores = await scoreInPage(page, { space: "nb201", arch: ARCH }, metrics, SEED);
    assertAgree(scores, await nodeScore(metrics), [...metrics, "swap_reg"], "dashboard, picked architecture");
    assert.match((await page.textContent("#status"))!, /on [2-9] thread\(s\)/);
    await screenshot(page, "score-page-arch.png", { fullPage: true, width: 1100 });
    assert.deepEqual(pageErrors, []);
  });

  it("a dropped file that is not ONNX gets one line, and the page keeps working", async () => {
    await page.goto(site.url);
    await waitReady(page);
    const junk = join(scratch.root, "notes.onnx");
    writeFileSync(junk, "these are not protobuf bytes\n");
    for (const box of await page.$$("#metrics input"))
      await box.setChecked((await box.getAttribute("value")) === "params");
    await page.setInputFiles("#file", junk);
    await page.waitForSelector("#status.error");
    const line = (await page.textContent("#status"))!;
    assert.match(line, /^not an ONNX model/);
    assert.ok(!line.includes("\n"));
    const scores = await scoreInPage(page, { space: "nb201", arch: ARCH }, ["params"], SEED);
    assert.equal(scores.params!.value, nb201Params());
    assert.deepEqual(pageErrors, []);
  });
});

function nb201Params(): number {
  return paramCount(nb201.build(nb201.parse(ARCH), { inputShape: [1, 28, 28], numClasses: 10 }));
}
