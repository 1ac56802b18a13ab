// nasprobe's own exports read back: an NB201 network written by `nasprobe export` and scored from
// its .onnx must score exactly as from its architecture string (same seed): the import recovers the
// space graph's parameter names, so the metrics' init draws the same weights, and the same ops in
// the same order, so ONNX Runtime computes the same values. With --keep-weights the model's own
// weights are used instead, which no seed changes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cliBundle } from "../cli/testing/cliBundle.js";
import { paramCount } from "../ir/cost.js";
import { NNGP_PRESETS } from "../metrics/nngp.js";
import { nb201 } from "../spaces/nb201.js";
import { loadModel, modelFacts, scoreModel } from "./model.js";
import { type ScoreRequest, type ScoreSink, scoreArchitectures } from "./score.js";

const ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|";
const dir = mkdtempSync(join(tmpdir(), "nasprobe-model-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function memorySink(): ScoreSink & { all: Record<string, unknown>[] } {
  const all: Record<string, unknown>[] = [];
  return { all, records: () => all, append: (r) => void all.push(r) };
}

/** `nasprobe export` of ARCH for Fashion-MNIST's 1×28×28 images (the default data). */
function exported(): string {
  const out = join(dir, "cell.onnx");
  const cli = cliBundle();
  execFileSync(
    process.execPath,
    [...cli.args, "export", "--arch", ARCH, "--input-shape", "1,28,28", "--out", out],
    {
      env: { ...process.env, ...cli.env },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return out;
}

const METRICS = ["naswot", "synflow", "snip", "nngp"];
const common = (seed: number): Omit<ScoreRequest, "space" | "spaceName" | "select"> => ({
  metrics: METRICS,
  overrides: { nngp: NNGP_PRESETS.fast },
  data: "fashion-mnist",
  dataSeed: 0,
  seed,
  runtime: { threads: 2 },
});
const VALUES = ["naswot", "synflow", "snip", "nngp", "nngp_held_out"] as const;

describe("an exported NB201 network, imported", () => {
  const file = exported();
  const model = loadModel(file, readFileSync(file));

  it("has the space graph's parameters, names and FLOPs", () => {
    const graph = nb201.build(nb201.parse(ARCH), { inputShape: [1, 28, 28], numClasses: 10 });
    const facts = modelFacts(model);
    assert.equal(facts.params, paramCount(graph));
    assert.deepEqual(
      model.imported.graph.nodes.flatMap((n) => n.params.map((p) => `${p.name}:${p.shape.join("x")}`)),
      graph.nodes.flatMap((n) => n.params.map((p) => `${p.name}:${p.shape.join("x")}`)),
    );
    assert.deepEqual(
      model.imported.graph.nodes.map((n) => n.op.kind),
      graph.nodes.map((n) => n.op.kind),
    );
    assert.equal(facts.features.dim, 64);
    assert.deepEqual(facts.input_shape, [1, 28, 28]);
  });

  it("scores as its architecture string does (NASWOT, synflow, snip, NNGP; same seed)", async () => {
    const fromModel = memorySink();
    await scoreModel({ ...common(3), model, keepWeights: false }, fromModel);
    const fromArch = memorySink();
    await scoreArchitectures(
      { ...common(3), spaceName: "nb201", space: nb201, select: { archs: [ARCH] } },
      fromArch,
    );
    // NNGP keeps a record format of its own (score, held_out_score); the others share one record.
    const byMetric = (records: Record<string, unknown>[]) => {
      const nngp = records.find((r) => r.metric === "nngp")!;
      const zeroCost = records.find((r) => r.metric === "zero-cost")!;
      return {
        naswot: zeroCost.naswot,
        synflow: zeroCost.synflow,
        snip: zeroCost.snip,
        nngp: nngp.score,
        nngp_held_out: nngp.held_out_score,
      };
    };
    const a = byMetric(fromModel.all);
    const b = byMetric(fromArch.all);
    for (const v of VALUES) {
      assert.equal(typeof a[v], "number", `${v}: ${JSON.stringify(fromModel.all)}`);
      assert.ok(Number.isFinite(a[v] as number), `${v} is finite`);
    }
    assert.deepEqual(a, b);
    // The model's records name it by the file's SHA-256 and carry how it was read.
    assert.equal(fromModel.all[0]!.arch_str, `sha256:${model.sha256}`);
    assert.deepEqual((fromModel.all[0]!.settings as Record<string, unknown>).model, {
      input_shape: [1, 28, 28],
      features: model.imported.report.features.tensor,
      weights: "init",
    });
    process.stdout.write(`# NB201 export vs arch string (seed 3): ${JSON.stringify(a)}\n`);
  });

  it("with --keep-weights scores the model's own weights, whatever the seed", async () => {
    const score = async (seed: number, keepWeights: boolean) => {
      const sink = memorySink();
      await scoreModel(
        { ...common(seed), metrics: ["naswot", "synflow"], overrides: {}, model, keepWeights },
        sink,
      );
      return [sink.all[0]!.naswot, sink.all[0]!.synflow] as number[];
    };
    const kept0 = await score(0, true);
    const kept1 = await score(1, true);
    const init0 = await score(0, false);
    const init1 = await score(1, false);
    assert.deepEqual(kept0, kept1);
    assert.notDeepEqual(init0, init1);
    assert.notDeepEqual(kept0, init0);
  });
});
