import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { flops as nb201Flops, paramCount } from "../ir/cost.js";
import { Rng } from "../util/random.js";
import { sharedDataPath } from "../util/sharedData.js";
import {
  buildNbMacro,
  type NbMacroArch,
  nbMacroFromOrdinal,
  nbMacroOrdinal,
  nbMacroRepresentative,
  nbmacro,
  parseNbMacro,
} from "./nbmacro.js";
import { SpaceError } from "./space.js";

const costCsv = sharedDataPath("nbmacro/nbmacro_cost.csv");
const accCsv = sharedDataPath("nbmacro/nbmacro_acc_dev.csv");

test("params and FLOPs equal the NAS-Bench-Macro table for all 6,561 architectures", {
  skip: !costCsv,
}, () => {
  const lines = readFileSync(costCsv!, "utf8").trim().split(/\r?\n/);
  assert.equal(lines[0], "arch,params,flops");
  assert.equal(lines.length - 1, 6561);
  const flopsOf = nbmacro.flops!;
  let paramsOk = 0;
  let flopsOk = 0;
  const seen = new Set<string>();
  for (const line of lines.slice(1)) {
    const [archStr, params, fl] = line.split(",");
    const arch = nbmacro.parse(archStr!);
    assert.equal(nbmacro.format(arch), archStr, "format(parse(s)) round-trips");
    seen.add(archStr!);
    const graph = nbmacro.build(arch, nbmacro.defaultBuild);
    if (paramCount(graph) === Number(params)) paramsOk++;
    else assert.fail(`${archStr}: params ${paramCount(graph)} ≠ table ${params}`);
    if (flopsOf(graph) === Number(fl)) flopsOk++;
    else assert.fail(`${archStr}: FLOPs ${flopsOf(graph)} ≠ table ${fl}`);
  }
  assert.equal(paramsOk, 6561);
  assert.equal(flopsOk, 6561);
  // The table covers exactly the enumeration.
  assert.deepEqual([...seen].sort(), [...nbmacro.enumerate!()].map(nbmacro.format).sort());
});

test("hand-checked costs of the all-identity network and the benchmark's FLOP convention", () => {
  const g = buildNbMacro(parseNbMacro("00000000"), { inputShape: [3, 32, 32], numClasses: 10 });
  // stem 864+64, projections (32·64+128)+(64·128+256)+(128·256+512), head 256·1280+2560, linear 12810.
  assert.equal(paramCount(g), 387882);
  // MACs: stem 3·32·9·32² + projections 3·524288 + head 256·1280·4² + linear 1280·10 (no bias term).
  assert.equal(nbmacro.flops!(g), 884736 + 3 * 524288 + 5242880 + 12800);
  // NB201's counter adds one per linear output for the bias: the only difference here.
  assert.equal(nb201Flops(g), nbmacro.flops!(g) + 10);
});

test("the network follows model.py: widths, strides, ReLU placement, shortcuts", () => {
  const g = buildNbMacro(parseNbMacro("21012012"), { inputShape: [3, 32, 32], numClasses: 10 });
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  // Stem, then widths 64/128/256 at 16/8/4 pixels, head 1280.
  assert.deepEqual(byName.get("stem/relu")!.shape, [32, 32, 32]);
  assert.deepEqual(byName.get("s0l0/depthwise/relu")!.shape, [192, 16, 16]); // 32·6 hidden, stride 2
  assert.deepEqual(byName.get("s1l0/proj/bn")!.shape, [128, 8, 8]);
  assert.deepEqual(g.nodes[g.features]!.shape, [1280]);
  assert.deepEqual(g.nodes[g.logits]!.shape, [10]);
  // The identity projection has no ReLU after it: the next node is layer s1l1's expansion conv.
  const proj = byName.get("s1l0/proj/bn")!;
  assert.ok(g.nodes.filter((n) => n.inputs.includes(proj.id)).every((n) => n.op.kind !== "act"));
  // Depthwise convs have groups = channels, kernel 5 for choice 2; no conv has a bias.
  const dw = byName.get("s0l0/depthwise/conv")!;
  assert.ok(dw.op.kind === "conv" && dw.op.groups === 192 && dw.op.kernel[0] === 5 && dw.op.pads[0] === 2);
  assert.ok(g.nodes.every((n) => n.op.kind !== "conv" || !n.op.bias));
  // Shortcuts only on the inverted residuals at stride 1 and unchanged width (never a stage's first).
  const adds = g.nodes.filter((n) => n.op.kind === "add").map((n) => n.name.split("/")[0]);
  assert.deepEqual(adds, ["s0l1", "s1l1", "s1l2", "s2l1", "s2l2"]);
  // Activations are ReLU everywhere (model.py uses nn.ReLU, not ReLU6): stem, 2 per block, head.
  const acts = g.nodes.filter((n) => n.op.kind === "act");
  assert.ok(acts.every((n) => n.op.kind === "act" && n.op.fn === "relu"));
  assert.equal(acts.length, 1 + 2 * 6 + 1);
});

test("strings with the same benchmark representative build identical graphs", () => {
  // model.py: a stride-1 identity is a no-op, so its position inside a stage does not matter;
  // utils.py get_real_arch moves such identities to the stage's end.
  assert.equal(nbmacro.format(nbMacroRepresentative(parseNbMacro("01002201"))), "01020210");
  const opts = nbmacro.defaultBuild;
  assert.deepEqual(
    buildNbMacro(parseNbMacro("01002201"), opts),
    buildNbMacro(parseNbMacro("01020210"), opts),
  );
  // The first layer of a stage is a projection, not a no-op: moving it changes the network.
  assert.notEqual(
    paramCount(buildNbMacro(parseNbMacro("10000000"), opts)),
    paramCount(buildNbMacro(parseNbMacro("01000000"), opts)),
  );
  // 3,969 distinct networks among the 6,561 strings: stage 0 has 3·3, stages 1 and 2 have 3·(1+2+4).
  const reps = new Set([...nbmacro.enumerate!()].map((a) => nbmacro.format(nbMacroRepresentative(a))));
  assert.equal(reps.size, 9 * 21 * 21);
});

test("the benchmark's accuracy table shares one training across a representative's strings", {
  skip: !accCsv,
}, () => {
  const lines = readFileSync(accCsv!, "utf8").trim().split(/\r?\n/);
  assert.equal(lines[0], "arch,test_acc_seed0,test_acc_seed1,test_acc_seed2,mean_acc,std");
  const rows = new Map(lines.slice(1).map((l) => [l.split(",")[0]!, l.slice(l.indexOf(",") + 1)]));
  assert.equal(rows.size, 3264);
  let pairs = 0;
  for (const [key, values] of rows) {
    assert.match(key, /^[012]{8}$/, "keys keep their leading zeros");
    const rep = nbmacro.format(nbMacroRepresentative(nbmacro.parse(key)));
    const repValues = rows.get(rep);
    if (repValues !== undefined && rep !== key) {
      assert.equal(values, repValues, `${key} and its representative ${rep}`);
      pairs++;
    }
  }
  assert.ok(pairs > 100, `only ${pairs} rows had their representative in the table`);
});

test("other input sizes and class counts build with consistent shapes and costs", () => {
  const arch = parseNbMacro("12021120");
  const g64 = buildNbMacro(arch, { inputShape: [3, 64, 64], numClasses: 100 });
  const g32 = buildNbMacro(arch, { inputShape: [3, 32, 32], numClasses: 100 });
  assert.deepEqual(g64.nodes[g64.logits]!.shape, [100]);
  // Three stride-2 stages: 64 → 8 pixels before the head.
  const head = g64.nodes.find((n) => n.name === "head/conv")!;
  assert.deepEqual(head.shape, [1280, 8, 8]);
  // Params do not depend on the input size; every conv's MACs scale by 4 with twice the side.
  assert.equal(paramCount(g64), paramCount(g32));
  const linear = 1280 * 100;
  assert.equal(nbmacro.flops!(g64) - linear, 4 * (nbmacro.flops!(g32) - linear));
  // A 1-channel 28×28 input (stride 2 with pad rounds 28 → 14 → 7 → 4).
  const g28 = buildNbMacro(arch, { inputShape: [1, 28, 28], numClasses: 10 });
  assert.deepEqual(g28.nodes.find((n) => n.name === "head/conv")!.shape, [1280, 4, 4]);
});

test("parse names the fault", () => {
  const fault = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseNbMacro(text),
      (e: unknown) => e instanceof SpaceError && pattern.test(e.message),
    );
  fault("0120120", /expected 8 digits.*found 7 characters/);
  fault("012012012", /found 9 characters/);
  fault("", /found 0 characters/);
  fault("0120a201", /character 5 "a" is not a digit/);
  fault("01201-01", /character 6 "-" is not a digit/);
  fault("01231201", /layer 4 has choice 3/);
  fault("90000000", /layer 1 has choice 9/);
  // Surrounding whitespace is tolerated; the canonical form is the bare 8 digits.
  assert.equal(nbmacro.format(parseNbMacro(" 00120122\n")), "00120122");
  assert.throws(() => nbmacro.format([0, 1, 2] as NbMacroArch), SpaceError);
});

test("enumerate lists all 3^8 strings once in base-3 order; ordinals invert", () => {
  const all = [...nbmacro.enumerate!()].map(nbmacro.format);
  assert.equal(nbmacro.size, 6561);
  assert.equal(all.length, 6561);
  assert.equal(new Set(all).size, 6561);
  assert.equal(all[0], "00000000");
  assert.equal(all[1], "00000001");
  assert.equal(all[3], "00000010");
  assert.equal(all[6560], "22222222");
  // The order is sorted (itertools.product order, as the benchmark enumerates).
  assert.deepEqual([...all].sort(), all);
  for (const i of [0, 1, 42, 3280, 6560]) assert.equal(nbMacroOrdinal(nbMacroFromOrdinal(i)), i);
  assert.throws(() => nbMacroFromOrdinal(6561), SpaceError);
});

test("seeded sampling is reproducible and uniform over the 6,561 strings", () => {
  const a = Array.from(
    { length: 20 },
    (
      (r) => () =>
        nbmacro.format(nbmacro.sample(r))
    )(new Rng(7, "s")),
  );
  const b = Array.from(
    { length: 20 },
    (
      (r) => () =>
        nbmacro.format(nbmacro.sample(r))
    )(new Rng(7, "s")),
  );
  assert.deepEqual(a, b);
  const rng = new Rng(3, "nbmacro-uniform");
  const n = 65610; // 10 expected per string
  const counts = new Float64Array(6561);
  const perLayer = Array.from({ length: 8 }, () => [0, 0, 0]);
  for (let i = 0; i < n; i++) {
    const arch = nbmacro.sample(rng);
    counts[nbMacroOrdinal(arch)]!++;
    arch.forEach((c, layer) => {
      perLayer[layer]![c]!++;
    });
  }
  // Pearson χ² over 6,561 cells has 6,560 dof: mean 6,560, sd √13,120 ≈ 115; allow ±4 sd.
  let chi2 = 0;
  for (const c of counts) chi2 += (c - 10) ** 2 / 10;
  assert.ok(Math.abs(chi2 - 6560) < 4 * 115, `χ² = ${chi2}`);
  // Each layer's choice is uniform: 21,870 expected, binomial sd ≈ 121; allow 5 sd.
  for (const layer of perLayer) for (const c of layer) assert.ok(Math.abs(c - n / 3) < 5 * 121, `${layer}`);
});

test("neighbours are the 16 one-digit changes", () => {
  const arch = parseNbMacro("01201201");
  const ns = nbmacro.neighbours(arch).map(nbmacro.format);
  assert.equal(ns.length, 16);
  assert.equal(new Set(ns).size, 16);
  assert.ok(!ns.includes("01201201"));
  for (const s of ns) {
    const diff = [...s].filter((ch, i) => ch !== "01201201"[i]).length;
    assert.equal(diff, 1, s);
  }
  assert.ok(ns.includes("21201201") && ns.includes("01201200"));
});

test("categorical coding: 8 dims × 3, round trip, out-of-range codes refused", () => {
  const coding = nbmacro.categorical!;
  assert.deepEqual(coding.choices, [3, 3, 3, 3, 3, 3, 3, 3]);
  for (const arch of nbmacro.enumerate!()) {
    const code = coding.encode(arch);
    const back = coding.decode(code);
    assert.ok(back.ok);
    if (back.ok) assert.equal(nbmacro.format(back.arch), nbmacro.format(arch));
  }
  assert.deepEqual(coding.encode(parseNbMacro("20100012")), [2, 0, 1, 0, 0, 0, 1, 2]);
  const bad = coding.decode([0, 1, 2, 3, 0, 0, 0, 0]);
  assert.ok(!bad.ok && /entry 3 is 3/.test(bad.reason));
  const frac = coding.decode([0, 1, 2, 1.5, 0, 0, 0, 0]);
  assert.ok(!frac.ok && /entry 3 is 1.5/.test(frac.reason));
  const neg = coding.decode([-1, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(!neg.ok && /entry 0/.test(neg.reason));
  const short = coding.decode([0, 1]);
  assert.ok(!short.ok && /8 entries, got 2/.test(short.reason));
});

test("defaults and benchmark hook", () => {
  assert.equal(nbmacro.name, "nbmacro");
  assert.deepEqual(nbmacro.defaultBuild, { inputShape: [3, 32, 32], numClasses: 10 });
  const hook = nbmacro.benchmark!;
  assert.equal(hook.table, "nbmacro/nbmacro_acc_dev.csv");
  assert.equal(hook.keyColumn, "arch");
  assert.deepEqual(hook.reportColumns, ["mean_acc", "std"]);
  assert.equal(hook.defaultObjective, "mean_acc");
  // Every accuracy column comes from the benchmark's 50-epoch trainings.
  for (const c of ["mean_acc", "std", "test_acc_seed0", "test_acc_seed2"])
    assert.equal(hook.epochCost!(c), 50);
  assert.equal(hook.epochCost!("params"), undefined);
  // No key hooks: the table's key is the canonical 8-digit string, leading zeros included.
  assert.equal(hook.key, undefined);
  assert.equal(hook.parseKey, undefined);
});
