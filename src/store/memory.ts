// A study store held in memory (SQLite's :memory: database through the same code as the file
// store): for simulated searches over tabular benchmarks and for tests. Nothing is persisted.
import { openSqliteStorage } from "./sqlite.js";
import type { Storage } from "./study.js";

export const memoryStorage = (): Promise<Storage> => openSqliteStorage(":memory:");
