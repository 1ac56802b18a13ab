import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Command } from "commander";
import { plotScatter, registerPlot } from "../cli/plot.js";
import { mergeScoreRecords, mergeScores, readScoreSet, readScores, resolveMetricField } from "./scores.js";

const A = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const B = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|";
const C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const D = "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|";

describe("score records", () => {
  it("merges records per architecture; equal repeats pass, a second different value is refused", () => {
    const merged = mergeScoreRecords(
      [
        { arch_str: A, metric: "nngp", seed: 0, score: 0.3 },
        { arch_str: B, naswot: 10 },
        { arch_str: A, metric: "zero-cost", seed: 0, naswot: 12 },
        { arch_str: A, metric: "nngp", seed: 0, score: 0.3 },
      ],
      "f.jsonl",
    );
    assert.deepEqual([...merged.keys()], [A, B]);
    assert.deepEqual(merged.get(A), { arch_str: A, metric: "nngp", seed: 0, score: 0.3, naswot: 12 });
    assert.throws(
      () => mergeScoreRecords([{ naswot: 1 }], "f.jsonl"),
      /f\.jsonl: line 1: a record has no arch_str/,
    );
    const empty = join(mkdtempSync(join(tmpdir(), "nasprobe-plot-")), "empty.jsonl");
    writeFileSync(empty, "");
    assert.throws(() => readScores(empty), /empty\.jsonl holds no scores/);
  });

  it("refuses records of one architecture from different seeds or settings, naming both lines", () => {
    // Forged lines placed first used to win silently and flip the ranking.
    const records = [
      { arch_str: A, metric: "zero-cost", seed: 1, naswot: 1 },
      { arch_str: B, metric: "zero-cost", seed: 1, naswot: 2 },
      { arch_str: A, metric: "zero-cost", seed: 0, naswot: 2 },
      { arch_str: B, metric: "zero-cost", seed: 0, naswot: 1 },
    ];
    assert.throws(
      () => mergeScoreRecords(records, "f.jsonl"),
      /^Error: f\.jsonl: line 3: a second, different "naswot" for \|nor_conv_3x3.* \(2, but 1 on line 1: seed 0 vs 1; pass --seed to pick one\)$/,
    );
    const settings = (n: number) => ({ data: "fashion-mnist", data_seed: 0, n_train: n });
    assert.throws(
      () =>
        mergeScoreRecords(
          [
            { arch_str: A, metric: "nngp", seed: 0, settings: settings(40), score: 0.3 },
            { arch_str: A, metric: "nngp", seed: 0, settings: settings(80), score: 0.4 },
          ],
          "f.jsonl",
          { lines: [7, 9] },
        ),
      /line 9: a second, different "score" .*on line 7: other settings/,
    );
    // --seed picks one seed: each architecture then has one value.
    const seed0 = mergeScores(records, "f.jsonl", { seed: 0 });
    assert.deepEqual(
      [...seed0.merged].map(([arch, r]) => [arch, r.naswot]),
      [
        [A, 2],
        [B, 1],
      ],
    );
    assert.equal(seed0.otherSeeds, 2);
    assert.equal(seed0.line(A, "naswot"), 3);
  });

  it("warns when one value comes from different seeds or settings across architectures", () => {
    const warnings: string[] = [];
    mergeScoreRecords(
      [
        {
          arch_str: A,
          metric: "zero-cost",
          seed: 0,
          settings: { data: "d", metrics: ["naswot"] },
          naswot: 1,
        },
        // Another metric scored alongside does not make naswot's settings differ.
        {
          arch_str: B,
          metric: "zero-cost",
          seed: 0,
          settings: { data: "d", metrics: ["naswot", "snip"] },
          naswot: 2,
        },
        {
          arch_str: C,
          metric: "zero-cost",
          seed: 5,
          settings: { data: "d", metrics: ["naswot"] },
          naswot: 3,
        },
      ],
      "f.jsonl",
      { warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(warnings, [
      'f.jsonl: its "naswot" values come from 2 different seeds or settings (lines 1, 3); ranking them together (--seed picks one seed)',
    ]);
  });

  it("reads a scores file: a complete last record without newline counts, a torn one is reported", () => {
    const dir = mkdtempSync(join(tmpdir(), "nasprobe-scores-"));
    const file = join(dir, "s.jsonl");
    writeFileSync(
      file,
      `${JSON.stringify({ arch_str: A, naswot: 1 })}\n${JSON.stringify({ arch_str: B, naswot: 2 })}`,
    );
    assert.deepEqual([...readScores(file).keys()], [A, B]);
    writeFileSync(file, `${JSON.stringify({ arch_str: A, naswot: 1 })}\n{"arch_str": "|nor_conv`);
    const notes: string[] = [];
    const set = readScoreSet(file, { note: (m) => notes.push(m) });
    assert.deepEqual([...set.merged.keys()], [A]);
    assert.equal(set.torn, 2);
    assert.match(notes[0]!, /s\.jsonl: line 2 is torn/);
    writeFileSync(file, `${JSON.stringify({ arch_str: A, naswot: 1 })}\nhello`);
    assert.throws(() => readScores(file), /s\.jsonl: line 2 is not valid JSON/);
    writeFileSync(file, '{"a":1}\n');
    assert.throws(() => readScores(file), /s\.jsonl: line 1: not a score record/);
    writeFileSync(file, "null\n");
    assert.throws(() => readScores(file), /s\.jsonl: line 1: not a score record/);
  });

  it("finds a metric's field, NNGP's being its score", () => {
    const records = [
      { arch_str: A, metric: "nngp", score: 0.3, held_out_score: 0.2 },
      { arch_str: B, synflow: 3 },
    ];
    assert.equal(resolveMetricField(records, "synflow", "f"), "synflow");
    assert.equal(resolveMetricField(records, "nngp", "f"), "score");
    assert.equal(resolveMetricField(records, "held_out_score", "f"), "held_out_score");
    assert.throws(
      () => resolveMetricField(records, "naswot", "f"),
      /^Error: f: no "naswot" values \(found: held_out_score, score, synflow\)$/,
    );
  });
});

describe("plot scatter", () => {
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-plot-"));
  const table = join(dir, "table.csv");
  writeFileSync(table, `arch_str,c10_test_200\n${A},94\n${B},90\n${C},10\n${D},nan\n`);
  const scores = join(dir, "scores.jsonl");
  const lines = [
    { arch_str: A, naswot: 1500 },
    { arch_str: B, naswot: 1400 },
    { arch_str: C, naswot: null },
    { arch_str: D, naswot: 1300 },
    { arch_str: "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", naswot: 1 },
    { arch_str: C, metric: "nngp", score: 0.1 },
    { arch_str: A, metric: "nngp", score: 0.3 },
  ];
  writeFileSync(scores, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
  const base = { scores, table, metric: "naswot", column: "c10_test_200", xScale: "auto" };

  it("plots the metric against the column with Spearman ρ and Kendall τ over finite pairs", async () => {
    const out = join(dir, "s.svg");
    // A, B are finite (C's naswot is null, D's accuracy NaN, the fifth cell is not in the table).
    const summary = await plotScatter({ ...base, out });
    assert.equal(summary, `${out}: 2 architectures, Spearman ρ 1.000, Kendall τ 1.000, 1 not in the table`);
    const svg = readFileSync(out, "utf8");
    // The annotation is one text of several lines (tspans).
    for (const text of [
      ">naswot vs c10_test_200</text>",
      ">Spearman ρ 1.000</tspan>",
      ">Kendall τ 1.000</tspan>",
      ">n = 2 (2 non-finite left out)</tspan>",
      ">naswot</text>",
      ">c10_test_200</text>",
    ])
      assert.ok(svg.includes(text), text);
    // Two dots, each named by its architecture in the tooltip data but not read out one by one.
    const dots = svg.match(/<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/s)![1]!;
    assert.equal(dots.match(/<path /g)?.length, 2);
  });

  it("reads an NNGP file's score through --metric nngp", async () => {
    const out = join(dir, "n.svg");
    await plotScatter({ ...base, metric: "nngp", out });
    const svg = readFileSync(out, "utf8");
    assert.ok(svg.includes(">nngp score</text>"));
    assert.ok(svg.includes(">Spearman ρ 1.000</tspan>"));
  });

  it("fails in one clear line on bad input, writing nothing", async () => {
    const out = join(dir, "x.svg");
    await assert.rejects(
      () => plotScatter({ ...base, out, metric: "zen" }),
      /no "zen" values \(found: naswot, score\)/,
    );
    await assert.rejects(() => plotScatter({ ...base, out, column: "nope" }), /no "nope" column/);
    await assert.rejects(
      () => plotScatter({ ...base, out, scores: join(dir, "none.jsonl") }),
      /none\.jsonl: file not found/,
    );
    await assert.rejects(
      () => plotScatter({ ...base, out: join(dir, "x.jpg") }),
      /unknown extension "\.jpg"/,
    );
    await assert.rejects(
      () => plotScatter({ ...base, out, xScale: "sqrt" }),
      /--x-scale must be auto, linear or log/,
    );
    assert.ok(!existsSync(out) && !existsSync(join(dir, "x.jpg")));
  });

  it("registers `plot scatter` on a command", async () => {
    const program = new Command().exitOverride();
    const plot = registerPlot(program);
    assert.equal(plot.name(), "plot");
    const out = join(dir, "cli.png");
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((s: string) => {
      printed += s;
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(
        [
          "plot",
          "scatter",
          "--scores",
          scores,
          "--table",
          table,
          "--metric",
          "naswot",
          "--out",
          out,
          "--width",
          "300",
        ],
        { from: "user" },
      );
    } finally {
      process.stdout.write = write;
    }
    assert.match(printed, /cli\.png: 2 architectures, Spearman ρ 1\.000/);
    assert.equal(readFileSync(out).readUInt32BE(16), 300);
  });
});
