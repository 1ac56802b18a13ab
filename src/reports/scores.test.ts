import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Command } from "commander";
import { plotScatter, registerPlot } from "../cli/plot.js";
import { mergeScoreRecords, readScores, resolveMetricField } from "./scores.js";

const A = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const B = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|";
const C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const D = "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|";

describe("score records", () => {
  it("merges records per architecture, the first value of a field winning", () => {
    const merged = mergeScoreRecords(
      [
        { arch_str: A, metric: "nngp", score: 0.3 },
        { arch_str: B, naswot: 10 },
        { arch_str: A, metric: "zero-cost", naswot: 12, score: 0.9 },
      ],
      "f.jsonl",
    );
    assert.deepEqual([...merged.keys()], [A, B]);
    assert.deepEqual(merged.get(A), { arch_str: A, metric: "nngp", score: 0.3, naswot: 12 });
    assert.throws(() => mergeScoreRecords([{ naswot: 1 }], "f.jsonl"), /f\.jsonl: a record has no arch_str/);
    const empty = join(mkdtempSync(join(tmpdir(), "nasprobe-plot-")), "empty.jsonl");
    writeFileSync(empty, "");
    assert.throws(() => readScores(empty), /empty\.jsonl holds no scores/);
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

  it("plots the metric against the column with Spearman ρ and Kendall τ over finite pairs", () => {
    const out = join(dir, "s.svg");
    // A, B are finite (C's naswot is null, D's accuracy NaN, the fifth cell is not in the table).
    const summary = plotScatter({ ...base, out });
    assert.equal(summary, `${out}: 2 architectures, Spearman ρ 1.000, Kendall τ 1.000, 1 not in the table`);
    const svg = readFileSync(out, "utf8");
    for (const text of [
      ">naswot vs c10_test_200</text>",
      ">Spearman ρ 1.000</text>",
      ">Kendall τ 1.000</text>",
    ])
      assert.ok(svg.includes(text), text);
    assert.ok(svg.includes(">n = 2 (2 non-finite left out)</text>"));
  });

  it("reads an NNGP file's score through --metric nngp", () => {
    const out = join(dir, "n.svg");
    plotScatter({ ...base, metric: "nngp", out });
    const svg = readFileSync(out, "utf8");
    assert.ok(svg.includes(">nngp score</text>"));
    assert.ok(svg.includes(">Spearman ρ 1.000</text>"));
  });

  it("fails in one clear line on bad input", () => {
    const out = join(dir, "x.svg");
    assert.throws(
      () => plotScatter({ ...base, out, metric: "zen" }),
      /no "zen" values \(found: naswot, score\)/,
    );
    assert.throws(() => plotScatter({ ...base, out, column: "nope" }), /no "nope" column/);
    assert.throws(
      () => plotScatter({ ...base, out, scores: join(dir, "none.jsonl") }),
      /none\.jsonl: file not found/,
    );
    assert.throws(() => plotScatter({ ...base, out: join(dir, "x.jpg") }), /unknown extension "\.jpg"/);
    assert.throws(
      () => plotScatter({ ...base, out, xScale: "sqrt" }),
      /--x-scale must be auto, linear or log/,
    );
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
