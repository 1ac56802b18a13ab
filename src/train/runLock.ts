// One training run per checkpoint: a lock file created exclusively beside it, holding the owner's
// pid. A second `nasprobe train` on the same files is refused in one line instead of racing the
// first one's checkpoints; a lock whose process is gone (a SIGKILLed run) is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { processAlive } from "../util/process.js";

/** Takes the lock `file` (throws naming the holder when a live process has it); returns its release. */
export function acquireRunLock(file: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new Error(`cannot write ${what}: its directory does not exist`);
      if (code !== "EEXIST") throw error;
      const holder = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder))
        throw new Error(`${what} is being written by another nasprobe process (pid ${holder}; lock ${file})`);
      unlinkSync(file); // stale: its process is gone
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}
