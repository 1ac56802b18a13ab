// The application layer of `score --model` and `info --model`: an ONNX file read into the IR
// (onnx/import.ts), identified by its SHA-256, described (ops mapped, input shape, feature layer,
// params, FLOPs), and scored through the one-architecture space of spaces/onnxModel.ts like any
// other architecture, into the same records `score` writes.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { flops, paramCount } from "../ir/cost.js";
import { type ImportedModel, type ImportOptions, importOnnx } from "../onnx/import.js";
import { modelArchId, onnxModelSpace } from "../spaces/onnxModel.js";
import {
  type ScoreHooks,
  type ScoreRequest,
  type ScoreRun,
  type ScoreSink,
  scoreArchitectures,
} from "./score.js";

export interface LoadedModel {
  /** The file as named on the command line. */
  readonly file: string;
  readonly sha256: string;
  /** The one architecture's name in records: `sha256:<hex>`. */
  readonly archId: string;
  readonly imported: ImportedModel;
  /** How it was read (recorded with every score). */
  readonly options: ImportOptions;
}

/** A model file's bytes: a regular file only (a FIFO or device would block or never end). */
export function readModelFile(file: string): Uint8Array {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new Error(`--model ${file}: not found`);
  if (!stat.isFile()) throw new Error(`--model ${file}: not a regular file`);
  return readFileSync(file);
}

/** Imports the model file's bytes; throws an OnnxImportError (one line) when it cannot. */
export function loadModel(file: string, bytes: Uint8Array, options: ImportOptions = {}): LoadedModel {
  const imported = importOnnx(bytes, options);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { file, sha256, archId: modelArchId(sha256), imported, options };
}

export interface ModelFacts {
  readonly file: string;
  readonly sha256: string;
  readonly producer: string;
  readonly opset: number;
  readonly input_shape: readonly number[];
  readonly classes: number;
  readonly params: number;
  /** FLOPs per sample, NAS-Bench-201's convention (conv/linear multiply-accumulates + biases). */
  readonly flops: number;
  readonly features: {
    readonly tensor: string;
    readonly node: string;
    readonly rule: string;
    readonly dim: number;
  };
  readonly onnx_ops: Readonly<Record<string, number>>;
  readonly ir_ops: Readonly<Record<string, number>>;
}

export function modelFacts(m: LoadedModel): ModelFacts {
  const { graph, report } = m.imported;
  return {
    file: m.file,
    sha256: m.sha256,
    producer: report.producer,
    opset: report.opset,
    input_shape: graph.inputShape,
    classes: graph.nodes[graph.logits]!.shape[0]!,
    params: paramCount(graph),
    flops: flops(graph),
    features: { ...report.features, dim: graph.nodes[graph.features]!.shape[0]! },
    onnx_ops: report.onnxOps,
    ir_ops: report.irOps,
  };
}

export interface ModelScoreRequest
  extends Omit<ScoreRequest, "space" | "spaceName" | "select" | "settings" | "recordFields"> {
  readonly model: LoadedModel;
  /** Score with the model's own weights instead of each metric's init. */
  readonly keepWeights: boolean;
}

/** The settings an imported model's records carry besides the metrics': what changes its values. */
export function modelSettings(m: LoadedModel, keepWeights: boolean): Record<string, unknown> {
  const { graph, report } = m.imported;
  return {
    model: {
      input_shape: graph.inputShape,
      features: report.features.tensor,
      weights: keepWeights ? "model" : "init",
    },
  };
}

/** Scores the model with the request's metrics into `sink` (one record per metric group, as `score`). */
export function scoreModel(
  request: ModelScoreRequest,
  sink: ScoreSink,
  hooks: ScoreHooks = {},
): Promise<ScoreRun> {
  const { model, keepWeights, ...rest } = request;
  return scoreArchitectures(
    {
      ...rest,
      spaceName: "onnx",
      space: onnxModelSpace(model.imported, { id: model.archId, keepWeights }),
      select: { archs: [model.archId] },
      settings: modelSettings(model, keepWeights),
      recordFields: { model: model.file },
    },
    sink,
    hooks,
  );
}
