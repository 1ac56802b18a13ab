// Public API of nasprobe.

// Search, studies and the application layer the CLI is built on.
export {
  type ArchSelection,
  chooseArchitectures,
  type ScoreRequest,
  type ScoreRun,
  type ScoreSink,
  scoreArchitectures,
} from "./app/score.js";
export {
  planSearch,
  type RunSettings,
  runSearch,
  runWorker,
  type SearchHooks,
  type SearchPlan,
  type SearchRequest,
  SearchRequestSchema,
  type SearchResult,
} from "./app/search.js";
export { readStudies, type StudySummary, studyContext, summarizeStudy } from "./app/summary.js";
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
  defineMetric,
  Memo,
  type Metric,
  type MetricInput,
  type MetricResult,
  type MetricValueInfo,
} from "./metrics/metric.js";
export { NNGP_DEFAULTS, type NngpOptions, type NngpResult, nngp, nngpScore } from "./metrics/nngp.js";
export { MetricOptionError } from "./metrics/options.js";
export { compileToOnnx } from "./onnx/compile.js";
export { compileGradient, type GradientOptions, gradName, type Loss } from "./onnx/gradient.js";
export { GradientSession, oneHot } from "./onnx/gradientSession.js";
export { OnnxSession, type RuntimeOptions } from "./onnx/runtime.js";
export { ALGORITHMS, type Algorithm, getAlgorithm } from "./search/algorithms/index.js";
export { type Objective, type ObjectiveTerm, parseObjectives } from "./search/objective.js";
export type { AlgorithmContext } from "./search/optimizer.js";
export type { FinishedTrial, PendingTrial, Proposal, ProposeContext, Sampler } from "./search/sampler.js";
export { type RunStudyOptions, runStudy, type StudyRun, workerId } from "./search/study.js";
export {
  type Decl,
  fixed,
  floatRange,
  intRange,
  list,
  manyOf,
  oneOf,
  someOf,
  struct,
  tuple,
  type Value,
} from "./spaces/declaration.js";
export { declareSpace, type SpaceDeclaration } from "./spaces/declaredSpace.js";
export { architectureFacts } from "./spaces/facts.js";
export { getSpace, loadSpace, SPACE_NAMES } from "./spaces/index.js";
export { type MlpSpaceOptions, mlp, mlpSpace } from "./spaces/mlp.js";
export { nb101 } from "./spaces/nb101/nb101.js";
export { formatNb201, nb201, parseNb201 } from "./spaces/nb201.js";
export { nbmacro } from "./spaces/nbmacro.js";
export type {
  BenchmarkHook,
  BuildOptions,
  CategoricalCoding,
  Decoded,
  SearchSpace,
} from "./spaces/space.js";
export { SpaceError } from "./spaces/space.js";
export type { SupernetHook } from "./spaces/supernet.js";
export { isPostgresUrl, openStorage } from "./store/index.js";
export { memoryStorage } from "./store/memory.js";
export type {
  Budget,
  Storage,
  Study,
  StudyConfig,
  StudyInfo,
  Trial,
  TrialResult,
  TrialState,
  WorkerId,
} from "./store/study.js";
export { canonicalJson } from "./util/canonical.js";
export { Rng } from "./util/random.js";
