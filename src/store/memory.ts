// A study store held in memory: for simulated searches over tabular benchmarks (thousands of seeds
// in one process) and for tests. Same contract as the SQLite store, nothing persisted.
import type { StudyInfo, StudyStore, Trial } from "./study.js";

export function memoryStudy(location = "memory"): StudyStore {
  let info: StudyInfo | undefined;
  const trials: Trial[] = [];
  const aux = new Map<string, Map<string, Record<string, number | null>>>();
  return {
    location,
    info: async () => info,
    async create(config, version) {
      info = { config, version, createdAt: new Date().toISOString() };
    },
    trials: async () => trials.map((t) => ({ ...t })),
    async startTrial(t) {
      trials[t.number] = {
        ...t,
        status: "running",
        values: {},
        objectives: [],
        cost: 0,
        seconds: 0,
        startedAt: new Date().toISOString(),
      };
    },
    async finishTrial(number, result) {
      const t = trials[number];
      if (t?.status !== "running") throw new Error(`${location}: trial ${number} is not running`);
      trials[number] = { ...t, ...result, finishedAt: new Date().toISOString() };
    },
    async putAuxiliary(kind, archStr, values) {
      if (!aux.has(kind)) aux.set(kind, new Map());
      aux.get(kind)!.set(archStr, values);
    },
    auxiliary: async (kind) => new Map(aux.get(kind) ?? []),
    async close() {},
  };
}
