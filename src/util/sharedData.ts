// Locates the reference data that lives beside the repository (../shared/data), never inside it.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Absolute path of a file under ../shared/data, or undefined when it is not there (tests then skip). */
export function sharedDataPath(relative: string): string | undefined {
  const path = resolve(process.env.NASPROBE_SHARED_DATA ?? resolve(repoRoot, "../shared/data"), relative);
  return existsSync(path) ? path : undefined;
}
