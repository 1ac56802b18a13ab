// Public API of nasprobe.
export { correlationReport, formatCorrelationReport } from "./benchmarks/correlate.js";
export { kendallTauB, pearson, spearman } from "./benchmarks/rankStats.js";
export { readBenchmarkTable } from "./benchmarks/table.js";
export type { ImageSet } from "./data/imageSet.js";
export { DEFAULT_DATASET, loadDataset } from "./data/index.js";
export { GraphBuilder } from "./ir/builder.js";
export { flops, paramCount } from "./ir/cost.js";
export type { Graph, Node, Op } from "./ir/graph.js";
export { type InitScheme, initWeights } from "./ir/init.js";
export * as kernels from "./kernels/index.js";
export { getMetric, METRIC_NAMES, METRICS, valueInfo } from "./metrics/index.js";
export {
  Memo,
  type Metric,
  type MetricInput,
  type MetricResult,
  type MetricValueInfo,
} from "./metrics/metric.js";
export { NNGP_DEFAULTS, type NngpOptions, type NngpResult, nngpScore } from "./metrics/nngp.js";
export { compileToOnnx } from "./onnx/compile.js";
export { compileGradient, type GradientOptions, gradName, type Loss } from "./onnx/gradient.js";
export { GradientSession, oneHot } from "./onnx/gradientSession.js";
export { OnnxSession, type RuntimeOptions } from "./onnx/runtime.js";
export { getSpace } from "./spaces/index.js";
export { formatNb201, nb201, parseNb201 } from "./spaces/nb201.js";
export type { SearchSpace } from "./spaces/space.js";
export { Rng } from "./util/random.js";
