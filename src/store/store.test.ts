import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openStorage } from "./index.js";
import { openSqliteStorage } from "./sqlite.js";
import type { AllocateOptions, Storage, StudyConfig, WorkerId } from "./study.js";
import { testPostgresUrl } from "./testing/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "nasprobe-store-"));
let files = 0;
const config: StudyConfig = {
  space: "nb201",
  algo: "rs",
  algoOptions: { a: 1, b: 2 },
  objectives: ["table:x"],
  seed: 3,
  evaluation: { data: "d" },
};
const worker = (tag: string, host = hostname(), pid = process.pid): WorkerId => ({
  id: `${host}:${pid}:${tag}`,
  host,
  pid,
});
const ok = (v: number) => ({
  state: "complete" as const,
  values: { x: v },
  objectives: [v],
  cost: 2,
  seconds: 0,
});
let proposals = 0;
const allocation = (w: WorkerId, extra: Partial<AllocateOptions> = {}): AllocateOptions => ({
  worker: w,
  budget: {},
  finishedAfter: 0,
  graceSeconds: 60,
  propose: (s) => ({ archStr: `arch-${s.index}`, proposal: { n: proposals++ } }),
  ...extra,
});

/** A pid that belonged to a process which has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

const backends: Array<[string, () => Promise<Storage | string>]> = [
  ["sqlite", async () => openSqliteStorage(join(dir, `s${files++}.db`))],
  [
    "postgres",
    async () => {
      const url = await testPostgresUrl();
      return url ? openStorage(url) : "PostgreSQL not available";
    },
  ],
];

for (const [name, open] of backends) {
  describe(`study store on ${name}`, () => {
    const withStorage = (title: string, fn: (s: Storage) => Promise<void>) =>
      it(title, async (t) => {
        const s = await open();
        if (typeof s === "string") return t.skip(s);
        try {
          await fn(s);
        } finally {
          await s.close();
        }
      });

    withStorage("holds named studies; refuses other settings, accepts reordered keys", async (s) => {
      const a = await s.openStudy("a", config, "v", { queries: 5 });
      await s.openStudy("b", { ...config, seed: 4 }, "v", {});
      const reordered = {
        evaluation: { data: "d" },
        seed: 3,
        objectives: ["table:x"],
        algoOptions: { b: 2, a: 1 },
        algo: "rs",
        space: "nb201",
      };
      assert.equal((await s.openStudy("a", reordered, "v", {})).name, "a");
      await assert.rejects(
        s.openStudy("a", { ...config, seed: 9 }, "v", {}),
        /study a in .* was created with other settings: seed: 3 ≠ 9/,
      );
      assert.deepEqual(
        (await s.studies()).map((i) => [i.name, i.config.seed]),
        [
          ["a", 3],
          ["b", 4],
        ],
      );
      assert.deepEqual((await a.info()).budget, { queries: 5 });
      assert.equal(await s.study("nope"), undefined);
    });

    withStorage("numbers trials in the store, finishes each once, in finish order", async (s) => {
      const study = await s.openStudy("n", config, "v", {});
      const w = worker("w");
      const got = [];
      for (let i = 0; i < 3; i++) {
        const r = await study.allocate(allocation(w));
        assert.equal(r.kind, "trial");
        if (r.kind === "trial") got.push(r.trial);
      }
      assert.deepEqual(
        got.map((t) => [t.number, t.archStr, t.state]),
        [
          [0, "arch-0", "running"],
          [1, "arch-1", "running"],
          [2, "arch-2", "running"],
        ],
      );
      assert.equal(await study.finish(2, w, ok(7)), true);
      assert.equal(await study.finish(0, w, ok(5)), true);
      assert.equal(await study.finish(0, w, ok(6)), false, "a finished trial is not finished again");
      assert.equal(await study.finish(1, worker("other"), ok(6)), false, "only its worker finishes a trial");
      const finished = await study.finishedAfter(0);
      assert.deepEqual(
        finished.map((t) => [t.number, t.finishSeq, t.objectives[0]]),
        [
          [2, 1, 7],
          [0, 2, 5],
        ],
      );
      assert.deepEqual(
        (await study.finishedAfter(1)).map((t) => t.number),
        [0],
      );
      const trials = await study.trials();
      assert.deepEqual(
        trials.map((t) => t.state),
        ["complete", "running", "complete"],
      );
      assert.deepEqual(trials[2]!.proposal, got[2]!.proposal);
    });

    withStorage("the budget counts trials and cost; other workers' running trials mean wait", async (s) => {
      const study = await s.openStudy("b", config, "v", {});
      const a = worker("a");
      const b = worker("b");
      const budget = { queries: 2 };
      const t0 = await study.allocate(allocation(a, { budget }));
      const t1 = await study.allocate(allocation(b, { budget }));
      assert.equal(t0.kind, "trial");
      assert.equal(t1.kind, "trial");
      assert.equal((await study.allocate(allocation(a, { budget }))).kind, "wait");
      await study.finish(0, a, ok(1));
      assert.equal((await study.allocate(allocation(a, { budget }))).kind, "wait", "b's trial still runs");
      await study.finish(1, b, ok(1));
      const done = await study.allocate(allocation(a, { budget }));
      assert.deepEqual([done.kind, done.kind === "done" && done.why], ["done", "budget"]);
      // Cost: 2 per trial; a budget of 4 is spent by the two finished trials.
      assert.equal((await study.allocate(allocation(a, { budget: { cost: 4 } }))).kind, "done");
      assert.equal((await study.allocate(allocation(a, { budget: { cost: 5 } }))).kind, "trial");
      const none = await study.allocate(allocation(b, { propose: () => undefined }));
      assert.equal(none.kind, "wait", "no proposal while a's trial runs: wait for it");
    });

    withStorage(
      "a silent worker's trial is failed and retried once; its late result is refused",
      async (s) => {
        const study = await s.openStudy("h", config, "v", {});
        const far = worker("far", "elsewhere", 1);
        const near = worker("near");
        const t0 = 1_000_000;
        const first = await study.allocate(allocation(far, { now: () => t0, budget: { queries: 1 } }));
        assert.equal(first.kind, "trial");
        assert.equal(await study.heartbeat(0, far, t0 + 30_000), true);
        // Within the grace period (60 s after the last beat) the trial is still the far worker's.
        const early = await study.allocate(
          allocation(near, { now: () => t0 + 80_000, budget: { queries: 1 } }),
        );
        assert.equal(early.kind, "wait");
        const late = await study.allocate(
          allocation(near, { now: () => t0 + 91_000, budget: { queries: 1 } }),
        );
        assert.equal(late.kind, "trial");
        if (late.kind !== "trial" || first.kind !== "trial") return;
        assert.equal(late.recovered.length, 1);
        assert.match(
          late.recovered[0]!.reason!,
          /worker elsewhere:1:far is lost \(no heartbeat for 61 s, grace 60 s\)/,
        );
        assert.deepEqual(
          [late.trial.number, late.trial.archStr, late.trial.retryOf],
          [1, first.trial.archStr, 0],
        );
        assert.deepEqual(
          late.trial.proposal,
          first.trial.proposal,
          "the retry keeps the algorithm's proposal",
        );
        assert.equal(await study.finish(0, far, ok(3)), false, "the lost worker's late result is refused");
        assert.equal(await study.heartbeat(0, far), false);
        assert.equal(await study.finish(1, near, ok(3)), true);
        const trials = await study.trials();
        assert.deepEqual(
          trials.map((t) => [t.number, t.state, t.retriedBy ?? null, t.finishSeq ?? null]),
          [
            [0, "failed", 1, null],
            [1, "complete", null, 1],
          ],
        );
        const end = await study.allocate(allocation(near, { budget: { queries: 1 } }));
        assert.equal(end.kind, "done", "the retry counts once against the budget");
      },
    );

    withStorage("a trial of a dead process on this host is retried at once", async (s) => {
      const study = await s.openStudy("d", config, "v", {});
      const gone = worker("gone", hostname(), deadPid());
      const t = await study.allocate(allocation(gone));
      assert.equal(t.kind, "trial");
      const next = await study.allocate(allocation(worker("alive")));
      assert.equal(next.kind, "trial");
      if (next.kind !== "trial") return;
      assert.match(next.recovered[0]!.reason!, /is gone \(process \d+ ended before the trial finished\)/);
      assert.equal(next.trial.retryOf, 0);
    });

    withStorage("concurrent allocations get distinct numbers and proposal indices", async (s) => {
      const study = await s.openStudy("c", config, "v", {});
      const indices: number[] = [];
      const workers = Array.from({ length: 8 }, (_, i) => worker(`c${i}`));
      await Promise.all(
        workers.map(async (w) => {
          for (let k = 0; k < 10; k++) {
            const r = await study.allocate(
              allocation(w, {
                propose: (snap) => {
                  indices.push(snap.index);
                  return { archStr: `a${snap.index}` };
                },
              }),
            );
            if (r.kind === "trial") await study.finish(r.trial.number, w, ok(r.trial.number));
          }
        }),
      );
      const trials = await study.trials();
      assert.deepEqual(
        trials.map((t) => t.number),
        Array.from({ length: 80 }, (_, i) => i),
      );
      assert.deepEqual(
        [...new Set(indices)].sort((a, b) => a - b),
        Array.from({ length: 80 }, (_, i) => i),
      );
      const seqs = trials.map((t) => t.finishSeq!).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: 80 }, (_, i) => i + 1),
      );
    });
  });
}

describe("joining never creates a store", () => {
  it("a worker's open of an empty PostgreSQL database or a missing file is refused, creating nothing", async (t) => {
    const missing = join(dir, "never.db");
    await assert.rejects(openStorage(missing, { mustExist: true }), /no study store at/);
    assert.equal(existsSync(missing), false);
    const url = await testPostgresUrl();
    if (!url) return t.skip("PostgreSQL not available");
    await assert.rejects(openStorage(url, { mustExist: true }), /holds no nasprobe study/);
    const reader = await openStorage(url, { readOnly: true }).catch((e: Error) => e.message);
    assert.match(String(reader), /holds no nasprobe study/, "still no schema after the refusal");
  });
});

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("SQLite files", () => {
  it("migrates a version-1 study: trials keep their numbers, a crashed one is retried", async () => {
    const path = join(dir, "v1.db");
    const old = new Database(path);
    old.exec(`
      CREATE TABLE study (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE trials (number INTEGER PRIMARY KEY, arch_str TEXT NOT NULL, status TEXT NOT NULL,
        values_json TEXT, objectives_json TEXT, cost REAL, seconds REAL, reason TEXT, seed INTEGER NOT NULL,
        version TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT);
      CREATE TABLE auxiliary (kind TEXT NOT NULL, arch_str TEXT NOT NULL, values_json TEXT NOT NULL,
        PRIMARY KEY (kind, arch_str));`);
    const put = old.prepare("INSERT INTO study VALUES (?, ?)");
    put.run("config", JSON.stringify(config));
    put.run("created_at", "2026-01-01T00:00:00.000Z");
    put.run("version", "0.1.0");
    const trial = old.prepare("INSERT INTO trials VALUES (?, ?, ?, ?, ?, 0, 0, ?, 3, '0.1.0', 't', ?)");
    trial.run(0, "x0", "complete", '{"x":1}', "[1]", null, "t");
    trial.run(1, "x1", "failed", "{}", "[null]", "bad", "t");
    trial.run(2, "x2", "running", null, null, null, null);
    old.prepare("INSERT INTO auxiliary VALUES ('prefilter', 'x0', '{\"s\":1}')").run();
    old.close();
    await assert.rejects(openSqliteStorage(path, { readOnly: true }), /older nasprobe \(schema 1\)/);
    const s = await openSqliteStorage(path);
    const study = (await s.study("default"))!;
    assert.deepEqual((await study.info()).config, config);
    const trials = await study.trials();
    assert.deepEqual(
      trials.map((t) => [
        t.number,
        t.archStr,
        t.state,
        t.finishSeq ?? null,
        t.retriedBy ?? null,
        t.retryOf ?? null,
      ]),
      [
        [0, "x0", "complete", 1, null, null],
        [1, "x1", "failed", 2, null, null],
        [2, "x2", "failed", null, 3, null],
        [3, "x2", "waiting", null, null, 2],
      ],
    );
    assert.deepEqual([...(await study.auxiliary("prefilter"))], [["x0", { s: 1 }]]);
    const next = await study.allocate(allocation(worker("m")));
    assert.equal(next.kind === "trial" && next.trial.number, 3, "the retry runs first");
    await s.close();
  });

  it("read-only opening writes nothing: foreign databases, empty files, missing paths", async () => {
    const foreign = join(dir, "foreign.db");
    const f = new Database(foreign);
    f.exec("CREATE TABLE things (x); INSERT INTO things VALUES (1);");
    f.close();
    const before = sha(foreign);
    await assert.rejects(
      openSqliteStorage(foreign, { readOnly: true }),
      /is not a nasprobe study store \(it holds other tables: things\)/,
    );
    await assert.rejects(openSqliteStorage(foreign), /is not a nasprobe study store/);
    assert.equal(sha(foreign), before);
    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    await assert.rejects(openSqliteStorage(empty, { readOnly: true }), /holds no nasprobe study/);
    assert.equal(readFileSync(empty).length, 0);
    await assert.rejects(openSqliteStorage(join(dir, "missing.db"), { readOnly: true }), /no study store at/);
    assert.equal(existsSync(join(dir, "missing.db")), false);
    const text = join(dir, "text.db");
    writeFileSync(
      text,
      "hello, this is not SQLite at all, but it is long enough to have a header...........",
    );
    await assert.rejects(openSqliteStorage(text), /is not a nasprobe study store/);
    assert.deepEqual(
      readdirSync(dir)
        .filter((n) => /^(foreign|empty|text|missing)/.test(n))
        .sort(),
      ["empty.db", "foreign.db", "text.db"],
    );
  });

  it("reading a closed study leaves no -wal or -shm file behind, and sees every trial", async () => {
    const sub = mkdtempSync(join(dir, "ro-"));
    const path = join(sub, "st.db");
    const w = await openSqliteStorage(path);
    const study = await w.openStudy("s", config, "v", {});
    const me = worker("ro");
    await study.allocate(allocation(me));
    await study.finish(0, me, ok(4));
    await w.close();
    const before = sha(path);
    const r = await openSqliteStorage(path, { readOnly: true });
    assert.deepEqual(
      (await (await r.study("s"))!.trials()).map((t) => [t.state, t.objectives[0]]),
      [["complete", 4]],
    );
    await r.close();
    assert.deepEqual(readdirSync(sub), ["st.db"]);
    assert.equal(sha(path), before);
  });

  it("refuses a store written by a newer nasprobe", async () => {
    const path = join(dir, "newer.db");
    const s = await openSqliteStorage(path);
    await s.close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    await assert.rejects(
      openSqliteStorage(path),
      /written by a newer nasprobe \(study schema 99; this one reads 2\)/,
    );
    await assert.rejects(openSqliteStorage(path, { readOnly: true }), /written by a newer nasprobe/);
  });

  it("a read-only store reads a study another connection is writing", async () => {
    const path = join(dir, "live.db");
    const w = await openSqliteStorage(path);
    const study = await w.openStudy("live", config, "v", {});
    const r = await openSqliteStorage(path, { readOnly: true });
    const seen = (await r.study("live"))!;
    const me = worker("live");
    const t = await study.allocate(allocation(me));
    assert.equal(t.kind, "trial");
    assert.equal((await seen.trials()).length, 1);
    await study.finish(0, me, ok(1));
    assert.equal((await seen.trials())[0]!.state, "complete");
    await assert.rejects(r.openStudy("x", config, "v", {}), /open read-only/);
    await r.close();
    await w.close();
  });
});
