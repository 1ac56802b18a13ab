// The search CLI end to end: studies, export, bad input, and crash safety under SIGKILL.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { nb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { scratchDirectories } from "../util/scratch.js";

const main = resolve(fileURLToPath(import.meta.url), "../main.ts");
const scratch = scratchDirectories("search");
const dir = scratch.root;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A synthetic benchmark table over all 15,625 NB201 cells: a rugged but deterministic landscape. */
const table = join(dir, "synthetic.csv");
{
  const rng = new Rng(0, "synthetic-table");
  const lines = ["arch_str,acc_200,acc_12,flops_M"];
  let i = 0;
  for (const arch of nb201.enumerate!()) {
    const convs = arch.filter((op) => op.startsWith("nor_conv")).length;
    const acc = 80 + 2 * convs + 3 * rng.uniform();
    lines.push(
      `${nb201.format(arch)},${acc.toFixed(4)},${(acc - 10).toFixed(4)},${(10 + 20 * convs + (i++ % 7)).toFixed(1)}`,
    );
  }
  writeFileSync(table, `${lines.join("\n")}\n`);
}

const exportRows = (study: string) =>
  cli("study", "export", study, "--format", "jsonl")
    .stdout.trim()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as {
          number: number;
          arch_str: string;
          state: string;
          acc_200: number;
          reason: string | null;
          retried_by: number | null;
          finish_seq: number | null;
        },
    );

describe("nasprobe search", () => {
  it("runs a study, reports the best, exports JSONL and CSV, and resumes to a larger budget", () => {
    const study = join(dir, "re.db");
    const r = cli(
      "search",
      "--algo",
      "re",
      "--objective",
      "table:acc_200",
      "--table",
      table,
      "--budget",
      "50",
      "--seed",
      "3",
      "--study",
      study,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /trials: 50 \(50 complete, 0 failed\); cost 10000 epochs/);
    const rows = exportRows(study);
    assert.equal(rows.length, 50);
    const best = Math.max(...rows.map((x) => x.acc_200));
    // Its best-so-far chart (Vega-Lite, rendered to SVG): the curve ends at the study's best.
    const chart = join(dir, "re-best.svg");
    const plotted = cli("plot", "best-so-far", study, "--out", chart);
    assert.equal(plotted.code, 0, plotted.stderr);
    const svg = readFileSync(chart, "utf8");
    assert.match(svg, /^<svg[^>]* role="img"/);
    assert.match(svg, /aria-label="[^"]*best[^"]*"/i);
    assert.match(svg, /class="mark-line/);
    assert.match(r.stdout, new RegExp(`best: trial \\d+, acc_200 ${best}`));
    const csv = cli("study", "export", study, "--format", "csv").stdout.trim().split("\n");
    assert.equal(
      csv[0],
      "number,arch_str,state,acc_200,cost,seconds,seed,version,started_at,finished_at,reason,worker,finish_seq,retry_of,retried_by",
    );
    assert.equal(csv.length, 51);
    const more = cli(
      "search",
      "--algo",
      "re",
      "--objective",
      "table:acc_200",
      "--table",
      table,
      "--budget",
      "80",
      "--seed",
      "3",
      "--study",
      study,
    );
    assert.equal(more.code, 0, more.stderr);
    assert.match(more.stderr, /resumed .*: 50 trials were already done/);
    const straight = join(dir, "re80.db");
    cli(
      "search",
      "--algo",
      "re",
      "--objective",
      "table:acc_200",
      "--table",
      table,
      "--budget",
      "80",
      "--seed",
      "3",
      "--study",
      straight,
    );
    const strip = (rs: ReturnType<typeof exportRows>) => rs.map((x) => [x.number, x.arch_str, x.acc_200]);
    assert.deepEqual(strip(exportRows(study)), strip(exportRows(straight)));
  });

  it("counts cost in epochs: a 12-epoch column lets 200/12 times more queries into the same budget", () => {
    const s12 = join(dir, "rs12.db");
    assert.equal(
      cli(
        "search",
        "--algo",
        "rs",
        "--objective",
        "table:acc_12",
        "--table",
        table,
        "--cost-budget",
        "1200",
        "--study",
        s12,
      ).code,
      0,
    );
    assert.equal(exportRows(s12).length, 100);
    const s200 = join(dir, "rs200.db");
    assert.equal(
      cli(
        "search",
        "--algo",
        "rs",
        "--objective",
        "table:acc_200",
        "--table",
        table,
        "--cost-budget",
        "1200",
        "--study",
        s200,
      ).code,
      0,
    );
    assert.equal(exportRows(s200).length, 6);
  });

  it("nsga2 reports a Pareto front of accuracy ↑ and FLOPs ↓", () => {
    const study = join(dir, "nsga2.db");
    const r = cli(
      "search",
      "--algo",
      "nsga2",
      "--objective",
      "table:acc_200,table:flops_M",
      "--table",
      table,
      "--budget",
      "200",
      "--study",
      study,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pareto front \(\d+ architectures; acc_200 ↑, flops_M ↓\)/);
    const front = r.stdout
      .split("\n")
      .filter((l) => /^ {4}\d/.test(l))
      .map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
    // Along the front FLOPs rise and so does accuracy.
    for (let i = 1; i < front.length; i++) {
      assert.ok(front[i]![1]! >= front[i - 1]![1]!);
      assert.ok(front[i]![0]! > front[i - 1]![0]!);
    }

    // The plots of that study, drawn from the Vega-Lite specs: the Pareto chart has one dot per
    // trial and the front's points on its staircase; the best-so-far chart one line.
    const pareto = join(dir, "pareto.svg");
    const p = cli("plot", "pareto", study, "--out", pareto);
    assert.equal(p.code, 0, p.stderr);
    const svg = readFileSync(pareto, "utf8");
    assert.match(svg, /^<svg[^>]* role="img"/);
    assert.match(svg, /<title>[^<]*Pareto[^<]*<\/title>/);
    const dots = svg.match(/class="mark-symbol[^"]*"[^>]*>(.*?)<\/g>/s)?.[1]?.match(/<path /g)?.length ?? 0;
    assert.ok(dots >= 200 - 5 && dots <= 200, `${dots} dots for 200 trials`);
    const best = join(dir, "best.png");
    const b = cli("plot", "best-so-far", study, "--out", best);
    assert.notEqual(b.code, 0, "a multi-objective study has no best-so-far curve");
    assert.equal(b.stderr.trim().split("\n").length, 1, b.stderr);
  });

  it("bad input ends in one error line, a non-zero exit, and no study file", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--algo", "xx", "--objective", "table:acc_200", "--budget", "5"], /unknown algorithm "xx"/],
      [["--algo", "re", "--objective", "table:nope", "--budget", "5"], /has no column "nope"/],
      [["--algo", "re", "--objective", "zzz", "--budget", "5"], /unknown objective "zzz"/],
      [["--algo", "re", "--objective", "table:acc_200"], /needs --budget N \(queries\) or --cost-budget/],
      [
        ["--algo", "re", "--objective", "table:acc_200,table:flops_M", "--budget", "5"],
        /optimises one objective; use nsga2/,
      ],
      [
        ["--algo", "re", "--objective", "table:acc_200", "--budget", "5", "--set", "re.pop=3"],
        /re has no option pop/,
      ],
      [
        ["--algo", "re", "--objective", "table:acc_200", "--budget", "-1"],
        /--budget needs a positive integer/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const study = join(dir, "bad.db");
      const r = cli("search", ...args, "--table", table, "--study", study);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, pattern);
      assert.equal(
        r.stderr
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("(add --help")).length,
        1,
        r.stderr,
      );
      assert.ok(!existsSync(study), `a failed ${args.join(" ")} left a study file`);
    }
    const garbage = join(dir, "garbage.db");
    writeFileSync(garbage, "not a database at all, just text that is long enough to be read as a header....");
    const r = cli("study", "show", garbage);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not a nasprobe study/);
    assert.match(cli("study", "show", join(dir, "absent.db")).stderr, /no study store at/);
    const other = cli(
      "search",
      "--algo",
      "re",
      "--objective",
      "table:acc_200",
      "--table",
      table,
      "--budget",
      "5",
      "--seed",
      "4",
      "--study",
      join(dir, "re.db"),
    );
    assert.match(other.stderr, /created with other settings: seed: 3 ≠ 4/);
  });

  it("a study whose every trial failed is stored, and the command exits non-zero saying why", () => {
    const tiny = join(dir, "tiny.csv");
    writeFileSync(tiny, "arch_str,acc_200\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,10\n");
    const study = join(dir, "allfailed.db");
    const r = cli(
      "search",
      "--algo",
      "rs",
      "--objective",
      "table:acc_200",
      "--table",
      tiny,
      "--budget",
      "4",
      "--seed",
      "5",
      "--study",
      study,
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /trials: 4 \(0 complete, 4 failed\)/);
    assert.match(
      r.stderr.trim().split("\n").at(-1)!,
      /^nasprobe: error: every trial of default in .*allfailed\.db failed \(first: .*has no row for/,
    );
    assert.equal(exportRows(study).length, 4, "the failed trials are kept");
  });

  it("survives SIGKILL at ≥ 20 random moments: no trial lost or duplicated, same result as an uninterrupted run", async () => {
    const budget = 3000;
    const args = (study: string) => [
      "--import",
      "tsx",
      main,
      "search",
      "--algo",
      "re",
      "--objective",
      "table:acc_200",
      "--table",
      table,
      "--budget",
      String(budget),
      "--seed",
      "7",
      "--study",
      study,
    ];
    const study = join(dir, "killed.db");
    const rng = new Rng(2026, "kill-moments");
    // A read-only count, cheap enough to poll while the search writes (WAL allows the concurrent read).
    const finishedTrials = () => {
      if (!existsSync(study)) return 0;
      const db = new Database(study, { readonly: true, fileMustExist: true });
      try {
        return db
          .prepare<[], { n: number }>("SELECT count(*) AS n FROM trials WHERE finish_seq IS NOT NULL")
          .get()!.n;
      } catch {
        return 0; // the schema is not written yet
      } finally {
        db.close();
      }
    };
    const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
    let midSearch = 0;
    let before = 0;
    for (let kill = 0; midSearch < 22; kill++) {
      const child = spawn(process.execPath, args(study), { stdio: "ignore" });
      let code: number | null | undefined;
      const exited = new Promise<void>((done) =>
        child.on("exit", (c) => {
          code = c;
          done();
        }),
      );
      if (kill % 5 === 4) {
        await sleep(rng.uniform() * 700); // now and then during start-up (opening the study, replaying)
      } else {
        // Otherwise at a random moment of the search loop, measured in trials so that a faster disk
        // cannot finish the study first: after this run has added 1–40 trials, then 0–5 ms on.
        const target = before + 1 + rng.int(40);
        while (code === undefined && finishedTrials() < target) await sleep(2);
        await sleep(rng.uniform() * 5);
      }
      child.kill("SIGKILL");
      await exited;
      assert.notEqual(code, 0, "the study finished before 20 kills; raise the budget");
      const after = finishedTrials();
      assert.ok(after >= before, `finished trials went from ${before} to ${after}`);
      if (after > before) midSearch++;
      before = after;
    }
    const last = spawnSync(process.execPath, args(study), { encoding: "utf8" });
    assert.equal(last.status, 0, last.stderr);
    const straight = join(dir, "straight.db");
    assert.equal(spawnSync(process.execPath, args(straight), { encoding: "utf8" }).status, 0);
    const a = exportRows(study);
    const b = exportRows(straight);
    // A trial running when its process was killed is failed (worker gone) and retried under a new
    // number; every other trial completes once, and the outcome equals the uninterrupted run's.
    assert.deepEqual(
      a.map((x) => x.number),
      [...Array(a.length).keys()],
    );
    const lost = a.filter((x) => x.retried_by !== null);
    for (const x of lost) {
      assert.equal(x.state, "failed");
      assert.match(x.reason ?? "", /is gone \(process \d+ ended before the trial finished\)/);
    }
    const kept = a.filter((x) => x.retried_by === null);
    assert.equal(kept.length, budget);
    assert.ok(kept.every((x) => x.state === "complete"));
    const inFinishOrder = (rows: typeof a) =>
      [...rows].sort((x, y) => x.finish_seq! - y.finish_seq!).map((x) => `${x.arch_str} ${x.acc_200}`);
    assert.deepEqual(inFinishOrder(kept), inFinishOrder(b));
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp")),
      [],
    );
  });
});
