// Browser tests' Chromium: Debian's (apt-get install chromium) driven by playwright-core, headless.
// Tests skip with the reason when it is missing. Screenshots land in test-artifacts/screenshots/ at
// the repository root, kept after the run for people to look at, and must not be blank.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { PNG } from "pngjs";

const REPO = resolve(fileURLToPath(import.meta.url), "../../../..");
export const SCREENSHOTS = join(REPO, "test-artifacts", "screenshots");

/** Debian's binary, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why browser tests cannot run here (a `skip` value), or false when they can. */
export const chromiumMissing: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
}

/** Standard deviation of the grey level over all pixels (near 0 for a blank image), and the dark share. */
export function greyDeviation(png: Buffer): { width: number; deviation: number; darkShare: number } {
  const image = PNG.sync.read(png);
  const { data, width, height } = image;
  let sum = 0;
  let sumSq = 0;
  let dark = 0;
  const n = width * height;
  for (let i = 0; i < data.length; i += 4) {
    const grey = (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    sum += grey;
    sumSq += grey * grey;
    if (grey < 128) dark++;
  }
  const mean = sum / n;
  return { width, deviation: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), darkShare: dark / n };
}

/**
 * Saves a screenshot as test-artifacts/screenshots/NAME and checks it is not blank: varied grey
 * levels and some, but not mostly, dark pixels (text, lines).
 */
export async function screenshot(page: Page, name: string, o: { fullPage?: boolean; width?: number } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const png = await page.screenshot({ fullPage: o.fullPage ?? false });
  writeFileSync(join(SCREENSHOTS, name), png);
  const { width, deviation, darkShare } = greyDeviation(png);
  if (o.width !== undefined) assert.equal(width, o.width);
  assert.ok(deviation > 15, `${name}: grey deviation ${deviation.toFixed(1)} (blank?)`);
  assert.ok(darkShare > 0.005 && darkShare < 0.6, `${name}: ${(darkShare * 100).toFixed(2)} % dark pixels`);
}
