// An imported ONNX model as a one-architecture search space, so everything that scores spaces
// (the scorer, `score`'s records and resuming) scores a model file through the same contract. Its
// one architecture is named by the file's SHA-256 (`sha256:<hex>`); building it returns the
// imported graph, with the model's own weights under `keepWeights`.
import type { Graph } from "../ir/graph.js";
import type { ImportedModel } from "../onnx/import.js";
import { type BuildOptions, type SearchSpace, SpaceError } from "./space.js";

export interface OnnxModelSpaceOptions {
  /** The architecture's name: `sha256:<hex of the file>`. */
  readonly id: string;
  /** Score with the model's weights (Graph.modelWeights) instead of the metric's init. */
  readonly keepWeights: boolean;
}

export const modelArchId = (sha256Hex: string) => `sha256:${sha256Hex}`;

export function onnxModelSpace(model: ImportedModel, o: OnnxModelSpaceOptions): SearchSpace<string> {
  const graph: Graph = o.keepWeights ? { ...model.graph, modelWeights: model.weights } : model.graph;
  const inputShape = graph.inputShape;
  const classes = graph.nodes[graph.logits]!.shape[0]!;
  const shape = (s: readonly number[]) => s.join("x");
  return {
    name: "onnx",
    description: `an imported ONNX model (${o.id})`,
    parse(text) {
      if (text !== o.id) throw new SpaceError(`the model's one architecture is ${o.id}, not "${text}"`);
      return text;
    },
    format: (arch) => arch,
    sample: () => o.id,
    enumerate: () => [o.id],
    size: 1,
    neighbours: () => [],
    defaultBuild: { inputShape, numClasses: classes },
    build(_arch, build: BuildOptions) {
      // The graph is fixed by the model: data of another shape needs a fresh import (--input-shape).
      if (shape(build.inputShape) !== shape(inputShape))
        throw new SpaceError(
          `the model takes ${shape(inputShape)} inputs, the data are ${shape(build.inputShape)}; pass --input-shape ${build.inputShape.join(",")} or data of the model's shape`,
        );
      if (build.numClasses > classes)
        throw new SpaceError(`the data have ${build.numClasses} classes, the model's output only ${classes}`);
      return graph;
    },
  };
}
