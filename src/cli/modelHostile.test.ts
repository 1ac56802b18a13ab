// Hostile `score --model` / `info --model` command lines (see hostileCases.ts): each ends in one
// error line, a non-zero exit and its directory untouched: no results file appears.
import { floatTensor, intAttr, OnnxWriter } from "../onnx/writer.js";
import { files, type HostileCase, runHostileCases } from "./hostileCases.js";

/** A small image classifier: conv → ReLU → global pool → flatten → `head`; input N×dims. */
function model(
  o: { dims?: Array<number | string>; head?: "gemm" | "sigmoid"; foo?: boolean } = {},
): Uint8Array {
  const w = new OnnxWriter();
  const dims = o.dims ?? ["N", 1, 28, 28];
  w.input("x", dims);
  const c = Number(dims[1]);
  w.initializers.push(floatTensor("conv.weight", [4, c, 3, 3], new Float32Array(4 * c * 9).fill(0.1)));
  w.emit("Conv", ["x", "conv.weight"], ["conv"]);
  w.nodes.push({
    opType: o.foo ? "Foo" : "Relu",
    input: ["conv"],
    output: ["act"],
    name: o.foo ? "bar" : "relu",
  });
  w.emit("GlobalAveragePool", ["act"], ["pool"]);
  w.emit("Flatten", ["pool"], ["flat"]);
  if (o.head === "sigmoid") w.emit("Sigmoid", ["flat"], ["logits"]);
  else {
    w.initializers.push(floatTensor("fc.weight", [10, 4], new Float32Array(40).fill(0.1)));
    w.emit("Gemm", ["flat", "fc.weight"], ["logits"], [intAttr("transB", 1)]);
  }
  w.output("logits", ["N", o.head === "sigmoid" ? 4 : 10]);
  return w.encode();
}

const GOOD = model();
const score = (...rest: string[]) => [
  "score",
  "--model",
  "m.onnx",
  "--metric",
  "params",
  "--out",
  "s.jsonl",
  ...rest,
];
const withModel = (bytes: Uint8Array | string) => files({ "m.onnx": bytes });

const cases: HostileCase[] = [
  {
    name: "score --model: a file that is no ONNX model",
    args: score(),
    setup: withModel("arch_str,acc\n|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|,93.1\n"),
    error: /^m\.onnx: not an ONNX model/,
  },
  {
    name: "score --model: a truncated ONNX model",
    args: score(),
    setup: withModel(GOOD.subarray(0, Math.floor(GOOD.length / 2))),
    error: /^m\.onnx: not an ONNX model, or a truncated one/,
  },
  {
    name: "score --model: an unsupported op",
    args: score(),
    setup: withModel(model({ foo: true })),
    error: /^m\.onnx: unsupported ONNX op Foo at node "bar"$/,
  },
  {
    name: "score --model: a graph without a classifier",
    args: score(),
    setup: withModel(model({ head: "sigmoid" })),
    error: /^m\.onnx: no classifier found: .*pass --features NODE$/,
  },
  {
    name: "score --model: a dynamic input shape without --input-shape",
    args: score(),
    setup: withModel(model({ dims: ["N", 1, "H", "W"] })),
    error: /^m\.onnx: the input "x" has a dynamic or missing shape \(N×1x\?x\?\); pass --input-shape C,H,W$/,
  },
  {
    name: "score --model: the data are not the model's input shape",
    args: score("--input-shape", "1,16,16"),
    setup: withModel(GOOD),
    error: /the model takes 1x16x16 inputs, the data are 1x28x28; pass --input-shape 1,28,28/,
  },
  {
    name: "score --model: a --features name no tensor has",
    args: score("--features", "nowhere"),
    setup: withModel(GOOD),
    error: /^m\.onnx: --features nowhere: no node or tensor of that name carries activations$/,
  },
  { name: "score --model: a missing file", args: score(), error: /^--model m\.onnx: not found$/ },
  {
    name: "score --model: a directory",
    args: score(),
    setup: files({ "m.onnx": { dir: {} } }),
    error: /^--model m\.onnx: not a regular file$/,
  },
  {
    name: "score --model: a FIFO is never read",
    args: score(),
    setup: files({ "m.onnx": { fifo: true } }),
    error: /^--model m\.onnx: not a regular file$/,
  },
  {
    name: "score --model with --space",
    args: score("--space", "nb201"),
    setup: withModel(GOOD),
    error: /^--model and --space: score a model file or a space, not both$/,
  },
  {
    name: "score --model with --arch",
    args: score("--arch", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
    setup: withModel(GOOD),
    error: /^--model scores the model's one network/,
  },
  {
    name: "score --keep-weights without --model",
    args: [
      "score",
      "--arch",
      "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
      "--keep-weights",
      "--out",
      "s.jsonl",
    ],
    error: /^--keep-weights: options of --model$/,
  },
  {
    name: "score --model: --out is the model file",
    args: ["score", "--model", "m.onnx", "--metric", "params", "--out", "m.onnx"],
    setup: withModel(GOOD),
    // The results-file check reads it first: a binary file is no scores file.
    error: /m\.onnx/,
  },
  {
    name: "info --model: an unsupported op",
    args: ["info", "--model", "m.onnx"],
    setup: withModel(model({ foo: true })),
    error: /^m\.onnx: unsupported ONNX op Foo at node "bar"$/,
  },
  {
    name: "info --model with --arch",
    args: ["info", "--model", "m.onnx", "--arch", "x"],
    setup: withModel(GOOD),
    error: /^--model describes the model/,
  },
];

runHostileCases(cases, { title: "hostile --model input" });
