import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chooseArchitectures } from "../app/score.js";
import { kendallTauB } from "../benchmarks/rankStats.js";
import { nb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";

const main = resolve(fileURLToPath(import.meta.url), "../main.ts");
const dir = mkdtempSync(join(tmpdir(), "nasprobe-predict-"));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// 60 NB201 cells with two values; the label is a noisy monotone function of both.
const rng = new Rng(3, "predict-cli");
const archs = chooseArchitectures(nb201, { sample: 60 }, 0).archStrs;
const rows = archs.map((arch_str) => {
  const naswot = 1500 + 100 * rng.normal();
  const meco = Math.exp(rng.normal());
  const acc = 0.05 * naswot + 10 * Math.log(meco) + rng.normal();
  return { arch_str, naswot, meco, acc, test: acc + 0.5 * rng.normal() };
});
const scores = join(dir, "scores.jsonl");
writeFileSync(
  scores,
  rows.map(({ arch_str, naswot, meco }) => JSON.stringify({ arch_str, seed: 0, naswot, meco })).join("\n"),
);
const labels = join(dir, "labels.csv");
writeFileSync(
  labels,
  `arch_str,acc,test\n${rows.map((r) => `"${r.arch_str}",${r.acc},${r.test}`).join("\n")}\n`,
);

test("predict fits on --n labels, predicts every scored architecture and rates the held-out ones", () => {
  const out = join(dir, "pred.jsonl");
  const r = cli("predict", "--scores", scores, "--labels", labels, "--label", "acc", "--n", "15");
  assert.notEqual(r.code, 0, "--out is required");
  const ok = cli(
    "predict",
    ...["--scores", scores, "--labels", labels, "--label", "acc", "--n", "15"],
    ...["--evaluate", "test", "--out", out],
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /60 architectures, 15 labelled by acc; features: meco, naswot/);
  assert.match(ok.stdout, /held out: 45 architectures, against acc/);
  assert.match(ok.stdout, /held out: against test/);
  const preds = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    preds.map((p) => p.arch_str),
    archs,
  );
  assert.equal(preds.filter((p) => p.labelled).length, 15);
  for (const p of preds.filter((q) => q.labelled))
    assert.equal(p.label, rows.find((x) => x.arch_str === p.arch_str)!.acc);
  const held = preds.filter((p) => !p.labelled);
  const tau = kendallTauB(
    Float64Array.from(held, (p) => p.prediction),
    Float64Array.from(held, (p) => rows.find((x) => x.arch_str === p.arch_str)!.acc),
  );
  assert.ok(tau > 0.6, `held-out τ ${tau}`);
  // The same seed draws the same labels and gives the same predictions.
  const again = join(dir, "again.jsonl");
  cli("predict", "--scores", scores, "--labels", labels, "--label", "acc", "--n", "15", "--out", again);
  assert.equal(readFileSync(again, "utf8"), readFileSync(out, "utf8"));
});

test("predict --scores F --labels F --out F: a table of one label column needs no --label", () => {
  const single = join(dir, "single.csv");
  writeFileSync(single, `arch_str,accuracy\n${rows.map((r) => `"${r.arch_str}",${r.acc}`).join("\n")}\n`);
  const out = join(dir, "single.jsonl");
  const r = cli("predict", "--scores", scores, "--labels", single, "--out", out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /60 architectures, 60 labelled by accuracy/);
  assert.equal(readFileSync(out, "utf8").trim().split("\n").length, 60);
});

test("predict refuses bad input in one line and writes nothing", () => {
  const out = join(dir, "never.jsonl");
  const base = ["predict", "--scores", scores, "--labels", labels, "--out", out];
  const cases: Array<[string[], RegExp]> = [
    [[...base, "--label", "acc", "--n", "61"], /--n 61: only 60 scored architectures have a acc/],
    [base, /name the column to fit on with --label \(it has 2 besides arch_str: acc, test\)/],
    [[...base, "--label", "nope"], /nope/],
    [[...base, "--label", "acc", "--features", "meco,zen"], /no architecture has a "zen" value/],
    [[...base, "--label", "acc", "--features", "meco,meco"], /--features repeats a name/],
    [[...base, "--label", "acc", "--n", "1"], /needs at least 2/],
    [
      ["predict", "--scores", scores, "--labels", labels, "--label", "acc", "--out", scores],
      /is the --scores file/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  assert.equal(existsSync(out), false);
});
