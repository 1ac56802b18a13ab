// Fault rounds over real processes, shared by src/store/fault.test.ts and bench/fault-test.ts: one
// `nasprobe search` creates a study and runs as a worker, `workers − 1` `nasprobe worker` processes
// join it, and (with `kill`) one of them is SIGKILLed at a random moment and started again as a
// worker. When every process has ended, the stored trials are checked: numbers 0…n−1 with none
// missing or doubled, exactly `budget` trials that count (retried_by unset), each complete (or failed
// with a reason), every lost trial failed with its reason and retried by a trial that points back,
// lost trials only of the killed process, finish_seq 1…F without gaps, nothing left running or waiting.
//   const r = await faultRound({ storage, study: "r1", workers: 4, budget: 400, seed: 1, kill: true, rng });
//   assert.deepEqual(r.problems, []);
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import Database from "better-sqlite3";
import pg from "pg";
import { type CliEntry, cliBundle } from "../../cli/testing/cliBundle.js";
import { isPostgresUrl, openStorage } from "../index.js";
import type { Storage, Study, Trial } from "../study.js";

export { REPO } from "../../cli/testing/cliBundle.js";

/** How to start the CLI: `node ...args` with extra environment variables. */
export type Cli = CliEntry;

/** The CLI bundle (cli/testing/cliBundle.ts); `tsx: true` or NASPROBE_FAULTS_TSX=1 runs the sources. */
export const nasprobeCli = (o: { tsx?: boolean } = {}): Cli =>
  cliBundle({ tsx: o.tsx || process.env.NASPROBE_FAULTS_TSX === "1" });

export type Role = "search" | "worker" | "restarted";

/** A running CLI process of a round. */
export interface Proc {
  readonly role: Role;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has ended and been reaped (never rejects). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB of its standard output and error. */
  output(): string;
  readonly ended: () => boolean;
}

const TAIL = 8192;

/** Starts `nasprobe ARGS` (output kept, tail only); `exit` settles after the process is reaped. */
export function startCli(cli: Cli, args: readonly string[], role: Role, nice = 0): Proc {
  const argv = [...cli.args, ...args];
  const [file, rest] =
    nice > 0 ? ["nice", ["-n", String(nice), process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(file, rest, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...cli.env },
  });
  let text = "";
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-TAIL);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let done = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("error", (error) => {
      keep(Buffer.from(`spawn failed: ${error.message}\n`));
      done = true;
      resolve({ code: null, signal: null });
    });
    // 'close': exited and its pipes drained (the kernel has reaped it by then, so kill(pid, 0) fails).
    child.on("close", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) done = true;
  return { role, child, pid: child.pid ?? -1, exit, output: () => text, ended: () => done };
}

/** Uniform draws in [0, 1): an `Rng` from src/util/random.ts, or anything with `uniform()`. */
export interface Uniform {
  uniform(): number;
}

export interface FaultRoundOptions {
  /** A SQLite file path or a postgresql:// URL. */
  readonly storage: string;
  readonly study: string;
  /** Processes in all: the `search` and `workers − 1` `worker`s. */
  readonly workers: number;
  readonly budget: number;
  readonly seed: number;
  /** SIGKILL one random live process once the study holds a random number of finished trials. */
  readonly kill: boolean;
  readonly rng: Uniform;
  /**
   * "random" (default): the kill lands 0–20 ms after the target is reached, wherever the victim is
   * in its cycle (often between trials or inside a transaction); "running": right after a look at
   * the store shows the victim holding a running trial, so that trial is usually lost and retried.
   */
  readonly aim?: "random" | "running";
  /**
   * [lo, hi] (default [0.1, 0.8]): the kill comes when the study holds a number of finished trials
   * drawn uniformly in [s, s + hi · (budget − s)], s being the count when two processes take trials
   * (at least lo · budget); at hi · budget if one process alone gets that far.
   */
  readonly killBetween?: readonly [number, number];
  readonly algo?: string;
  readonly objective?: string;
  /** More flags for every process (e.g. `--threads 1`). */
  readonly extraArgs?: readonly string[];
  readonly cli?: Cli;
  /** Niceness of the processes (default 0). */
  readonly nice?: number;
  /** The whole round ends (every process SIGKILLed, an error thrown) after this (default 180 s). */
  readonly timeoutMs?: number;
  /** The stored objective of an architecture, to check every complete trial's value against. */
  readonly expected?: (archStr: string) => number | undefined;
  readonly log?: (line: string) => void;
}

export interface KillRecord {
  readonly role: Role;
  readonly pid: number;
  readonly worker?: string;
  /** Finished trials in the study when the kill was sent (at the last look before it). */
  readonly atFinished: number;
  /** The drawn target (see FaultRoundOptions.killBetween). */
  readonly target: number;
  /** Whether the victim had taken a trial (it was drawn from those that had, when any had). */
  readonly joined: boolean;
  /** With aim "running": whether the last look before the kill saw the victim holding a trial. */
  readonly holding?: boolean;
}

export interface FaultRound {
  readonly storage: string;
  readonly study: string;
  readonly seed: number;
  readonly budget: number;
  /** Trials stored (counted ones plus lost ones). */
  readonly trials: number;
  /** Trials with retried_by unset: must equal the budget. */
  readonly counted: number;
  readonly complete: number;
  readonly failed: number;
  /** Trials failed because their worker was lost (retried_by set). */
  readonly lost: number;
  /** Trials that retry a lost one (retry_of set). */
  readonly retried: number;
  /** Trial numbers stored twice, and numbers in 0…n−1 absent. */
  readonly duplicated: number;
  readonly missing: number;
  /** Best objective (first term; higher is better, as for accuracy) among complete trials; NaN when none. */
  readonly best: number;
  readonly seconds: number;
  /** Finished trials by worker id (host:pid:tag), and how many processes ran any. */
  readonly perWorker: Readonly<Record<string, number>>;
  readonly killed?: KillRecord;
  /** Why the kill did not happen (every process ended before the target). */
  readonly killSkipped?: string;
  /** Every failed check, one line each; empty when the round is sound. */
  readonly problems: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens the storage read-only, runs `fn` on the study (undefined while absent), closes again. */
async function peek<T>(spec: string, name: string, fn: (study: Study | undefined) => Promise<T>): Promise<T> {
  let storage: Storage | undefined;
  try {
    storage = await openStorage(spec, { readOnly: true });
    return await fn(await storage.study(name));
  } finally {
    await storage?.close().catch(() => undefined);
  }
}

/** Reads the study's trials read-only; undefined while the store or the study does not exist yet. */
export async function readTrials(spec: string, name: string): Promise<Trial[] | undefined> {
  try {
    return await peek(spec, name, async (study) => study?.trials());
  } catch {
    return undefined; // not there yet (no file, no schema) or caught mid-write: ask again
  }
}

/** What the kill waits on: finished trials, and the pids of the processes that have taken a trial. */
interface Progress {
  readonly finished: number;
  readonly joined: ReadonlySet<number>;
  /** Pids holding a running trial. */
  readonly running: ReadonlySet<number>;
}

const pidOf = (t: Trial) => Number(t.worker?.split(":")[1]);

const progressOf = async (study: Study | undefined): Promise<Progress | undefined> => {
  if (!study) return undefined;
  const trials = await study.trials();
  return {
    finished: trials.filter((t) => t.finishSeq !== undefined).length,
    joined: new Set(trials.map(pidOf).filter(Number.isInteger)),
    running: new Set(trials.filter((t) => t.state === "running").map(pidOf)),
  };
};

/**
 * Reads the study's progress, read-only, as often as asked: PostgreSQL through one pool kept open (a
 * new connection every few milliseconds would load the server the round measures), a SQLite file
 * opened afresh each time (cheap, and never a snapshot older than the last commit).
 */
function progressReader(spec: string, name: string) {
  let held: Promise<Storage> | undefined;
  return {
    async read(): Promise<Progress | undefined> {
      try {
        if (!isPostgresUrl(spec)) return await peek(spec, name, progressOf);
        held ??= openStorage(spec, { readOnly: true });
        return await progressOf(await (await held).study(name));
      } catch {
        const h = held;
        held = undefined;
        await h?.then((s) => s.close()).catch(() => undefined);
        return undefined;
      }
    },
    async close() {
      await held?.then((s) => s.close()).catch(() => undefined);
    },
  };
}

/**
 * Whether process `pid` holds a running trial of study `name`, as quickly as the store can say: one
 * indexed query on a connection kept open (straight SQL on the store's schema — trials.state and
 * worker_pid — since a trial cycle on the table oracle takes only a few milliseconds).
 */
async function holdingChecker(spec: string, name: string) {
  const query =
    "SELECT count(*) AS n FROM trials t JOIN studies s ON s.id = t.study_id WHERE s.name = $1 AND t.state = 'running' AND t.worker_pid = $2";
  if (isPostgresUrl(spec)) {
    const client = new pg.Client({ connectionString: spec });
    await client.connect();
    return {
      holds: async (pid: number) => Number((await client.query(query, [name, pid])).rows[0]?.n ?? 0) > 0,
      close: () => client.end().catch(() => undefined),
    };
  }
  // The writers have the file open, so its -wal is there and this reads the live file, not a copy.
  const db = new Database(spec, { readonly: true, fileMustExist: true });
  const statement = db.prepare(query.replace("$1", "?").replace("$2", "?"));
  return {
    holds: async (pid: number) => Number((statement.get(name, pid) as { n: number }).n) > 0,
    close: async () => db.close(),
  };
}

const describe = (p: Proc, r: { code: number | null; signal: NodeJS.Signals | null }) =>
  `${p.role} (pid ${p.pid}) ended with ${r.signal ?? `code ${r.code}`}: ${p.output().trim().split("\n").slice(-3).join(" | ")}`;

/** Runs one round (see the file's head) and returns its figures and every failed check. */
export async function faultRound(o: FaultRoundOptions): Promise<FaultRound> {
  const cli = o.cli ?? nasprobeCli();
  const log = o.log ?? (() => {});
  const where = ["--storage", o.storage, "--study", o.study, ...(o.extraArgs ?? [])];
  const searchArgs = [
    "search",
    ...["--algo", o.algo ?? "re", "--objective", o.objective ?? "table:c10valid_valid_200"],
    ...["--budget", String(o.budget), "--seed", String(o.seed)],
    ...where,
  ];
  const procs: Proc[] = [];
  const start = (args: readonly string[], role: Role) => {
    const p = startCli(cli, args, role, o.nice ?? 0);
    procs.push(p);
    return p;
  };
  const t0 = performance.now();
  const deadline = Date.now() + (o.timeoutMs ?? 180_000);
  const overdue = (what: string) => {
    if (Date.now() <= deadline) return;
    for (const p of procs) if (!p.ended()) p.child.kill("SIGKILL");
    throw new Error(
      `fault round ${o.study}: ${what} after ${(o.timeoutMs ?? 180_000) / 1000} s\n${procs.map((p) => `  ${p.role} ${p.pid}: ${p.output().trim().split("\n").slice(-3).join(" | ")}`).join("\n")}`,
    );
  };
  const problems: string[] = [];
  let killed: KillRecord | undefined;
  let killSkipped: string | undefined;
  const victims = new Set<Proc>();
  try {
    const search = start(searchArgs, "search");
    // The workers join once the search has created the study (a worker refuses a study not there yet).
    for (;;) {
      overdue("the study did not appear");
      if ((await readTrials(o.storage, o.study)) !== undefined) break;
      if (search.ended()) {
        const r = await search.exit;
        if (r.code !== 0) throw new Error(`fault round ${o.study}: ${describe(search, r)}`);
        break;
      }
      await sleep(20);
    }
    for (let i = 1; i < o.workers; i++) start(["worker", ...where], "worker");
    log(`${o.study}: ${procs.map((p) => `${p.role} ${p.pid}`).join(", ")}`);

    if (o.kill) {
      // The search runs alone until the workers have loaded (a second or two: most of a table-oracle
      // study), so the moment is drawn once two processes take trials: with s the finished count then
      // (at least lo of the budget), uniformly in [s, s + hi · (budget − s)].
      const [lo, hi] = o.killBetween ?? [0.1, 0.8];
      const together = Math.min(2, o.workers);
      let target: number | undefined;
      let seen: Progress = { finished: 0, joined: new Set(), running: new Set() };
      const reader = progressReader(o.storage, o.study);
      try {
        for (;;) {
          overdue(`the kill target (${target ?? "unset"} finished) was not reached`);
          seen = (await reader.read()) ?? seen;
          if (target === undefined && seen.joined.size >= together) {
            const from = Math.max(seen.finished, lo * o.budget);
            target = Math.floor(from + hi * Math.max(0, o.budget - from) * o.rng.uniform());
          }
          // One process alone has done hi of the budget (the others may never get a trial): now.
          if (target === undefined && seen.finished >= hi * o.budget) target = seen.finished;
          if ((target !== undefined && seen.finished >= target) || procs.every((p) => p.ended())) break;
          await sleep(10);
        }
        // A random live process among those that have taken a trial (killing one still loading its
        // table would test nothing of the store); any live one when none has yet.
        const live = procs.filter((p) => !p.ended());
        const joined = live.filter((p) => seen.joined.has(p.pid));
        const pool = joined.length > 0 ? joined : live;
        const victim = pool[Math.min(pool.length - 1, Math.floor(o.rng.uniform() * pool.length))];
        let holding: boolean | undefined;
        if (victim && o.aim === "running") {
          // At once after a look that shows it holding a trial (it may still finish it in between).
          const checker = await holdingChecker(o.storage, o.study).catch(() => undefined);
          try {
            const until = Date.now() + 3000;
            holding = false;
            while (checker && !holding && Date.now() < until && !victim.ended())
              holding = await checker.holds(victim.pid).catch(() => false);
          } finally {
            await checker?.close();
          }
        } else {
          // Not right on the finish that reached the target (often the victim's own, leaving it
          // holding nothing): a random 0–20 ms later (a few of its allocate → evaluate → finish cycles).
          await sleep(20 * o.rng.uniform());
        }
        if (!victim) killSkipped = `every process ended before ${target ?? "the target"} trials finished`;
        else {
          victims.add(victim);
          victim.child.kill("SIGKILL");
          // Reaped before anyone is expected to see it gone: a zombie still answers kill(pid, 0).
          await victim.exit;
          killed = {
            role: victim.role,
            pid: victim.pid,
            atFinished: seen.finished,
            target: target ?? seen.finished,
            joined: joined.length > 0,
            ...(holding !== undefined ? { holding } : {}),
          };
          log(
            `${o.study}: killed ${victim.role} ${victim.pid} at ${seen.finished}/${o.budget} finished (target ${target})`,
          );
          start(["worker", ...where], "restarted");
        }
      } finally {
        await reader.close();
      }
    }
    // Each process ends by itself once the budget is spent; wait for all of them (restarts included).
    for (;;) {
      overdue("the processes did not end");
      if (procs.every((p) => p.ended())) break;
      await sleep(20);
    }
    for (const p of procs) {
      const r = await p.exit;
      if (victims.has(p)) {
        if (r.signal !== "SIGKILL" && r.code !== 0) problems.push(`killed ${describe(p, r)}`);
      } else if (r.code !== 0) problems.push(describe(p, r));
    }
  } catch (error) {
    for (const p of procs) if (!p.ended()) p.child.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exit));
    throw error;
  }
  const seconds = (performance.now() - t0) / 1000;

  const trials = await peek(o.storage, o.study, async (study) => {
    if (!study) throw new Error(`fault round: no study ${o.study} in ${o.storage} after the round`);
    return study.trials();
  });
  const victimWorker = killed && `${hostname()}:${killed.pid}:`;
  if (killed && victimWorker) {
    const id = trials.find((t) => t.worker?.startsWith(victimWorker))?.worker;
    if (id) killed = { ...killed, worker: id };
  }
  const figures = checkTrials(trials, o.budget, victimWorker, o.expected, problems);
  return {
    storage: o.storage,
    study: o.study,
    seed: o.seed,
    budget: o.budget,
    ...figures,
    seconds,
    ...(killed ? { killed } : {}),
    ...(killSkipped ? { killSkipped } : {}),
    problems,
  };
}

/**
 * The checks of a round's trials (pushed to `problems`, one line each) and its figures. `victim` is
 * the `host:pid:` prefix of the killed process's worker id: lost trials must all be its own.
 */
export function checkTrials(
  trials: readonly Trial[],
  budget: number,
  victim: string | undefined,
  expected: ((archStr: string) => number | undefined) | undefined,
  problems: string[],
) {
  const say = (line: string) => problems.push(line);
  const byNumber = new Map<number, Trial>();
  let duplicated = 0;
  for (const t of trials) {
    if (byNumber.has(t.number)) duplicated++;
    byNumber.set(t.number, t);
  }
  if (duplicated > 0) say(`${duplicated} trial numbers stored twice`);
  const n = trials.length === 0 ? 0 : Math.max(...trials.map((t) => t.number)) + 1;
  let missing = 0;
  for (let i = 0; i < n; i++) if (!byNumber.has(i)) missing++;
  if (missing > 0) say(`${missing} trial numbers of 0…${n - 1} missing`);
  const counted = trials.filter((t) => t.retriedBy === undefined);
  if (counted.length !== budget)
    say(`${counted.length} trials count (retried_by unset), not the budget ${budget}`);
  for (const t of counted) {
    if (t.state === "complete") {
      const v = t.objectives[0];
      if (v === null || v === undefined || !Number.isFinite(v))
        say(`trial ${t.number} is complete without a value`);
      const want = expected?.(t.archStr);
      if (want !== undefined && v !== want) say(`trial ${t.number}: stored ${v}, the table says ${want}`);
    } else if (t.state === "failed") {
      if (!t.reason) say(`trial ${t.number} failed without a reason`);
    } else say(`trial ${t.number} is left ${t.state}`);
  }
  const lost = trials.filter((t) => t.retriedBy !== undefined);
  for (const t of lost) {
    if (t.state !== "failed") say(`lost trial ${t.number} is ${t.state}, not failed`);
    if (!t.reason) say(`lost trial ${t.number} has no reason`);
    if (t.finishSeq !== undefined) say(`lost trial ${t.number} has finish_seq ${t.finishSeq}`);
    const retry = byNumber.get(t.retriedBy!);
    if (!retry) say(`lost trial ${t.number}: its retry ${t.retriedBy} does not exist`);
    else {
      if (retry.retryOf !== t.number)
        say(`lost trial ${t.number}: its retry ${retry.number} has retry_of ${retry.retryOf}`);
      if (retry.archStr !== t.archStr)
        say(`lost trial ${t.number}: its retry ${retry.number} is another cell`);
    }
    if (victim === undefined) say(`trial ${t.number} was lost though no process was killed (${t.reason})`);
    else if (!t.worker?.startsWith(victim))
      say(`trial ${t.number} of ${t.worker} was lost, but the killed process was ${victim}…`);
    else if (!t.reason?.includes(`process ${victim.split(":")[1]} ended before the trial finished`))
      say(`lost trial ${t.number}: unexpected reason "${t.reason}"`);
  }
  for (const t of trials)
    if (t.retryOf !== undefined && byNumber.get(t.retryOf)?.retriedBy !== t.number)
      say(`trial ${t.number} retries ${t.retryOf}, which does not point back`);
  const seqs = trials
    .map((t) => t.finishSeq)
    .filter((s) => s !== undefined)
    .sort((a, b) => a - b);
  if (seqs.some((s, i) => s !== i + 1)) say(`finish_seq is not 1…${seqs.length} without gaps or repeats`);
  const perWorker: Record<string, number> = {};
  for (const t of trials)
    if (t.finishSeq !== undefined) perWorker[t.worker ?? "?"] = (perWorker[t.worker ?? "?"] ?? 0) + 1;
  const values = counted.filter((t) => t.state === "complete").map((t) => t.objectives[0]!);
  return {
    trials: trials.length,
    counted: counted.length,
    complete: counted.filter((t) => t.state === "complete").length,
    failed: counted.filter((t) => t.state === "failed").length,
    lost: lost.length,
    retried: trials.filter((t) => t.retryOf !== undefined).length,
    duplicated,
    missing,
    best: values.length > 0 ? Math.max(...values) : Number.NaN,
    perWorker,
  };
}

/** Removes a SQLite study file and its -wal/-shm companions. */
export function removeSqlite(path: string): void {
  for (const suffix of ["", "-wal", "-shm"])
    if (existsSync(path + suffix)) rmSync(path + suffix, { force: true });
}
