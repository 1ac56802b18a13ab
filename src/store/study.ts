// What a study store keeps and the interface its backends (SQLite file, PostgreSQL) implement. A
// storage holds several named studies; a study is its configuration plus trials that the store
// numbers 0, 1, 2, … inside its own transaction, so any number of workers can share one study.
//
// Trial states follow Optuna's: waiting (queued, e.g. the retry of a lost trial), running (a worker
// holds it and beats its heartbeat), complete, failed (with a reason), pruned. A running trial whose
// worker is gone — its process is dead on this host, or its heartbeat is older than the grace period
// — is failed with the reason and its architecture queued again as a new waiting trial (Optuna's
// heartbeat_interval / RetryFailedTrialCallback), so no evaluation is ever lost or done twice.

export type TrialState = "waiting" | "running" | "complete" | "failed" | "pruned";
export const TRIAL_STATES: readonly TrialState[] = ["waiting", "running", "complete", "failed", "pruned"];

export interface Trial {
  readonly number: number;
  readonly archStr: string;
  readonly state: TrialState;
  /** What the algorithm attached when it proposed the trial (JSON), handed back when it is folded. */
  readonly proposal: unknown;
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
  /** The worker holding or having finished the trial: `host:pid:tag`. */
  readonly worker?: string;
  readonly startedAt?: string;
  readonly heartbeatAt?: string;
  readonly finishedAt?: string;
  /** 1, 2, 3, … in the order trials finished; the order algorithms fold them in. Unset for lost trials. */
  readonly finishSeq?: number;
  /** For a trial whose worker was lost: the trial that retries its architecture. */
  readonly retriedBy?: number;
  /** For a retry: the lost trial it retries. */
  readonly retryOf?: number;
}

/** Whether a trial holds a result (complete, failed by its evaluation, or pruned). */
export const isFinished = (t: Trial): boolean => t.finishSeq !== undefined;
/** Waiting or running, and not abandoned. */
export const isPending = (t: Trial): boolean => t.state === "waiting" || t.state === "running";

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

export interface Budget {
  /** Stop after this many trials (queries); retries of lost trials count once. */
  readonly queries?: number;
  /** Stop once the summed cost (training epochs) of finished trials reaches this. */
  readonly cost?: number;
}

export interface StudyInfo {
  readonly name: string;
  readonly config: StudyConfig;
  readonly budget: Budget;
  readonly createdAt: string;
  readonly version: string;
}

export interface TrialResult {
  readonly state: "complete" | "failed" | "pruned";
  readonly values: Record<string, number | null>;
  readonly objectives: readonly (number | null)[];
  readonly cost: number;
  readonly seconds: number;
  readonly reason?: string;
}

/** Who runs trials: a host, a process and a tag unique to this run of it. */
export interface WorkerId {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

/** What `allocate` hands the algorithm, inside the store's transaction. */
export interface AllocationSnapshot {
  /** Trials finished after `finishedAfter`, in finish order. */
  readonly finished: readonly Trial[];
  /** Waiting and running trials (none of them this worker's). */
  readonly pending: readonly Trial[];
  /** How many trials were proposed so far (retries do not count): the new proposal's index. */
  readonly index: number;
}

export interface NewTrial {
  readonly archStr: string;
  readonly proposal?: unknown;
}

export interface AllocateOptions {
  readonly worker: WorkerId;
  readonly budget: Budget;
  /** The caller has folded every trial with finishSeq ≤ this; later ones come in the snapshot. */
  readonly finishedAfter: number;
  /**
   * Proposes the next trial from the snapshot, or undefined when the algorithm has none now. Runs
   * inside the allocation transaction: keep it quick and free of I/O.
   */
  readonly propose: (snapshot: AllocationSnapshot) => NewTrial | undefined;
  /** A running trial whose heartbeat is older than this many seconds is taken as lost. */
  readonly graceSeconds: number;
  /** Clock in ms (tests move it). */
  readonly now?: () => number;
}

export type Allocation =
  | { readonly kind: "trial"; readonly trial: Trial; readonly recovered: readonly Trial[] }
  /** Nothing to run now, but other workers' trials are pending: ask again later. */
  | { readonly kind: "wait"; readonly recovered: readonly Trial[] }
  | { readonly kind: "done"; readonly why: "budget" | "exhausted"; readonly recovered: readonly Trial[] };

export interface Study {
  readonly name: string;
  /** `NAME in LOCATION`, for messages. */
  readonly label: string;
  info(): Promise<StudyInfo>;
  /** All trials by number. */
  trials(): Promise<Trial[]>;
  /** Finished trials with finishSeq > `seq`, in finish order. */
  finishedAfter(seq: number): Promise<Trial[]>;
  /**
   * In one transaction: fails the trials of lost workers and queues their retries, then hands this
   * worker the oldest waiting trial, or a new one from `propose` while the budget allows.
   */
  allocate(options: AllocateOptions): Promise<Allocation>;
  /** Beats the trial's heartbeat; false when the worker no longer holds it. */
  heartbeat(number: number, worker: WorkerId, now?: number): Promise<boolean>;
  /** Stores a result; false (and nothing stored) when the worker no longer holds the trial. */
  finish(number: number, worker: WorkerId, result: TrialResult): Promise<boolean>;
  setBudget(budget: Budget): Promise<void>;
  /** Side results keyed by architecture, e.g. a prefilter's scores. */
  putAuxiliary(kind: string, archStr: string, values: Record<string, number | null>): Promise<void>;
  auxiliary(kind: string): Promise<Map<string, Record<string, number | null>>>;
}

export interface Storage {
  /** The file path or connection string (without its password), for messages. */
  readonly location: string;
  readonly readOnly: boolean;
  /** Every study, by name. */
  studies(): Promise<StudyInfo[]>;
  study(name: string): Promise<Study | undefined>;
  /**
   * The study `name`, created with `config` when there is none; refused, naming the first
   * difference, when it exists with other settings.
   */
  openStudy(name: string, config: StudyConfig, version: string, budget: Budget): Promise<Study>;
  close(): Promise<void>;
}
