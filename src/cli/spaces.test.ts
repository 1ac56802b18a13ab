// The space commands end to end: `spaces`, `info` on every benchmark space against its published
// numbers, and malformed architectures / space files as one error line with nothing written.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { sharedDataPath } from "../util/sharedData.js";

const main = resolve(fileURLToPath(import.meta.url), "../main.ts");
const root = resolve(fileURLToPath(import.meta.url), "../../..");
const dir = mkdtempSync(join(tmpdir(), "nasprobe-spaces-cli-"));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    encoding: "utf8",
    cwd: root,
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("spaces lists every built-in space with its size and hooks", () => {
  const r = cli("spaces", "--format", "json");
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { name: string; size: number | string; hooks: string[] });
  const by = Object.fromEntries(rows.map((x) => [x.name, x]));
  assert.equal(by.nb201!.size, 15625);
  assert.equal(by.nb101!.size, 423624);
  assert.equal(by.nbmacro!.size, 6561);
  assert.ok(by.nb201!.hooks.includes("supernet (TE-NAS)"));
  assert.ok(!by.nbmacro!.hooks.includes("supernet (TE-NAS)"));
  assert.equal(cli("info", "--space", "nb101", "--count").stdout, "423624\n");
});

test("info --space nbmacro --all reproduces the benchmark's cost table row for row", {
  skip: !sharedDataPath("nbmacro/nbmacro_cost.csv"),
}, () => {
  const r = cli("info", "--space", "nbmacro", "--all", "--format", "csv");
  assert.equal(r.code, 0, r.stderr);
  const expected = readFileSync(sharedDataPath("nbmacro/nbmacro_cost.csv")!, "utf8").replaceAll("\r", "");
  assert.equal(r.stdout, expected);
});

test("info --space nb101 prints hash, params and FLOPs of the 30 official records", {
  skip: !sharedDataPath("nb101/nb101_30.json"),
}, () => {
  const records = JSON.parse(readFileSync(sharedDataPath("nb101/nb101_30.json")!, "utf8")) as Array<{
    hash: string;
    matrix: number[][];
    ops: string[];
    trainable_parameters: number;
  }>;
  const r = cli(
    "info",
    "--space",
    "nb101",
    "--format",
    "json",
    "--arch",
    ...records.map((x) => JSON.stringify({ matrix: x.matrix, ops: x.ops })),
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { hash: string; params: number; flops: number });
  assert.equal(rows.length, 30);
  rows.forEach((row, i) => {
    assert.equal(row.hash, records[i]!.hash);
    assert.equal(row.params, records[i]!.trainable_parameters);
    assert.ok(row.flops > 0);
  });
});

test("malformed architectures and space files: one line naming the fault, non-zero exit, nothing written", () => {
  const study = join(dir, "never.db");
  const cell = (matrix: number[][], ops: string[]) => JSON.stringify({ matrix, ops });
  const ten = [
    [0, 1, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 0, 0],
    [0, 0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0],
  ];
  const conv = "conv3x3-bn-relu";
  writeFileSync(join(dir, "broken.json"), "{ not json");
  writeFileSync(join(dir, "empty.json"), '{"name":"e","network":[]}');
  const cases: Array<[string[], RegExp]> = [
    [
      [
        "info",
        "--space",
        "nb101",
        "--arch",
        cell(
          [
            [0, 1],
            [1, 0],
          ],
          ["input", "output"],
        ),
      ],
      /not upper triangular.*cycle/,
    ],
    [
      ["info", "--space", "nb101", "--arch", cell(ten, ["input", conv, conv, conv, conv, conv, "output"])],
      /13 edges after pruning; 9 at most/,
    ],
    [
      [
        "info",
        "--space",
        "nb101",
        "--arch",
        cell(
          [
            [0, 1, 0],
            [0, 0, 1],
            [0, 0, 0],
          ],
          ["input", "conv5x5", "output"],
        ),
      ],
      /unknown op "conv5x5"/,
    ],
    [
      [
        "info",
        "--space",
        "nb101",
        "--arch",
        cell(
          [
            [0, 1, 0],
            [0, 0, 1],
            [0, 0, 0],
          ],
          ["input", "output"],
        ),
      ],
      /op count 2 differs from the vertex count 3/,
    ],
    [
      ["info", "--space", "nb101", "--arch", "0123456789abcdef0123456789abcdef"],
      /hash 0123456789abcdef0123456789abcdef is not in the space/,
    ],
    [["info", "--space", "nbmacro", "--arch", "0120"], /expected 8 digits .*found 4 characters/],
    [["info", "--space", "nbmacro", "--arch", "01203000"], /layer 5 has choice 3/],
    [["info", "--space", join(dir, "broken.json"), "--count"], /broken\.json: not JSON/],
    [["info", "--space", join(dir, "empty.json"), "--count"], /empty\.json: declares no "choices"/],
    [
      [
        "search",
        "--space",
        join(dir, "empty.json"),
        "--algo",
        "rs",
        "--objective",
        "params",
        "--budget",
        "1",
        "--study",
        study,
      ],
      /declares no "choices"/,
    ],
    [
      ["search", "--space", "nbmacro", "--algo", "tenas", "--objective", "table:mean_acc", "--study", study],
      /TE-NAS is not available for space nbmacro/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.notEqual(r.code, 0, args.join(" "));
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, message);
    assert.equal(r.stdout, "");
  }
  assert.equal(existsSync(study), false, "no study file is created by a failed command");
});
