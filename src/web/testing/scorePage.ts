// Driving the scoring page (src/web/score) from tests and benchmarks: the static build served by a
// file server that knows nothing of nasprobe, and a scoring run through the page's own controls.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { pageAssets } from "../../app/dashboard/assets.js";

export interface StaticSite {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Writes the page's files into `dir` as the web build does (dist/web/score) and serves them by exact
 * name, with no isolation headers (what any static host gives) unless `isolated` (COOP/COEP, as the
 * dashboard sends: WASM threads).
 */
export async function serveStaticScorePage(dir: string, isolated = false): Promise<StaticSite> {
  mkdirSync(dir, { recursive: true });
  const types = new Map<string, string>();
  for (const [path, asset] of await pageAssets("score")) {
    const name = path === "/score/" ? "index.html" : path.slice("/score/".length);
    writeFileSync(join(dir, name), typeof asset.body === "string" ? asset.body : new Uint8Array(asset.body));
    types.set(name, asset.type);
  }
  const server: Server = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://x").pathname.slice(1) || "index.html";
    const type = types.get(name);
    if (!type) return void res.writeHead(404).end();
    const isolation = isolated
      ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" }
      : {};
    res.writeHead(200, { "content-type": type, ...isolation }).end(readFileSync(join(dir, name)));
  }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Waits until the page has loaded its images. */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById("status")?.textContent === "Ready.", null, {
    timeout: 60_000,
  });
}

export type PageScores = Record<string, { value: number | null; seconds: number }>;

/** Ticks exactly `metrics`, sets the seed, scores `what` (an .onnx path or a space's architecture) and reads the table. */
export async function scoreInPage(
  page: Page,
  what: { file: string } | { space: string; arch: string },
  metrics: readonly string[],
  seed: number,
): Promise<PageScores> {
  for (const box of await page.$$("#metrics input"))
    await box.setChecked(metrics.includes((await box.getAttribute("value"))!));
  await page.fill("#seed", String(seed));
  await page.evaluate(() => delete document.body.dataset.scored);
  if ("file" in what) await page.setInputFiles("#file", what.file);
  else {
    await page.selectOption("#space", what.space);
    await page.fill("#arch", what.arch);
    await page.click("#score");
  }
  await page.waitForFunction(() => document.body.dataset.scored, null, { timeout: 600_000 });
  const rows = await page.$$eval("#results tbody tr", (trs) =>
    (trs as HTMLTableRowElement[]).map((r) => [
      r.cells[0]!.textContent,
      (r.cells[1] as HTMLElement).dataset.number,
      r.cells[2]!.textContent,
    ]),
  );
  return Object.fromEntries(
    rows.map(([name, value, seconds]) => [
      name!,
      { value: value === "null" ? null : Number(value), seconds: Number(seconds) },
    ]),
  );
}
