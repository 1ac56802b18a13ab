// What a study store keeps and the interface every backend implements. A study is a list of trials
// numbered 0, 1, 2, … in the order the algorithm asked for them, plus the configuration that created
// it. The embedded backend is SQLite (src/store/sqlite.ts); the methods are async and keyed by trial
// number so that a PostgreSQL backend serving many workers can implement the same contract.

export type TrialStatus = "running" | "complete" | "failed";

export interface Trial {
  readonly number: number;
  readonly archStr: string;
  readonly status: TrialStatus;
  /** Every value the evaluation reported (table columns, metric values); null where not finite. */
  readonly values: Record<string, number | null>;
  /** The study's objectives in their own units and sign (null when the evaluation failed). */
  readonly objectives: readonly (number | null)[];
  /** Cost in the objective's units (epochs of training for a table query; 0 for a metric). */
  readonly cost: number;
  readonly seconds: number;
  readonly reason?: string;
  readonly seed: number;
  readonly version: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
}

/** Everything that determines a study's trials; re-running with a different config is refused. */
export interface StudyConfig {
  readonly space: string;
  readonly algo: string;
  readonly algoOptions: Record<string, unknown>;
  readonly objectives: readonly string[];
  readonly seed: number;
  /** Evaluation settings (table file, data, metric options) that change the values. */
  readonly evaluation: Record<string, unknown>;
}

export interface StudyInfo {
  readonly config: StudyConfig;
  readonly createdAt: string;
  readonly version: string;
}

export interface TrialResult {
  readonly status: Exclude<TrialStatus, "running">;
  readonly values: Record<string, number | null>;
  readonly objectives: readonly (number | null)[];
  readonly cost: number;
  readonly seconds: number;
  readonly reason?: string;
}

export interface StudyStore {
  /** Where the study lives (file path or connection string), for messages. */
  readonly location: string;
  info(): Promise<StudyInfo | undefined>;
  create(config: StudyConfig, version: string): Promise<void>;
  /** All trials by number. */
  trials(): Promise<Trial[]>;
  /** Records that trial `number` is being evaluated (replacing an in-flight row left by a crash). */
  startTrial(trial: { number: number; archStr: string; seed: number; version: string }): Promise<void>;
  finishTrial(number: number, result: TrialResult): Promise<void>;
  /** Side results keyed by architecture, e.g. a prefilter's scores. */
  putAuxiliary(kind: string, archStr: string, values: Record<string, number | null>): Promise<void>;
  auxiliary(kind: string): Promise<Map<string, Record<string, number | null>>>;
  close(): Promise<void>;
}
