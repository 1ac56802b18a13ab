// Scratch directories of small files for tests, removed when the test file's tests end.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";

export function scratchDirectories(prefix: string) {
  const root = mkdtempSync(path.join(tmpdir(), `nasprobe-${prefix}-`));
  after(() => rmSync(root, { recursive: true, force: true }));
  return {
    root,
    /** A new directory `name` under the scratch root holding `files` (file name → bytes). */
    withFiles(name: string, files: Record<string, Uint8Array>): string {
      const dir = path.join(root, name);
      mkdirSync(dir);
      for (const [file, bytes] of Object.entries(files)) writeFileSync(path.join(dir, file), bytes);
      return dir;
    },
  };
}
