// One worker thread of a scorer pool (scorerPool.ts): it loads the space by name or file itself
// (spaces are code, not data, so they cannot be sent), builds the same metric scorer the main
// thread would, and answers one architecture at a time.
import { parentPort, workerData } from "node:worker_threads";
import type { ArchScore } from "../metrics/scoreGraph.js";
import { type MetricScorerOptions, metricScorer } from "../metrics/scorer.js";
import { loadSpace } from "../spaces/index.js";

export interface WorkerInit extends Omit<MetricScorerOptions, "space"> {
  readonly spaceSource: string;
}

/** One architecture at a time: the reply answers the worker's only request in flight. */
export type WorkerRequest = { readonly archStr: string };
export type WorkerReply =
  | { readonly score: ArchScore }
  | { readonly error: string }
  | { readonly ready: true }
  | { readonly failed: string };

const port = parentPort!;
const init = workerData as WorkerInit;
try {
  const { spaceSource, ...options } = init;
  const scorer = metricScorer({ ...options, space: await loadSpace(spaceSource) });
  port.on("message", async ({ archStr }: WorkerRequest) => {
    try {
      port.postMessage({ score: await scorer.score(archStr) } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    }
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
} catch (e) {
  port.postMessage({ failed: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
}
