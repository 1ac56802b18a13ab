// The dashboard's view of one storage: opened read-only, reopened when a closed SQLite file starts
// changing, and each study's trials cached in memory so a page of a 100k-trial study is a slice of a
// cached sort, not a query of every trial. Reads only through the store interface; never writes.
import { existsSync, statSync } from "node:fs";
import type { BenchmarkTable } from "../../benchmarks/table.js";
import type { SearchSpace } from "../../spaces/space.js";
import { isPostgresUrl, openStorage } from "../../store/index.js";
import {
  type Storage,
  type Study,
  type StudyInfo,
  TRIAL_STATES,
  type Trial,
  type TrialState,
} from "../../store/study.js";
import { type StudySummary, studyContext, summarizeStudy } from "../summary.js";
import { nonDominated, termsOf } from "./views.js";

/** One study's cached trials; `version` grows whenever they change. */
export interface StudySnapshot {
  readonly name: string;
  readonly info: StudyInfo;
  /** Indexed by trial number. */
  readonly trials: readonly Trial[];
  readonly version: number;
  /** The highest finish sequence number seen. */
  readonly finishSeq: number;
}

interface CachedStudy {
  study: Study;
  info: StudyInfo;
  trials: Trial[];
  version: number;
  finishSeq: number;
  /** When every trial was last read, and how long it took (the throttle for full reloads). */
  fullAt: number;
  fullMs: number;
  summary?: { version: number; value: Promise<StudySummary> };
  context?: Promise<{ table?: BenchmarkTable; space?: SearchSpace<unknown> }>;
}

/**
 * A full reload of a study re-reads every trial (running and waiting ones too); between full
 * reloads only newly finished trials are read (`finishedAfter`). A study whose full read takes L ms
 * is read in full at most once per FULL_RELOAD_FACTOR × L ms, so a 100k-trial study under live
 * workers costs a bounded share of the server's time.
 */
const FULL_RELOAD_FACTOR = 20;

/** Stat of the study file and its WAL: changes whenever a writer commits. */
function fileFingerprint(path: string): string {
  const part = (p: string) => {
    if (!existsSync(p)) return "-";
    const s = statSync(p);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  };
  return `${part(path)}|${part(`${path}-wal`)}`;
}

/**
 * summarizeStudy, except for a multi-objective study, whose front summarizeStudy finds by a
 * non-dominated sort that is quadratic in the trials: here the same fields, and the same front in
 * the same order (by the second objective, one trial per architecture), from views.nonDominated.
 */
function summarize(
  view: Study,
  snap: StudySnapshot,
  context: { table?: BenchmarkTable; space?: SearchSpace<unknown> },
): Promise<StudySummary> {
  const terms = termsOf(snap);
  if (terms.length === 1) return summarizeStudy(view, context);
  const byState = Object.fromEntries(TRIAL_STATES.map((state) => [state, 0])) as Record<TrialState, number>;
  for (const t of snap.trials) byState[t.state]++;
  const complete = snap.trials.filter((t) => t.state === "complete");
  const fitness = complete.map((t) =>
    terms.map((term, i) => (term.higherIsBetter ? 1 : -1) * t.objectives[i]!),
  );
  const unique = new Map(nonDominated(fitness).map((i) => [complete[i]!.archStr, complete[i]!]));
  return Promise.resolve({
    label: view.label,
    info: snap.info,
    terms,
    trials: snap.trials.length,
    byState,
    retried: snap.trials.filter((t) => t.retriedBy !== undefined).length,
    cost: snap.trials.reduce((sum, t) => sum + t.cost, 0),
    front: [...unique.values()].sort((a, b) => a.objectives[1]! - b.objectives[1]!),
  });
}

export class StudySource {
  private storage: Storage;
  /** SQLite only: opened as a snapshot of the file's bytes (no writer was live), to reopen on change. */
  private snapshot: boolean;
  private fingerprint: string | undefined;
  private generation = 0;
  private readonly cache = new Map<string, CachedStudy>();
  private syncing: Promise<void> | undefined;

  private constructor(
    readonly spec: string,
    storage: Storage,
    snapshot: boolean,
  ) {
    this.storage = storage;
    this.snapshot = snapshot;
    this.fingerprint = isPostgresUrl(spec) ? undefined : fileFingerprint(spec);
  }

  /** Opens `spec` read-only; a missing store, a foreign file or an empty one is refused with one line. */
  static async open(spec: string): Promise<StudySource> {
    const { storage, snapshot } = await StudySource.openStorage(spec);
    return new StudySource(spec, storage, snapshot);
  }

  private static async openStorage(spec: string): Promise<{ storage: Storage; snapshot: boolean }> {
    const options = { readOnly: true, mustExist: true };
    if (isPostgresUrl(spec)) return { storage: await openStorage(spec, options), snapshot: false };
    // The store reads a file's bytes when it finds no -wal file; a writer can create or remove that
    // file between these checks and its own, so only a -wal file seen on both sides means the
    // connection is live. Taking a live one for a snapshot merely reopens it on each change.
    const walBefore = existsSync(`${spec}-wal`);
    const storage = await openStorage(spec, options);
    return { storage, snapshot: !(walBefore && existsSync(`${spec}-wal`)) };
  }

  get location(): string {
    return this.storage.location;
  }

  /**
   * Brings the view up to date: reopens a snapshot whose file changed, then reads what finished
   * since the last sync in every cached study. Concurrent callers share one sync.
   */
  sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    if (this.fingerprint !== undefined) {
      const now = fileFingerprint(this.spec);
      if (now === this.fingerprint) return;
      if (this.snapshot) {
        const reopened = await StudySource.openStorage(this.spec);
        const old = this.storage;
        this.storage = reopened.storage;
        this.snapshot = reopened.snapshot;
        await old.close().catch(() => undefined);
        for (const cached of this.cache.values()) {
          const study = await this.storage.study(cached.study.name);
          if (study) cached.study = study;
          else this.cache.delete(cached.study.name);
        }
      }
      // Only after a successful reopen: a file that became unreadable is tried again next time.
      this.fingerprint = now;
    }
    this.generation++;
    for (const cached of this.cache.values()) await this.refresh(cached);
  }

  private async refresh(cached: CachedStudy): Promise<void> {
    cached.info = await cached.study.info();
    if (Date.now() - cached.fullAt >= FULL_RELOAD_FACTOR * cached.fullMs) {
      await this.readAll(cached);
      return;
    }
    const finished = await cached.study.finishedAfter(cached.finishSeq);
    if (finished.length === 0) return;
    for (const t of finished) {
      cached.trials[t.number] = t;
      cached.finishSeq = Math.max(cached.finishSeq, t.finishSeq ?? 0);
    }
    cached.version++;
  }

  private async readAll(cached: CachedStudy): Promise<void> {
    const start = Date.now();
    const trials = await cached.study.trials();
    cached.fullMs = Date.now() - start;
    cached.fullAt = Date.now();
    const changed =
      trials.length !== cached.trials.length ||
      trials.some((t, i) => {
        const old = cached.trials[i];
        return old === undefined || old.state !== t.state || old.finishSeq !== t.finishSeq;
      });
    if (!changed) return;
    cached.trials = trials;
    cached.finishSeq = trials.reduce((m, t) => Math.max(m, t.finishSeq ?? 0), 0);
    cached.version++;
  }

  /** Every study's settings, by name. */
  async studies(): Promise<StudyInfo[]> {
    return this.storage.studies();
  }

  /** The study's cached trials (read in full on first use); undefined when there is no such study. */
  async snapshotOf(name: string): Promise<StudySnapshot | undefined> {
    let cached = this.cache.get(name);
    if (!cached) {
      const study = await this.storage.study(name);
      if (!study) return undefined;
      cached = {
        study,
        info: await study.info(),
        trials: [],
        version: 0,
        finishSeq: 0,
        fullAt: 0,
        fullMs: 0,
      };
      await this.readAll(cached);
      this.cache.set(name, cached);
    }
    return {
      name,
      info: cached.info,
      trials: cached.trials,
      version: cached.version,
      finishSeq: cached.finishSeq,
    };
  }

  /** summarizeStudy over the cached trials, with the study's space and table where they are found. */
  async summary(name: string): Promise<StudySummary | undefined> {
    const snap = await this.snapshotOf(name);
    const cached = this.cache.get(name);
    if (!snap || !cached) return undefined;
    if (cached.summary?.version !== snap.version) {
      cached.context ??= studyContext(snap.info);
      const context = await cached.context;
      const view: Study = {
        name: cached.study.name,
        label: cached.study.label,
        info: async () => snap.info,
        trials: async () => [...snap.trials],
        finishedAfter: (seq) => cached.study.finishedAfter(seq),
        allocate: () => Promise.reject(new Error("the dashboard never writes")),
        heartbeat: () => Promise.reject(new Error("the dashboard never writes")),
        finish: () => Promise.reject(new Error("the dashboard never writes")),
        setBudget: () => Promise.reject(new Error("the dashboard never writes")),
        putAuxiliary: () => Promise.reject(new Error("the dashboard never writes")),
        auxiliary: (kind) => cached.study.auxiliary(kind),
      };
      cached.summary = { version: snap.version, value: summarize(view, snap, context) };
    }
    return cached.summary.value;
  }

  /** The study's space and benchmark table, when they can still be found. */
  async context(name: string): Promise<{ table?: BenchmarkTable; space?: SearchSpace<unknown> } | undefined> {
    const snap = await this.snapshotOf(name);
    const cached = this.cache.get(name);
    if (!snap || !cached) return undefined;
    cached.context ??= studyContext(snap.info);
    return cached.context;
  }

  /** Bumps on every sync that saw the storage change (SSE clients are told then). */
  get changes(): number {
    return this.generation;
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}
