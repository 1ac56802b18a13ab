// The dashboard page in a real browser (playwright-core driving Debian's Chromium): it loads real
// studies, sorts the trial table, opens a trial with its network drawing, shows a Pareto front, and
// shows the trials a running search adds without a reload. Screenshots go to
// test-artifacts/screenshots/ and must not be blank. Skips visibly without /usr/bin/chromium.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { type Dashboard, startDashboard } from "../../app/dashboard/server.js";
import { searchStudy, syntheticTable } from "../../app/dashboard/testing/fixtures.js";
import { openStorage } from "../../store/index.js";
import type { Trial } from "../../store/study.js";
import { scratchDirectories } from "../../util/scratch.js";
import { chromiumMissing, launchChromium, screenshot as saveScreenshot } from "../testing/browser.js";

const here = fileURLToPath(import.meta.url);
const repo = resolve(here, "../../../..");
const cliMain = join(repo, "src/cli/main.ts");
const skip = chromiumMissing;

const scratch = scratchDirectories("dashboard-browser");
const table = syntheticTable(scratch.root);
const file = join(scratch.root, "studies.db");
let dashboard: Dashboard;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function trialsOf(study: string): Promise<Trial[]> {
  const s = await openStorage(file, { readOnly: true });
  try {
    return await (await s.study(study))!.trials();
  } finally {
    await s.close();
  }
}

/** Saves a screenshot (test-artifacts/screenshots/NAME) and checks it is not blank. */
const screenshot = (name: string, fullPage = false) => saveScreenshot(page, name, { fullPage, width: 1400 });

const rowNumbers = () =>
  page.$$eval("#trials tbody tr", (rows) => rows.map((r) => Number(r.getAttribute("data-number"))));

/** A fresh load of the page at `#hash` (a hash change alone would keep the page). */
async function open(hash: string): Promise<void> {
  await page.goto("about:blank");
  await page.goto(`${dashboard.url}#${hash}`);
  await page.waitForSelector("body[data-ready=true]");
}

/** `nasprobe search` in a child process, adding trials to `study` up to `budget`; settles when it exits. */
function extendSearch(study: string, budget: number, seed: number) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      cliMain,
      "search",
      "--algo",
      "re",
      "--objective",
      "table:acc_200",
      "--table",
      table,
      "--budget",
      String(budget),
      "--seed",
      String(seed),
      "--storage",
      file,
      "--study",
      study,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise<void>((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`search exited with ${code}: ${stderr}`)),
    ),
  );
}

/** Rethrows a failed wait with what the page shows, so that a timeout says where the page stood. */
async function describePage(error: Error): Promise<never> {
  const shown = await page.evaluate(() =>
    ["#page-info", "#live", "#message", "#study-summary"].map(
      (id) => `${id}: ${document.querySelector(id)?.textContent}`,
    ),
  );
  throw new Error(`${error.message}\npage: ${shown.join("; ")}; page errors: ${pageErrors.join("; ")}`);
}

describe("dashboard page", { skip }, () => {
  before(async () => {
    await searchStudy({ storage: file, study: "re-1", table, budget: 30, seed: 1 });
    await searchStudy({ storage: file, study: "re-2", table, budget: 30, seed: 2 });
    await searchStudy({
      storage: file,
      study: "moo",
      table,
      algo: "nsga2",
      objective: "table:acc_200,table:flops_M",
      budget: 40,
      seed: 3,
    });
    dashboard = await startDashboard({ storage: file, port: 0, pollMs: 200 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  it("loads the studies, the first study's charts and its trial table", async () => {
    await open("");
    assert.deepEqual(
      await page.$$eval("#studies tbody tr", (rows) => rows.map((r) => r.getAttribute("data-study"))),
      ["moo", "re-1", "re-2"],
    );
    await open("study=re-1");
    assert.equal((await rowNumbers()).length, 30);
    assert.equal(await page.textContent("#page-info"), "trials 1–30 of 30");
    // Vega renders SVG marks: the best-so-far line, the group band of re-1 and re-2, the scatter's dots.
    await page.waitForSelector("#chart-best svg path.mark-line, #chart-best svg .mark-line path");
    await page.waitForSelector("#chart-group svg .mark-area path");
    assert.ok((await page.$$("#chart-scatter svg .mark-symbol path")).length >= 25);
    assert.match((await page.textContent("#study-summary"))!, /30 trials \(30 complete\)/);
    await screenshot("dashboard-study.png", true);
    assert.deepEqual(pageErrors, []);
  });

  it("sorts the trial table on the server by a click on a column", async () => {
    await open("study=re-1");
    const trials = await trialsOf("re-1");
    const best = [...trials].sort((a, b) => b.objectives[0]! - a.objectives[0]! || a.number - b.number);
    await page.click('th[data-sort="objective:0"]');
    await page.waitForSelector('th.sorted-desc[data-sort="objective:0"]');
    await page.waitForFunction(
      (n) => document.querySelector("#trials tbody tr")?.getAttribute("data-number") === String(n),
      best[0]!.number,
    );
    assert.deepEqual(
      await rowNumbers(),
      best.map((t) => t.number),
    );
    await page.click('th[data-sort="objective:0"]');
    await page.waitForFunction(
      (n) => document.querySelector("#trials tbody tr")?.getAttribute("data-number") === String(n),
      best[best.length - 1]!.number,
    );
    assert.equal((await rowNumbers())[0], best[best.length - 1]!.number);
  });

  it("opens a trial: architecture, network drawing, params, values, worker", async () => {
    await open("study=re-1");
    const trial = (await trialsOf("re-1"))[7]!;
    await page.click('#trials tbody tr[data-number="7"]');
    await page.waitForSelector("#trial:not([hidden]) #trial-graph svg g.dag-node");
    assert.equal(await page.textContent("#trial-arch"), trial.archStr);
    assert.match(
      (await page.textContent("#trial-cost"))!,
      /^[\d,]+ parameters, [\d.]+ MFLOPs per sample \(\d+ ops\)$/,
    );
    assert.equal(await page.textContent('#trial-fields tr[data-field="worker"] td:last-child'), trial.worker);
    assert.equal(
      Number(await page.textContent('#trial-fields tr[data-field="acc_200"] td:last-child')),
      trial.objectives[0],
    );
    // A cell drawn on its own: its ops plus the nodes feeding it.
    assert.ok((await page.$$("#trial-graph g.dag-node")).length >= 5);
    assert.match(page.url(), /trial=7$/);
    await screenshot("dashboard-trial.png");
    await page.click("#trial-graph-controls button");
    const blocks = await page.$$eval("#trial-graph g.dag-node", (nodes) => nodes.length);
    // NB201: input, stem, 3 stages of 5 cells, 2 reduction blocks, and the head's blocks.
    assert.ok(blocks >= 18 && blocks <= 30, `${blocks} blocks`);
  });

  it("shows the Pareto front of a multi-objective study", async () => {
    await open("study=moo");
    await page.waitForSelector("#chart-pareto svg .mark-line path");
    assert.equal(await page.isHidden("#best-figure"), true);
    // The scatter beside it shows something else: the first objective against a further table column.
    assert.equal(await page.$eval("#scatter-x", (s) => (s as HTMLSelectElement).value), "objective:0");
    assert.equal(await page.$eval("#scatter-y", (s) => (s as HTMLSelectElement).value), "table:acc_12");
    await screenshot("dashboard-pareto.png");
  });

  it("shows the trials a running search adds, without reloading", async () => {
    await open("study=re-2");
    assert.equal((await rowNumbers()).length, 30);
    await page.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    const search = extendSearch("re-2", 45, 2);
    // A failed search says why instead of timing out; after one that succeeds the page has a few
    // polls to show its last trial.
    await search
      .then(() => page.waitForSelector('#trials tbody tr[data-number="44"]', { timeout: 20_000 }))
      .catch(describePage);
    await page.waitForFunction(
      () => document.querySelector("#page-info")?.textContent === "trials 1–45 of 45",
    );
    assert.equal(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce), true);
    assert.equal(await page.textContent("#live"), "live");
    assert.match((await page.textContent("#study-summary"))!, /45 trials \(45 complete\)/);
    await screenshot("dashboard-live.png");
  });

  it("retries a reload the server failed, though no further change follows", async () => {
    await open("study=re-1");
    assert.equal((await rowNumbers()).length, 30);
    // Every read of the study fails while the search runs, so the page's last reload fails and
    // the stream has nothing more to announce once the search has ended.
    let refused = 0;
    const pattern = "**/api/studies/re-1**";
    await page.route(pattern, (route) => {
      refused++;
      return route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: "cannot read the store (test)" }),
      });
    });
    try {
      await extendSearch("re-1", 40, 1);
      await page.waitForSelector("#message:not([hidden])");
      assert.equal(await page.textContent("#message"), "cannot read the store (test)");
    } finally {
      await page.unroute(pattern);
    }
    assert.ok(refused > 0);
    await page.waitForSelector('#trials tbody tr[data-number="39"]', { timeout: 20_000 }).catch(describePage);
    assert.match((await page.textContent("#study-summary"))!, /40 trials \(40 complete\)/);
    assert.equal(await page.isHidden("#message"), true);
  });
});
