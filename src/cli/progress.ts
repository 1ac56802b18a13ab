// Progress with ETA on stderr: a live bar on a terminal, a line every 30 s (and at the end) otherwise.
import cliProgress from "cli-progress";

export interface Progress {
  tick(note?: string): void;
  stop(): void;
}

export function progress(total: number, label: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {note}`,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { note: "" });
    return { tick: (note = "") => bar.increment(1, { note }), stop: () => bar.stop() };
  }
  const start = Date.now();
  let done = 0;
  let lastPrint = start;
  return {
    tick(note = "") {
      done++;
      const now = Date.now();
      if (now - lastPrint > 30_000 || done === total) {
        lastPrint = now;
        const eta = ((now - start) / done) * (total - done);
        process.stderr.write(`${label}: ${done}/${total}, ETA ${Math.round(eta / 1000)} s ${note}\n`);
      }
    },
    stop() {},
  };
}
