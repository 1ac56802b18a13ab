// One worker thread of a scorer pool (scorerPool.ts): it loads the space by name or file itself
// (spaces are code, not data, so they cannot be sent), builds the same metric scorer the main
// thread would, and answers one architecture at a time.
import { parentPort, workerData } from "node:worker_threads";
import { type MetricScorerOptions, metricScorer } from "../metrics/scorer.js";
import { loadSpace } from "../spaces/index.js";

export interface WorkerInit extends Omit<MetricScorerOptions, "space"> {
  readonly spaceSource: string;
}

export type WorkerRequest = { readonly id: number; readonly archStr: string };
export type WorkerReply =
  | { readonly id: number; readonly score: import("../metrics/scoreGraph.js").ArchScore }
  | { readonly id: number; readonly error: string }
  | { readonly ready: true }
  | { readonly failed: string };

const port = parentPort!;
const init = workerData as WorkerInit;
try {
  const { spaceSource, ...options } = init;
  const scorer = metricScorer({ ...options, space: await loadSpace(spaceSource) });
  port.on("message", async ({ id, archStr }: WorkerRequest) => {
    try {
      port.postMessage({ id, score: await scorer.score(archStr) } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ id, error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    }
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
} catch (e) {
  port.postMessage({ failed: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
}
