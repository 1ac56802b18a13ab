import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { spearman } from "../benchmarks/rankStats.js";
import { flops, paramCount } from "../ir/cost.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { readJsonl } from "../store/jsonl.js";

const main = resolve(fileURLToPath(import.meta.url), "../main.ts");
const dir = mkdtempSync(join(tmpdir(), "nasprobe-cli-"));
const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const ARCH2 = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|";

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("bad input ends in one error line and a non-zero exit", () => {
  const cases: Array<[string[], RegExp]> = [
    [["info", "--arch", "|nor_conv_3x3~0|+|none~0|"], /invalid NB201 arch string .*3 node groups/],
    [["info", "--space", "nb999", "--all"], /unknown search space "nb999"/],
    [["score", "--sample", "0", "--out", join(dir, "x.jsonl")], /--sample needs a positive integer/],
    [
      ["score", "--arch", ARCH, "--sample", "3", "--out", join(dir, "x.jsonl")],
      /exactly one of --arch, --sample or --all/,
    ],
    [
      ["score", "--arch", ARCH, "--data", "nowhere-data", "--out", join(dir, "x.jsonl")],
      /unknown dataset "nowhere-data"/,
    ],
    [["info", "--all", "--bogus"], /unknown option '--bogus'/],
    [
      ["score", "--metric", "naswot,bogus", "--arch", ARCH, "--out", join(dir, "x.jsonl")],
      /unknown metric "bogus"/,
    ],
    [
      ["score", "--metric", "ntk", "--set", "ntk.batch=3", "--arch", ARCH, "--out", join(dir, "x.jsonl")],
      /ntk has no option batch/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, message);
    assert.ok(r.stderr.trim().split("\n")[0]!.match(message), `first line names the fault: ${r.stderr}`);
  }
  assert.equal(existsSync(join(dir, "x.jsonl")), false, "no results file is created by a failed command");
});

test("info --all lists every architecture with params and NB201 FLOPs", () => {
  const r = cli("info", "--space", "nb201", "--all", "--format", "csv");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines[0], "arch_str,params,flops");
  assert.equal(lines.length, 15626);
  const row = lines.find((l) => l.startsWith(`${ARCH},`))!;
  const graph = buildNb201(parseNb201(ARCH), { inputShape: [3, 32, 32], numClasses: 10 });
  assert.equal(row, `${ARCH},${paramCount(graph)},${+(flops(graph) / 1e6).toFixed(6)}`);
  assert.equal(row, `${ARCH},802426,113.95137`); // the NB201 table's row for this cell
});

test("score writes one line per architecture, resumes, and repairs a torn last line", () => {
  const out = join(dir, "scores.jsonl");
  const args = [
    "score",
    "--arch",
    ARCH,
    ARCH2,
    "--n-train",
    "40",
    "--n-val",
    "20",
    "--ensemble",
    "1",
    "--out",
    out,
  ];
  const first = cli(...args);
  assert.equal(first.code, 0, first.stderr);
  const records = readJsonl<{ arch_str: string; score: number; seed: number; settings: { n_train: number } }>(
    out,
  );
  assert.deepEqual(
    records.map((r) => r.arch_str),
    [ARCH, ARCH2],
  );
  for (const r of records) {
    assert.ok(r.score > 0 && r.score <= 1);
    assert.equal(r.settings.n_train, 40);
  }
  // A crash mid-write leaves a partial line; the re-run must cut it and skip what is done.
  appendFileSync(out, '{"arch_str": "|none~0|+');
  const second = cli(...args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /2 of 2 already in/);
  const after = readFileSync(out, "utf8");
  assert.ok(after.endsWith("\n"));
  assert.equal(after.trim().split("\n").length, 2);
  // --init reaches the metric: other weights, another result.
  const other = join(dir, "init.jsonl");
  assert.equal(cli(...args.slice(0, -1), other, "--init", "standard_normal").code, 0);
  const withInit = readJsonl<{ score: number; best_epsilon: number; settings: { init: string } }>(other);
  assert.equal(withInit[0]!.settings.init, "standard_normal");
  assert.notDeepEqual(
    withInit.map((r) => [r.score, r.best_epsilon]),
    records.map((r) => [r.score, (r as unknown as { best_epsilon: number }).best_epsilon]),
  );
  // Same seed, same score: a new file with the same command reproduces it exactly.
  const again = join(dir, "again.jsonl");
  assert.equal(cli(...args.slice(0, -1), again).code, 0);
  assert.deepEqual(
    readJsonl<{ score: number }>(again).map((r) => r.score),
    records.map((r) => r.score),
  );
});

test("score --aggregate prints the architectures ranked by the rank aggregate of the metrics' values", () => {
  const out = join(dir, "score-agg.jsonl");
  const archs = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ARCH,
  ];
  const r = cli(
    "score",
    "--metric",
    "params,flops",
    "--aggregate",
    "meanrank",
    ...archs.flatMap((a) => ["--arch", a]),
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const at = lines.findIndex((l) =>
    l.startsWith("top architectures by meanrank(params, flops) over these 3"),
  );
  assert.ok(at >= 0, r.stdout);
  // All-3×3 has the most params and FLOPs (mean rank 3/3), the empty cell the fewest (1/3).
  assert.deepEqual(
    lines.slice(at + 1, at + 4).map((l) => l.trim().split(/\s+/)),
    [
      ["1.00000", archs[0]],
      ["0.666667", archs[2]],
      ["0.333333", archs[1]],
    ],
  );
  const one = cli("score", "--metric", "params", "--aggregate", "logrank", "--arch", ARCH, "--out", out);
  assert.equal(one.code, 1);
  assert.equal(
    one.stderr.trim(),
    "nasprobe: error: --aggregate logrank combines at least two metrics; --metric names one",
  );
});

test("correlate --aggregate ranks the log-rank aggregate of two values beside each alone", () => {
  const table = join(dir, "agg-table.csv");
  const archs = [
    ARCH,
    ARCH2,
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|",
  ];
  writeFileSync(table, `arch_str,acc\n${archs.map((a, i) => `${a},${i + 1}`).join("\n")}\n`);
  // Each value alone swaps one pair (ρ 0.8); the log-rank sums −2.08, −1.67, −0.98, 0 rank all four
  // rightly (ρ 1), and so does the mean rank here.
  const naswot = [1, 3, 2, 4];
  const synflow = [2, 1, 3, 4];
  const scores = join(dir, "agg.jsonl");
  writeFileSync(
    scores,
    `${archs.map((a, i) => JSON.stringify({ arch_str: a, naswot: naswot[i], synflow: synflow[i] })).join("\n")}\n`,
  );
  const correlate = (...more: string[]) =>
    cli("correlate", "--table", table, "--scores", scores, "--target", "acc", ...more);
  const r = correlate("--aggregate", "logrank");
  assert.equal(r.code, 0, r.stderr);
  const sections = r.stdout.split("\n== ");
  const rho = (title: RegExp) =>
    Number(/Spearman rho\s+(\S+)/.exec(sections.find((x) => title.test(x))!)![1]);
  assert.equal(rho(/^naswot/), 0.8);
  assert.equal(rho(/^synflow/), 0.8);
  assert.equal(rho(/^aggregate: logrank\(naswot, synflow\)/), 1);
  const one = correlate("--field", "naswot", "--aggregate", "borda");
  assert.equal(one.code, 1);
  assert.equal(one.stderr.trim(), "nasprobe: error: --aggregate borda needs at least two fields, got naswot");
  const unknown = correlate("--aggregate", "median");
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr.trim(),
    /^nasprobe: error: unknown aggregation "median" \(known: logrank, meanrank, borda\)$/,
  );
});

test("correlate ranks scores against a table column and prints baselines", () => {
  const table = join(dir, "table.csv");
  const archs = [
    ARCH,
    ARCH2,
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|",
  ];
  const acc = [93.1, 80.2, 10.0, 55.5];
  const params = [0.8, 0.1, 0.07, 0.07];
  writeFileSync(
    table,
    `arch_str,acc,params_c10_M\n${archs.map((a, i) => `${a},${acc[i]},${params[i]}`).join("\n")}\n`,
  );
  const scores = join(dir, "corr.jsonl");
  const score = [0.5, 0.4, 0.1, 0.3];
  writeFileSync(
    scores,
    `${archs.map((a, i) => JSON.stringify({ arch_str: a, score: score[i] })).join("\n")}\n`,
  );
  const r = cli("correlate", "--table", table, "--scores", scores, "--target", "acc");
  assert.equal(r.code, 0, r.stderr);
  const rho = spearman(score, acc);
  assert.equal(rho, 1);
  assert.match(r.stdout, /Spearman rho\s+1\.000/);
  assert.match(r.stdout, /baseline: params_c10_M/);
  // Restricted to the architectures of another file: here the first three, still perfectly ranked.
  const subsetFile = join(dir, "subset.jsonl");
  writeFileSync(
    subsetFile,
    `${archs
      .slice(0, 3)
      .map((a) => JSON.stringify({ arch_str: a }))
      .join("\n")}\n`,
  );
  const restricted = cli(
    "correlate",
    "--table",
    table,
    "--scores",
    scores,
    "--target",
    "acc",
    "--only-archs-in",
    subsetFile,
  );
  assert.equal(restricted.code, 0, restricted.stderr);
  assert.match(restricted.stdout, /^3 architectures/);
  const bad = cli("correlate", "--table", table, "--scores", scores, "--target", "c10_test_200");
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /c10_test_200/);
});

test("export writes a standalone ONNX model that ONNX Runtime runs", async () => {
  const out = join(dir, "model.onnx");
  const r = cli("export", "--arch", ARCH, "--out", out, "--seed", "3");
  assert.equal(r.code, 0, r.stderr);
  const session = await ort.InferenceSession.create(out);
  assert.deepEqual(session.inputNames, ["input"]);
  const x = new ort.Tensor(
    "float32",
    new Float32Array(2 * 3 * 32 * 32).map((_, i) => Math.cos(i)),
    [2, 3, 32, 32],
  );
  const y = await session.run({ input: x });
  assert.deepEqual(y.logits!.dims, [2, 10]);
  assert.deepEqual(y.features!.dims, [2, 64]);
  assert.ok([...(y.logits!.data as Float32Array)].every(Number.isFinite));
  // Deterministic in the seed.
  const copy = join(dir, "model2.onnx");
  assert.equal(cli("export", "--arch", ARCH, "--out", copy, "--seed", "3").code, 0);
  assert.deepEqual(readFileSync(copy), readFileSync(out));
});

test("score --metric a,b writes every value per architecture in one line; correlate ranks each with its sign", () => {
  const out = join(dir, "zc.jsonl");
  const args = [
    "score",
    "--metric",
    "params,flops,ntk",
    "--set",
    "ntk.batchSize=4",
    "--arch",
    ARCH,
    ARCH2,
    "--out",
    out,
  ];
  const r = cli(...args);
  assert.equal(r.code, 0, r.stderr);
  const records = readJsonl<Record<string, unknown>>(out);
  assert.equal(records.length, 2);
  const graph = buildNb201(parseNb201(ARCH), { inputShape: [1, 28, 28], numClasses: 10 });
  assert.equal(records[0]!.params, paramCount(graph));
  assert.equal(records[0]!.flops, flops(graph));
  assert.equal(typeof records[0]!.ntk_cond, "number");
  assert.deepEqual((records[0]!.settings as { options: object }).options, { ntk: { batchSize: 4 } });
  // A rerun resumes: nothing new is appended.
  assert.equal(cli(...args).code, 0);
  assert.equal(readJsonl(out).length, 2);

  const table = join(dir, "table.csv");
  writeFileSync(table, `arch_str,acc\n${ARCH},93\n${ARCH2},80\n`);
  const c = cli("correlate", "--table", table, "--scores", out, "--target", "acc");
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /== params \(higher is better\)/);
  assert.match(c.stdout, /== ntk_cond \(lower is better\)/);
});

const paramsRecord = (arch: string, params: number, seed = 0) => ({
  arch_str: arch,
  space: "nb201",
  metric: "zero-cost",
  seed,
  settings: { data: "fashion-mnist", data_seed: 0, metrics: ["params"] },
  version: "0.1.0",
  params,
  seconds: { params: 0.001 },
});

test("score --out keeps a complete last record that lacks its newline; a repeated --arch is scored once", () => {
  const out = join(dir, "no-newline.jsonl");
  const kept = JSON.stringify(paramsRecord(ARCH2, 123));
  writeFileSync(out, kept); // complete, but no final newline (an editor, a hand-made file)
  const r = cli("score", "--metric", "params", "--arch", ARCH, ARCH, "--out", out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /nasprobe: note: --arch: 1 repeated architecture \(same canonical form\) scored once/,
  );
  const lines = readFileSync(out, "utf8").split("\n");
  assert.equal(lines[0], kept, "the record without newline was deleted before");
  assert.equal(lines.length, 3);
  assert.equal(lines[2], "");
  assert.equal(JSON.parse(lines[1]!).arch_str, ARCH);
  assert.equal((r.stdout.match(/802138/g) ?? []).length, 1, "the top list names each architecture once");
});

test("records of an earlier run with null values or other settings do not stop later runs", () => {
  // What `--n-val 1` used to leave behind (no values, a reason), and a hand-made line without settings.
  const out = join(dir, "poisoned.jsonl");
  writeFileSync(
    out,
    [
      {
        arch_str: ARCH,
        space: "nb201",
        metric: "nngp",
        seed: 0,
        settings: { data: "fashion-mnist", data_seed: 0, n_train: 40, n_val: 1, ensemble: 1 },
        score: null,
        held_out_score: null,
        best_epsilon: null,
        reasons: { nngp: "validation set too small" },
      },
      { arch_str: ARCH2, metric: "zero-cost" },
    ]
      .map((x) => `${JSON.stringify(x)}\n`)
      .join(""),
  );
  const r = cli("score", "--metric", "params", "--arch", ARCH, ARCH2, "--out", out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readJsonl(out).length, 4);
  const table = join(dir, "poisoned.csv");
  writeFileSync(table, `arch_str,acc\n${ARCH},93\n${ARCH2},80\n`);
  const c = cli("correlate", "--table", table, "--scores", out, "--target", "acc", "--field", "params");
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /Spearman rho\s+1\.000/);
});

test("correlate refuses two seeds of one architecture, --seed picks one, and torn or unknown lines are reported", () => {
  const table = join(dir, "seeds.csv");
  writeFileSync(
    table,
    `arch_str,acc\n${ARCH},93\n${ARCH2},80\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,10\n`,
  );
  const C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  const honest = [ARCH, ARCH2, C].map((a, i) => paramsRecord(a, 3 - i, 0));
  // Forged lines of another seed, placed first, used to win the merge and flip rho from +1 to -1.
  const forged = [ARCH, ARCH2, C].map((a, i) => paramsRecord(a, i, 1));
  const scores = join(dir, "seeds.jsonl");
  writeFileSync(
    scores,
    `${[
      ...forged,
      ...honest,
      paramsRecord("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|", 9),
    ]
      .map((x) => JSON.stringify(x))
      .join("\n")}\n{"arch_str":"|nor_co`,
  );
  const mixed = cli("correlate", "--table", table, "--scores", scores, "--target", "acc");
  assert.equal(mixed.code, 1);
  assert.equal(
    mixed.stderr,
    `nasprobe: error: ${scores}: line 4: a second, different "params" for ${ARCH} (3, but 0 on line 1: seed 0 vs 1; pass --seed to pick one)\n`,
  );
  const seed0 = cli("correlate", "--table", table, "--scores", scores, "--target", "acc", "--seed", "0");
  assert.equal(seed0.code, 0, seed0.stderr);
  assert.match(seed0.stdout, /^3 architectures, target acc/);
  assert.match(seed0.stdout, /Spearman rho\s+1\.000/);
  assert.match(
    seed0.stderr,
    /nasprobe: note: .*seeds\.jsonl: line 8 is torn \(an interrupted write\?\); left out/,
  );
  assert.match(
    seed0.stderr,
    /nasprobe: note: 1 architecture of .*seeds\.jsonl is not in the table .*seeds\.csv; ignored/,
  );
  assert.match(seed0.stderr, /nasprobe: note: .*: 3 records of seeds other than 0 left out/);
  const seed1 = cli("correlate", "--table", table, "--scores", scores, "--target", "acc", "--seed", "1");
  assert.match(seed1.stdout, /Spearman rho\s+-1\.000/);
});

test("stdout closed early ends a listing quietly; a full disk is one error line, not a stack trace", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", main, "info", "--all"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(code, 0);
  assert.equal(stderr, "");
  const full = openSync("/dev/full", "w");
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", main, "info", "--all"], {
      stdio: ["ignore", full, "pipe"],
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "nasprobe: error: cannot write to standard output (ENOSPC)\n");
  } finally {
    closeSync(full);
  }
});
