// The CLI as one esbuild bundle (tsx's own transformer; packages external) in a temporary
// directory, made once per process, for tests and scripts that start it many times: ~0.2–0.4 s a
// start instead of ~1–3 s through tsx's loader. The bundle sits below a copy of package.json
// (src/version.ts reads ../package.json) and finds the shared data through NASPROBE_SHARED_DATA
// (src/util/sharedData.ts). `tsx: true` runs the sources through tsx instead.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(import.meta.url), "../../../..");
const MAIN = join(REPO, "src/cli/main.ts");

/** How to start the CLI: node's arguments before the command's, and extra environment. */
export interface CliEntry {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

let bundled: CliEntry | undefined;

export function cliBundle(o: { tsx?: boolean } = {}): CliEntry {
  if (o.tsx) return { args: ["--import", import.meta.resolve("tsx"), MAIN], env: {} };
  if (bundled) return bundled;
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-cli-bundle-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    join(REPO, "node_modules/.bin/esbuild"),
    [
      MAIN,
      "--bundle",
      "--packages=external",
      `--outfile=${join(dir, "cli", "main.js")}`,
      "--format=esm",
      "--platform=node",
      "--target=node20",
      "--log-level=error",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  writeFileSync(join(dir, "package.json"), readFileSync(join(REPO, "package.json")));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  bundled = {
    args: [join(dir, "cli", "main.js")],
    env: { NASPROBE_SHARED_DATA: process.env.NASPROBE_SHARED_DATA ?? resolve(REPO, "../shared/data") },
  };
  return bundled;
}
