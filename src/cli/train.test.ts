import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { loadDataset } from "../data/index.js";

const main = resolve(fileURLToPath(import.meta.url), "../main.ts");
const dir = mkdtempSync(join(tmpdir(), "nasprobe-train-"));
const SPACE = "mlp:depth=2,width=32";
const ARCH =
  '{"family":"resnet","layers":[{"activation":"relu","skip":"none"},{"activation":"tanh","skip":"identity"}]}';
const COMMON = ["train", "--space", SPACE, "--arch", ARCH, "--epochs", "3", "--data", "fashion-mnist"];
const DATA = ["--train-count", "1200", "--val-count", "300", "--batch-size", "50", "--threads", "1"];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** A record without its timings, which differ between runs. */
const values = (r: Record<string, unknown>) => {
  const { seconds: _s, images_per_second: _i, total_seconds: _t, ...rest } = r;
  return rest;
};

test("train: a run killed after its first checkpoint resumes to exactly the uninterrupted result", async () => {
  const whole = join(dir, "whole.jsonl");
  const model = join(dir, "whole.onnx");
  const a = cli(...COMMON, ...DATA, "--out", whole, "--export", model);
  assert.equal(a.code, 0, a.stderr);
  const full = lines(whole);
  assert.equal(full.length, 4);
  assert.deepEqual(
    full.map((r) => r.epoch),
    [1, 2, 3, 3],
  );
  assert.equal(full[3]!.final, true);
  assert.equal(full[3]!.stopped, "completed");
  // Training works on real data: loss falls and the MLP learns Fashion-MNIST well past chance.
  assert.ok((full[2]!.train_loss as number) < (full[0]!.train_loss as number));
  assert.ok((full[2]!.val_accuracy as number) > 0.45, `val accuracy ${full[2]!.val_accuracy}`);

  // The exported model reproduces the final validation accuracy on the same images.
  const session = await ort.InferenceSession.create(model);
  const val = loadDataset("fashion-mnist", { seed: 0, trainCount: 1200, testCount: 300 }).test!;
  const out = await session.run({ input: new ort.Tensor("float32", val.images, [val.count, 1, 28, 28]) });
  const logits = out.logits!.data as Float32Array;
  let correct = 0;
  for (let i = 0; i < val.count; i++) {
    const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
    if (row.indexOf(Math.max(...row)) === val.labels[i]) correct++;
  }
  assert.ok(Math.abs(correct / val.count - (full[2]!.val_accuracy as number)) < 1e-9);

  const killed = join(dir, "killed.jsonl");
  const child = spawn(process.execPath, ["--import", "tsx", main, ...COMMON, ...DATA, "--out", killed], {
    stdio: "ignore",
  });
  await new Promise<void>((done, fail) => {
    const poll = setInterval(() => {
      if (existsSync(`${killed}.ckpt`)) {
        clearInterval(poll);
        child.kill("SIGKILL");
      }
    }, 20);
    child.on("exit", () => {
      clearInterval(poll);
      existsSync(`${killed}.ckpt`) ? done() : fail(new Error("the run ended before writing a checkpoint"));
    });
  });
  const partial = lines(killed);
  assert.ok(partial.length >= 1 && partial.length < 4, `killed run left ${partial.length} lines`);
  const b = cli(...COMMON, ...DATA, "--out", killed);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(lines(killed).map(values), full.map(values));

  // A checkpoint of other settings is refused, naming the difference.
  const c = cli(...COMMON, ...DATA, "--out", killed, "--lr", "0.05");
  assert.equal(c.code, 1);
  assert.match(c.stderr, /checkpoint .* is from another run \(settings\.schedule\.lr: 0\.1 ≠ 0\.05/);
  assert.equal(c.stderr.trim().split("\n").length, 1);
});

test("train: bad optimizer, schedule or settings are one error line before any work", () => {
  const out = join(dir, "bad.jsonl");
  const cases: Array<[string[], RegExp]> = [
    [["--optimizer", "rmsprop"], /unknown optimizer "rmsprop" \(known: sgd, adamw\)/],
    [["--schedule", "linear"], /schedule\.kind=linear: must be one of cosine, step, constant/],
    [["--set", "optimizer.momentum=2"], /sgd\.momentum=2: must be a number in \[0, 0\.999999\]/],
    [["--set", "optimizer.betas=2"], /sgd has no option betas/],
    [["--label-smoothing", "1.5"], /train\.labelSmoothing=1\.5: must be a number in \[0, 0\.999\]/],
    [["--lr", "-1"], /schedule\.lr=-1: must be a number > 0/],
    [["--budget-seconds", "0"], /--budget-seconds needs a number > 0/],
    [
      ["--checkpoint", join(dir, "damaged.ckpt")],
      /damaged\.ckpt is a damaged nasprobe checkpoint \(its header is not JSON\)/,
    ],
    [["--checkpoint", join(dir, "other.ckpt")], /other\.ckpt is not a nasprobe checkpoint/],
    [
      ["--checkpoint", join(dir, "no", "such", "dir.ckpt")],
      /cannot write checkpoint .*dir\.ckpt: its directory does not exist/,
    ],
  ];
  writeFileSync(
    join(dir, "damaged.ckpt"),
    Buffer.concat([Buffer.from("NASPROBE-CKPT-1\n"), Buffer.from([5, 0, 0, 0]), Buffer.from("{abc")]),
  );
  writeFileSync(join(dir, "other.ckpt"), "not a checkpoint");
  for (const [extra, message] of cases) {
    const r = cli(...COMMON, ...DATA, "--out", out, ...extra);
    assert.equal(r.code, 1, extra.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(existsSync(out), false, "nothing written");
  }
});

test("search --objective train:E trains each candidate for E epochs, counts E epochs of cost, and refuses train:0", () => {
  const search = (objective: string, study: string, ...extra: string[]) =>
    cli(
      "search",
      "--space",
      SPACE,
      "--algo",
      "rs",
      "--objective",
      objective,
      "--study",
      join(dir, study),
      ...extra,
    );
  const r = search(
    "train:2",
    "train-objective.db",
    ...["--budget", "2", "--data", "fashion-mnist", "--train-count", "400", "--val-count", "200"],
    ...["--threads", "1", "--set", "train.batchSize=50"],
  );
  assert.equal(r.code, 0, r.stderr);
  const shown = cli("study", "show", join(dir, "train-objective.db"));
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /trials: 2 \(2 complete, 0 failed\); cost 4 epochs/);
  const best = /best: trial \d+, train_2 ([0-9.]+)/.exec(shown.stdout);
  assert.ok(best && Number(best[1]) > 0.2 && Number(best[1]) <= 1, shown.stdout);
  const bad = search("train:0", "x.db", "--budget", "1");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /objective "train:0" needs a positive whole number of epochs/);
  const badSet = search("train:1", "y.db", "--budget", "1", "--set", "train.momentum=0.5");
  assert.equal(badSet.code, 1);
  assert.match(badSet.stderr, /train has no option momentum/);
});

test("train --budget-seconds stops at the last epoch boundary inside the budget and says so", () => {
  const out = join(dir, "budget.jsonl");
  const r = cli(
    ...COMMON,
    "--train-count",
    "200",
    "--val-count",
    "100",
    "--threads",
    "1",
    "--budget-seconds",
    "0.001",
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const records = lines(out);
  assert.equal(records.length, 2, "one epoch, then the final line");
  assert.equal(records[1]!.final, true);
  assert.equal(records[1]!.stopped, "budget");
  assert.equal(records[1]!.epoch, 1);
});

test("train: a second process on the same checkpoint is refused in one line while the first runs", async () => {
  const out = join(dir, "locked.jsonl");
  // Long enough that the first run is still going when the second starts.
  const LONG = [...COMMON.map((a) => (a === "3" ? "500" : a)), ...DATA];
  const first = spawn(process.execPath, ["--import", "tsx", main, ...LONG, "--out", out], {
    stdio: "ignore",
  });
  const exited = new Promise((done) => first.on("exit", done));
  while (!existsSync(`${out}.ckpt.lock`)) await new Promise((r) => setTimeout(r, 20));
  const second = cli(...LONG, "--out", out);
  first.kill("SIGKILL");
  await exited;
  assert.equal(second.code, 1);
  assert.match(
    second.stderr,
    /checkpoint .*locked\.jsonl\.ckpt is being written by another nasprobe process \(pid \d+/,
  );
  assert.equal(second.stderr.trim().split("\n").length, 1);
});
