// Scoring on several worker threads, each with its own ONNX Runtime sessions. onnxruntime-node's
// run() blocks the calling thread, so in-process parallelism needs threads. Measured on this 2-core
// machine (bench/sweep.bench.ts, NASWOT on 100 NB201 cells): two single-threaded sessions side by
// side score 1.4–1.6× as many cells per second as one session on two threads, because a cell's
// memory-bound train-mode BN, sums and layout reorders, its session creation and its JavaScript
// (weight init, compile, the kernel) leave one of two intra-op threads idle much of the time.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ArchScore } from "../metrics/scoreGraph.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./scoreWorker.js";

export interface ScorerPool {
  score(archStr: string): Promise<ArchScore>;
  close(): Promise<void>;
}

/** The intra-op threads each of `workers` sessions gets by default: the cores shared out, at least 1. */
export function threadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}

/**
 * The worker's entry: the compiled .js beside this file, or under a TypeScript loader (tests, `node
 * --import tsx`) the .ts source with tsx registered in the worker, which does not inherit it.
 */
function startWorker(init: WorkerInit): Worker {
  const source = import.meta.url.endsWith(".ts");
  const entry = new URL(source ? "./scoreWorker.ts" : "./scoreWorker.js", import.meta.url);
  if (!source) return new Worker(entry, { workerData: init });
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(boot, { eval: true, workerData: init });
}

/**
 * `workers` threads, each scoring one architecture at a time; calls queue until a worker is free.
 * A worker that fails to start or dies fails every pending and later call with its reason.
 */
export async function scorerPool(init: WorkerInit, workers: number): Promise<ScorerPool> {
  interface Task {
    readonly archStr: string;
    readonly resolve: (s: ArchScore) => void;
    readonly reject: (e: Error) => void;
  }
  const queue: Task[] = [];
  const running = new Map<Worker, Task>();
  const idle: Worker[] = [];
  let broken: Error | undefined;
  const all: Worker[] = [];
  const fail = (error: Error) => {
    broken ??= error;
    for (const t of [...running.values(), ...queue.splice(0)]) t.reject(broken);
    running.clear();
  };
  const dispatch = () => {
    while (!broken && idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const task = queue.shift()!;
      running.set(worker, task);
      worker.postMessage({ archStr: task.archStr } satisfies WorkerRequest);
    }
  };
  const started = await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<Worker>((resolve, reject) => {
          const worker = startWorker(init);
          all.push(worker);
          worker.on("message", (m: WorkerReply) => {
            if ("ready" in m) return resolve(worker);
            if ("failed" in m) return reject(new Error(m.failed));
            const task = running.get(worker);
            running.delete(worker);
            idle.push(worker);
            if (task) {
              if ("error" in m) task.reject(new Error(m.error));
              else task.resolve(m.score);
            }
            dispatch();
          });
          worker.on("error", (e) => {
            reject(e);
            fail(new Error(`a scoring worker failed: ${e.message}`));
          });
          worker.on("exit", (code) => {
            if (code !== 0) fail(new Error(`a scoring worker exited with code ${code}`));
          });
        }),
    ),
  ).catch(async (e) => {
    fail(e as Error);
    await Promise.all(all.map((w) => w.terminate()));
    throw e;
  });
  idle.push(...started);
  return {
    score(archStr) {
      if (broken) return Promise.reject(broken);
      return new Promise<ArchScore>((resolve, reject) => {
        queue.push({ archStr, resolve, reject });
        dispatch();
      });
    },
    async close() {
      fail(new Error("the scorer pool is closed")); // calls still queued or running end here
      await Promise.all(started.map((w) => w.terminate()));
    },
  };
}
