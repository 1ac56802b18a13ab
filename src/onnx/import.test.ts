// The ONNX importer on small hand-written models: each model runs in ONNX Runtime as written and as
// imported (IR → compile with the model's own weights), and the two outputs must agree; the mapping
// of every op, attribute and folded shape chain is checked that way, not by inspecting the IR.
// Refusals are checked by their one-line messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { onnx } from "onnx-proto";
import { allParams, numel } from "../ir/graph.js";
import { Rng } from "../util/random.js";
import { compileToOnnx } from "./compile.js";
import { importOnnx, OnnxImportError } from "./import.js";
import { OnnxSession } from "./runtime.js";
import { floatAttr, floatTensor, intAttr, intsAttr, OnnxWriter, stringAttr } from "./writer.js";

const BATCH = 3;

/** A model under construction: a graph input `x` of N×shape, weights drawn from a seeded normal. */
class Model {
  readonly w = new OnnxWriter();
  private readonly rng = new Rng(7, "import-test");
  private k = 0;
  constructor(readonly inputShape: readonly number[]) {
    this.w.input("x", ["N", ...inputShape]);
  }
  weight(name: string, dims: readonly number[], scale = 0.5): string {
    const data = Float32Array.from({ length: numel(dims) }, () => scale * this.rng.normal());
    this.w.initializers.push(floatTensor(name, dims, data));
    return name;
  }
  positive(name: string, dims: readonly number[]): string {
    const data = Float32Array.from({ length: numel(dims) }, () => 0.5 + this.rng.uniform());
    this.w.initializers.push(floatTensor(name, dims, data));
    return name;
  }
  op(type: string, inputs: string[], attrs: onnx.IAttributeProto[] = [], outputs = 1): string {
    const out = Array.from({ length: outputs }, (_, i) => `${type}_${this.k}_${i}`);
    this.k++;
    this.w.nodes.push({
      opType: type,
      input: inputs,
      output: out,
      attribute: attrs,
      name: `${type}_${this.k}`,
    });
    return out[0]!;
  }
  finish(logits: string, classes: number, extra: Array<{ name: string; dims: number[] }> = []): Uint8Array {
    this.w.emit("Identity", [logits], ["logits"]);
    this.w.output("logits", ["N", classes]);
    for (const e of extra) this.w.output(e.name, ["N", ...e.dims]);
    return this.w.encode();
  }
}

function seededInput(shape: readonly number[]): Float32Array {
  const rng = new Rng(3, "import-input");
  return Float32Array.from({ length: BATCH * numel(shape) }, () => rng.normal());
}

/** Max |difference| between the model's logits in ORT and the imported graph's (model weights). */
async function importedMatches(bytes: Uint8Array, inputShape: readonly number[]): Promise<number> {
  const x = seededInput(inputShape);
  const original = await OnnxSession.create(bytes, { threads: 1 });
  const expected = (await original.run({ x: { data: x, dims: [BATCH, ...inputShape] } })).logits!.data;
  const m = importOnnx(bytes);
  const compiled = compileToOnnx(m.graph, {
    bnMode: "inference",
    initializers: m.weights,
    outputs: ["logits"],
  });
  const session = await OnnxSession.create(compiled.bytes, { threads: 1 });
  const got = (await session.run({ input: { data: x, dims: [BATCH, ...inputShape] } })).logits!.data;
  assert.equal(got.length, expected.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
  assert.ok(
    expected.some((v) => Math.abs(v) > 1e-3),
    "the test model's outputs are not all ~0",
  );
  return worst;
}

const TOL = 2e-5;

describe("ONNX import: outputs equal the original model's in ONNX Runtime", () => {
  it("conv (groups, strides, dilations, SAME_UPPER/SAME_LOWER/VALID), BN, Clip(0,6), LeakyRelu, Sum", async () => {
    const m = new Model([4, 9, 9]);
    let x = m.op(
      "Conv",
      ["x", m.weight("c1.weight", [8, 2, 3, 3]), m.weight("c1.bias", [8])],
      [
        intsAttr("kernel_shape", [3, 3]),
        intsAttr("strides", [2, 2]),
        stringAttr("auto_pad", "SAME_UPPER"),
        intAttr("group", 2),
      ],
    );
    x = m.op(
      "BatchNormalization",
      [
        x,
        m.positive("bn.weight", [8]),
        m.weight("bn.bias", [8]),
        m.weight("bn.running_mean", [8], 0.1),
        m.positive("bn.running_var", [8]),
      ],
      [floatAttr("epsilon", 1e-3)],
    );
    x = m.op("Clip", [x, m.w.scalar(0), m.w.scalar(6)]);
    // ORT runs no dilated conv under SAME padding: dilation is checked on the VALID conv below.
    const a = m.op("Conv", [x, m.weight("c2.weight", [8, 8, 2, 2])], [stringAttr("auto_pad", "SAME_LOWER")]);
    const b = m.op("LeakyRelu", [x], [floatAttr("alpha", 0.2)]);
    x = m.op("Sum", [a, b, x]);
    x = m.op(
      "Conv",
      [x, m.weight("c3.weight", [6, 8, 2, 2])],
      [stringAttr("auto_pad", "VALID"), intsAttr("strides", [1, 2]), intsAttr("dilations", [2, 1])],
    );
    x = m.op("GlobalAveragePool", [x]);
    x = m.op("Flatten", [x]);
    x = m.op("Gemm", [x, m.weight("fc.weight", [5, 6]), m.weight("fc.bias", [5])], [intAttr("transB", 1)]);
    const bytes = m.finish(x, 5);
    assert.ok((await importedMatches(bytes, [4, 9, 9])) < TOL);
    const imported = importOnnx(bytes);
    assert.deepEqual(imported.report.irOps, {
      input: 1,
      conv: 3,
      batchnorm: 1,
      "act:relu6": 1,
      "act:leaky_relu": 1,
      add: 1,
      globalAvgPool: 1,
      linear: 1,
    });
    // Parameters: conv 8·2·9 + 8, BN 2·8, conv 8·8·4, conv 6·8·4, fc 5·6 + 5.
    const params = allParams(imported.graph).reduce((s, p) => s + numel(p.shape), 0);
    assert.equal(params, 144 + 8 + 16 + 256 + 192 + 35);
    // Named after the weight tensors, so the IR's init streams follow the model's names.
    assert.deepEqual(
      allParams(imported.graph).map((p) => p.name),
      ["c1.weight", "c1.bias", "bn.gamma", "bn.beta", "c2.weight", "c3.weight", "fc.weight", "fc.bias"],
    );
    assert.equal(imported.report.features.rule, "input of the last Gemm/MatMul");
  });

  it("max pool and average pool with ceil_mode, explicit asymmetric pads, Gemm with B as [in, out]", async () => {
    const m = new Model([3, 10, 10]);
    let x = m.op("Conv", ["x", m.weight("c.weight", [4, 3, 3, 3])], [intsAttr("pads", [1, 0, 1, 2])]);
    x = m.op(
      "MaxPool",
      [x],
      [intsAttr("kernel_shape", [3, 3]), intsAttr("strides", [2, 2]), intAttr("ceil_mode", 1)],
    );
    x = m.op(
      "AveragePool",
      [x],
      [intsAttr("kernel_shape", [2, 2]), intsAttr("strides", [2, 2]), intAttr("ceil_mode", 1)],
    );
    x = m.op("Relu", [x]);
    x = m.op("Flatten", [x]);
    x = m.op("Gemm", [x, m.weight("fc.weight", [4 * 3 * 3, 3])]); // transB = 0
    const bytes = m.finish(x, 3);
    assert.ok((await importedMatches(bytes, [3, 10, 10])) < TOL);
    // Conv 10×10; max 3/2 ceil: 5×5 (floor mode: 4×4); average 2/2 ceil: 3×3 (floor: 2×2), each as
    // floor mode with the end padded.
    const pools = importOnnx(bytes).graph.nodes.filter((n) => n.op.kind === "pool");
    assert.deepEqual(
      pools.map((n) => [n.shape, n.op.kind === "pool" ? n.op.pads : []]),
      [
        [
          [4, 5, 5],
          [0, 0, 1, 1],
        ],
        [
          [4, 3, 3],
          [0, 0, 1, 1],
        ],
      ],
    );
  });

  it("Gemm alpha/beta, MatMul + Add bias, a flatten shape from Shape/Gather/Unsqueeze/Concat, ReduceMean", async () => {
    const m = new Model([2, 4, 4]);
    let x = m.op("Conv", ["x", m.weight("c.weight", [3, 2, 1, 1])]);
    x = m.op("ReduceMean", [x], [intsAttr("axes", [2, 3]), intAttr("keepdims", 1)]); // N×3×1×1
    const shape = m.op("Shape", [x]);
    const n = m.op("Gather", [shape, m.w.int64s([0])], [intAttr("axis", 0)]);
    const minusOne = m.w.int64s([-1]);
    const target = m.op("Concat", [n, minusOne], [intAttr("axis", 0)]);
    x = m.op("Reshape", [x, target]); // N×3
    x = m.op("MatMul", [x, m.weight("h.weight", [3, 7])]);
    x = m.op("Add", [x, m.weight("h.bias", [7])]);
    x = m.op("Tanh", [x]);
    x = m.op(
      "Gemm",
      [x, m.weight("out.weight", [4, 7]), m.weight("out.bias", [4])],
      [intAttr("transB", 1), floatAttr("alpha", 0.5), floatAttr("beta", 2)],
    );
    const bytes = m.finish(x, 4);
    assert.ok((await importedMatches(bytes, [2, 4, 4])) < TOL);
    const imported = importOnnx(bytes);
    assert.deepEqual(imported.report.irOps, {
      input: 1,
      conv: 1,
      globalAvgPool: 1,
      linear: 2,
      "act:tanh": 1,
    });
    // The feature layer is the last Gemm's input: the tanh of the MatMul+Add layer (7 features).
    assert.equal(imported.graph.nodes[imported.graph.features]!.shape[0], 7);
  });

  it("SqueezeNet's head (1×1 conv, ReLU, global pooling, no Gemm): features are its input, pooled", async () => {
    const m = new Model([3, 6, 6]);
    const a = m.op("Relu", [m.op("Conv", ["x", m.weight("e1.weight", [4, 3, 1, 1])])]);
    const b = m.op("Relu", [
      m.op("Conv", ["x", m.weight("e3.weight", [4, 3, 3, 3])], [intsAttr("pads", [1, 1, 1, 1])]),
    ]);
    let x = m.op("Concat", [a, b], [intAttr("axis", 1)]);
    x = m.op("Dropout", [x]);
    x = m.op("Relu", [
      m.op("Conv", [x, m.weight("classifier.weight", [5, 8, 1, 1]), m.weight("classifier.bias", [5])]),
    ]);
    x = m.op("Flatten", [m.op("GlobalAveragePool", [x])]);
    const bytes = m.finish(x, 5);
    assert.ok((await importedMatches(bytes, [3, 6, 6])) < TOL);
    const { graph, report } = importOnnx(bytes);
    const features = graph.nodes[graph.features]!;
    assert.equal(features.op.kind, "globalAvgPool");
    assert.deepEqual(features.shape, [8]);
    assert.equal(graph.nodes[features.inputs[0]!]!.op.kind, "concat");
    assert.equal(report.features.rule, "input of the 1×1-conv classifier, globally average-pooled");
    // --features names an ONNX node (or a tensor): a spatial one is flattened as it is.
    const named = importOnnx(bytes, { features: "Concat_5" });
    assert.deepEqual(named.graph.nodes[named.graph.features]!.shape, [8 * 6 * 6]);
  });
});

describe("ONNX import refuses in one line", () => {
  const refuses = (bytes: Uint8Array, message: RegExp, options = {}) =>
    assert.throws(
      () => importOnnx(bytes, options),
      (e: unknown) => e instanceof OnnxImportError && message.test(e.message) && !e.message.includes("\n"),
    );

  it("bytes that are no ONNX model, and a truncated model", () => {
    refuses(new TextEncoder().encode("arch_str,acc\n|nor_conv_3x3~0|,93\n"), /^not an ONNX model/);
    refuses(new Uint8Array(0), /^not an ONNX model \(the file is empty\)/);
    const m = new Model([2]);
    const bytes = m.finish(m.op("Gemm", ["x", m.weight("fc.weight", [3, 2])], [intAttr("transB", 1)]), 3);
    refuses(bytes.subarray(0, Math.floor(bytes.length * 0.6)), /^not an ONNX model, or a truncated one/);
  });

  it("an unsupported op, naming its type and node", () => {
    const m = new Model([2, 3, 3]);
    const x = m.op("Conv", ["x", m.weight("c.weight", [2, 2, 1, 1])]);
    m.w.nodes.push({ opType: "Foo", input: [x], output: ["foo_out"], name: "bar" });
    const bytes = m.finish(m.op("Flatten", ["foo_out"]), 18);
    refuses(bytes, /^unsupported ONNX op Foo at node "bar"$/);
  });

  it("a dynamic input shape without --input-shape (and takes the override)", () => {
    const w = new OnnxWriter();
    w.input("x", ["N", 3, "H", "W"]);
    w.initializers.push(floatTensor("c.weight", [2, 3, 1, 1], new Float32Array(6).fill(0.5)));
    w.emit("Conv", ["x", "c.weight"], ["c"]);
    w.emit("GlobalAveragePool", ["c"], ["g"]);
    w.emit("Flatten", ["g"], ["f"]);
    w.initializers.push(floatTensor("fc.weight", [4, 2], new Float32Array(8).fill(0.1)));
    w.emit("Gemm", ["f", "fc.weight"], ["logits"], [intAttr("transB", 1)]);
    w.output("logits", ["N", 4]);
    const bytes = w.encode();
    refuses(bytes, /^the input "x" has a dynamic or missing shape \(N×3x\?x\?\); pass --input-shape C,H,W$/);
    assert.deepEqual(importOnnx(bytes, { inputShape: [3, 8, 8] }).graph.inputShape, [3, 8, 8]);
    refuses(bytes, /weight is 2x3x1x1, but a conv on a 1x8x8 input needs 2x1x1x1/, { inputShape: [1, 8, 8] });
  });

  it("a graph without a classifier", () => {
    const m = new Model([3, 4, 4]);
    const x = m.op("Sigmoid", [m.op("Flatten", [m.op("GlobalAveragePool", ["x"])])]);
    refuses(m.finish(x, 3), /^no classifier found: .*; pass --features NODE$/);
  });

  it("Clip bounds other than ReLU6's, a constant multiplier", () => {
    const m = new Model([2]);
    const x = m.op("Clip", ["x", m.w.scalar(-1), m.w.scalar(1)]);
    refuses(m.finish(x, 2), /only Clip\(0, 6\) \(ReLU6\) and Clip\(0, ∞\) \(ReLU\) map/);
  });
});
