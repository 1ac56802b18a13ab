import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sharedDataPath } from "../util/sharedData.js";
import { readBenchmarkTable } from "./table.js";

const nb201 = sharedDataPath("nb201/nb201.csv");

describe("readBenchmarkTable on NB201", { skip: nb201 === undefined && "../shared/data is absent" }, () => {
  const path = nb201!;
  it("reads all 15,625 architectures with their columns", () => {
    const table = readBenchmarkTable(path, { required: ["c10_test_200", "params_c10_M"] });
    assert.equal(table.size, 15_625);
    assert.equal(table.archStrs.length, 15_625);
    assert.ok(table.has("c10valid_valid_200"));
    const first =
      "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
    assert.equal(table.archStrs[0], first);
    assert.equal(table.indexOf(first), 0);
    assert.equal(table.indexOf("|none~0|"), undefined);
    const accuracy = table.column("c10_test_200");
    assert.equal(accuracy.length, 15_625);
    assert.equal(accuracy[0], 85.863333);
    assert.equal(Math.max(...accuracy), 94.373333); // the known optimum
    assert.deepEqual(
      table.column("index"),
      Float64Array.from({ length: 15_625 }, (_, i) => i),
    );
  });
});

describe("readBenchmarkTable errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-table-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  const csv = (text: string) => {
    const path = join(dir, `t${count++}.csv`);
    writeFileSync(path, text);
    return path;
  };

  it("reads a small table, skipping blank lines, with nan as NaN", () => {
    const table = readBenchmarkTable(csv("arch_str,acc,params\n|a|, 90.5 ,1e-3\n\n|b|,nan,2\n"));
    assert.deepEqual(table.columns, ["arch_str", "acc", "params"]);
    assert.deepEqual(table.archStrs, ["|a|", "|b|"]);
    assert.deepEqual([...table.column("params")], [0.001, 2]);
    const acc = table.column("acc");
    assert.equal(acc[0], 90.5);
    assert.ok(Number.isNaN(acc[1]));
    acc[0] = 0; // callers get a copy
    assert.equal(table.column("acc")[0], 90.5);
  });
  it("names a missing file", () => {
    const path = join(dir, "absent.csv");
    assert.throws(() => readBenchmarkTable(path), { message: `benchmark table ${path}: file not found` });
  });
  it("names an empty file", () => {
    assert.throws(() => readBenchmarkTable(csv("")), /file is empty/);
  });
  it("lists the available columns when arch_str or a required column is missing", () => {
    assert.throws(
      () => readBenchmarkTable(csv("arch,acc\nx,1\n")),
      /no "arch_str" column \(available: arch, acc\)/,
    );
    assert.throws(
      () => readBenchmarkTable(csv("arch_str,acc\nx,1\n"), { required: ["acc", "flops"] }),
      /no "flops" column \(available: arch_str, acc\)/,
    );
    const table = readBenchmarkTable(csv("arch_str,acc\nx,1\n"));
    assert.throws(() => table.column("flops"), /no "flops" column \(available: arch_str, acc\)/);
  });
  it("names line and column of a non-numeric or empty cell", () => {
    const path = csv("arch_str,acc,params\n|a|,90,1\n|b|,ninety,2\n|c|,,3\n");
    const table = readBenchmarkTable(path);
    assert.deepEqual([...table.column("params")], [1, 2, 3]); // other columns still read
    assert.throws(() => table.column("acc"), {
      message: `benchmark table ${path}: line 3, column "acc": not a number: "ninety"`,
    });
    assert.throws(() => readBenchmarkTable(path, { required: ["acc"] }), /line 3, column "acc"/);
    assert.throws(() => readBenchmarkTable(csv("arch_str,acc\n|a|,1\n|c|,\n")).column("acc"), /line 3.*: ""/);
  });
  it("rejects duplicate architectures, naming both lines", () => {
    assert.throws(
      () => readBenchmarkTable(csv("arch_str,acc\n|a|,1\n|b|,2\n|a|,3\n")),
      /line 4: duplicate arch_str "\|a\|" \(first on line 2\)/,
    );
  });
  it("rejects ragged rows", () => {
    assert.throws(
      () => readBenchmarkTable(csv("arch_str,acc\n|a|,1\n|b|,2,3\n")),
      /line 3 has 3 cells, header has 2/,
    );
    assert.throws(() => readBenchmarkTable(csv("arch_str,acc\n|a|\n")), /line 2 has 1 cells, header has 2/);
  });
});
