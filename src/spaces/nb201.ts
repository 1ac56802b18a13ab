// NAS-Bench-201 topology space: a 4-node cell with 6 edges, each one of 5 ops (5^6 = 15,625 cells),
// stacked as in the benchmark's TinyNetwork (xautodl models/cell_infers/tiny_network.py).
import { GraphBuilder, type Ref } from "../ir/builder.js";
import type { Graph } from "../ir/graph.js";
import { list, oneOf } from "./declaration.js";
import { declareSpace } from "./declaredSpace.js";
import { buildNb201Supernet, type Nb201OpSets, teNasThinSupernet } from "./nb201Supernet.js";
import { resizedSpace } from "./resized.js";
import { type BuildOptions, type SearchSpace, SpaceError } from "./space.js";

export const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Edges in canonical order: (to=1,from=0), (2,0), (2,1), (3,0), (3,1), (3,2). */
export const NB201_EDGES: ReadonlyArray<readonly [to: number, from: number]> = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

/** One op per edge, in NB201_EDGES order. */
export type Nb201Arch = readonly Nb201Op[];

const NUM_EDGES = NB201_EDGES.length;

function isOp(text: string): text is Nb201Op {
  return (NB201_OPS as readonly string[]).includes(text);
}

export function parseNb201(text: string): Nb201Arch {
  const fail = (why: string): never => {
    throw new SpaceError(`invalid NB201 arch string "${text}": ${why}`);
  };
  const nodes = text.trim().split("+");
  if (nodes.length !== 3) fail(`expected 3 node groups separated by '+', found ${nodes.length}`);
  const ops: Nb201Op[] = [];
  nodes.forEach((group, g) => {
    const to = g + 1;
    if (!group.startsWith("|") || !group.endsWith("|") || group.length < 2) {
      fail(`node ${to} group "${group}" must be wrapped in '|'`);
    }
    const edges = group.slice(1, -1).split("|");
    if (edges.length !== to) fail(`node ${to} needs ${to} inputs, found ${edges.length}`);
    edges.forEach((edge, from) => {
      const [op, source, ...rest] = edge.split("~");
      if (op === undefined || source === undefined || rest.length > 0)
        fail(`edge "${edge}" must be op~input`);
      if (!isOp(op!)) fail(`unknown op "${op}" (known: ${NB201_OPS.join(", ")})`);
      if (source !== String(from)) fail(`node ${to} input ${from} is written as ~${source}`);
      ops.push(op as Nb201Op);
    });
  });
  return ops;
}

export function formatNb201(arch: Nb201Arch): string {
  if (arch.length !== NUM_EDGES) throw new Error(`NB201 arch needs ${NUM_EDGES} ops, got ${arch.length}`);
  const groups: string[] = [];
  for (let to = 1; to <= 3; to++) {
    const edges = NB201_EDGES.map((e, i) => [e, arch[i]!] as const)
      .filter(([[t]]) => t === to)
      .map(([[, from], op]) => `${op}~${from}`);
    groups.push(`|${edges.join("|")}|`);
  }
  return groups.join("+");
}

/** Position of an arch in base-5 edge order (our enumeration order, not the benchmark's index). */
export function nb201Ordinal(arch: Nb201Arch): number {
  return arch.reduce((acc, op) => acc * NB201_OPS.length + NB201_OPS.indexOf(op), 0);
}

export function nb201FromOrdinal(ordinal: number): Nb201Arch {
  const ops: Nb201Op[] = [];
  for (let i = 0; i < NUM_EDGES; i++) {
    ops.unshift(NB201_OPS[ordinal % NB201_OPS.length]!);
    ordinal = Math.floor(ordinal / NB201_OPS.length);
  }
  return ops;
}

export interface Nb201MacroOptions {
  /** Stem width; stages use C, 2C, 4C. Benchmark: 16. */
  readonly channels?: number;
  /** Cells per stage. Benchmark: 5. */
  readonly cellsPerStage?: number;
}

function reluConvBn(
  b: GraphBuilder,
  x: Ref,
  out: number,
  kernel: number,
  stride: number,
  padding: number,
): Ref {
  // xautodl ReLUConvBN: conv bias = not affine, and affine BN everywhere in the benchmark network.
  return b.batchNorm(b.conv(b.relu(x), out, kernel, { stride, padding }));
}

/** One op of an NB201 edge on `x` (xautodl's OPS). */
export function nb201EdgeOp(b: GraphBuilder, x: Ref, op: Nb201Op, channels: number): Ref {
  switch (op) {
    case "none":
      return b.zero(x);
    case "skip_connect":
      return b.identity(x);
    case "nor_conv_1x1":
      return reluConvBn(b, x, channels, 1, 1, 0);
    case "nor_conv_3x3":
      return reluConvBn(b, x, channels, 3, 1, 1);
    case "avg_pool_3x3":
      return b.avgPool(x, 3, { stride: 1, padding: 1, countIncludePad: false });
  }
}

/**
 * The NB201 cell's wiring on `x`: node j = Σ_{i<j} edge_ij(node i), with `edge(input, i)` building
 * edge i (NB201_EDGES order) in its own `e{to}{from}` scope. Shared by the cell and TE-NAS's supernet.
 */
export function nb201CellWiring(b: GraphBuilder, x: Ref, edge: (input: Ref, index: number) => Ref): Ref {
  const nodes: Ref[] = [x];
  for (let to = 1; to <= 3; to++) {
    const terms: Ref[] = [];
    NB201_EDGES.forEach(([t, from], i) => {
      if (t === to) terms.push(b.within(`e${to}${from}`, () => edge(nodes[from]!, i)));
    });
    nodes.push(b.within(`n${to}`, () => b.add(terms)));
  }
  return nodes[3]!;
}

/** One NB201 cell on `x` (4 nodes, node j = Σ_{i<j} op_ij(node i)); also TE-NAS's thin network. */
export function nb201Cell(b: GraphBuilder, x: Ref, arch: Nb201Arch, channels: number): Ref {
  return nb201CellWiring(b, x, (input, i) => nb201EdgeOp(b, input, arch[i]!, channels));
}

/** xautodl ResNetBasicblock with stride 2: two ReLUConvBN 3×3 and an avg-pool + 1×1 conv shortcut. */
function resnetReduction(b: GraphBuilder, x: Ref, out: number): Ref {
  const a = b.within("conv_a", () => reluConvBn(b, x, out, 3, 2, 1));
  const branch = b.within("conv_b", () => reluConvBn(b, a, out, 3, 1, 1));
  const shortcut = b.within("down", () => b.conv(b.avgPool(x, 2, { stride: 2 }), out, 1));
  return b.add([shortcut, branch]);
}

/**
 * The benchmark's TinyNetwork around any cell: stem, three stages of `cellsPerStage` cells (widths
 * C, 2C, 4C) joined by ResNet reductions, then BN, ReLU, global pooling and a linear head.
 */
export function nb201Macro(
  options: BuildOptions & Nb201MacroOptions,
  cell: (b: GraphBuilder, x: Ref, channels: number) => Ref,
): Graph {
  const c = options.channels ?? 16;
  const n = options.cellsPerStage ?? 5;
  const b = new GraphBuilder(options.inputShape);
  let x = b.within("stem", () => b.batchNorm(b.conv(b.input, c, 3, { padding: 1 })));
  const widths = [c, 2 * c, 4 * c];
  widths.forEach((width, stage) => {
    if (stage > 0) x = b.within(`reduce${stage}`, () => resnetReduction(b, x, width));
    for (let i = 0; i < n; i++) x = b.within(`s${stage}c${i}`, () => cell(b, x, width));
  });
  const features = b.within("head", () => b.globalAvgPool(b.relu(b.batchNorm(x))));
  const logits = b.within("head", () => b.linear(features, options.numClasses));
  return b.build({ features, logits });
}

export function buildNb201(arch: Nb201Arch, options: BuildOptions & Nb201MacroOptions): Graph {
  return nb201Macro(options, (b, x, width) => nb201Cell(b, x, arch, width));
}

/** TE-NAS's input for linear regions: one channel, 3×3 (Linear_Region_Collector input_size=(1000, 1, 3, 3)). */
export const NB201_THIN_INPUT_SHAPE: readonly number[] = [1, 3, 3];

/**
 * TE-NAS's thin network for an NB201 cell (TinyNetworkDarts with C=1, N=1, depth=1, use_stem=False,
 * at one path of its supernet): the cell on a 1×3×3 input, BN + ReLU, global pooling, linear.
 * Unlike the pruning supernet, ops that are not on the path are not built, so their ReLUs add no
 * pattern bits.
 */
export function nb201ThinNetwork(arch: Nb201Arch, numClasses = 10): Graph {
  const b = new GraphBuilder(NB201_THIN_INPUT_SHAPE);
  const out = nb201Cell(b, b.input, arch, NB201_THIN_INPUT_SHAPE[0]!);
  const features = b.within("head", () => b.globalAvgPool(b.relu(b.batchNorm(out))));
  const logits = b.within("head", () => b.linear(features, numClasses));
  return b.build({ features, logits });
}

/** The training epochs a benchmark column costs, from its `_12` / `_200` suffix. */
function nb201EpochCost(column: string): number | undefined {
  const m = /_(\d+)(?:_[a-z]+)?$/.exec(column);
  return m && /(acc|valid|test|train)/.test(column) ? Number(m[1]) : undefined;
}

/**
 * One op per edge; declared as a list of choices, so sampling (one uniform op per edge, in edge
 * order), one-edit neighbours, base-5 enumeration and the categorical code come from the
 * declaration (and match the hand-written ones they replaced draw for draw).
 */
export const nb201: SearchSpace<Nb201Arch> = declareSpace<Nb201Arch>({
  name: "nb201",
  description:
    "NAS-Bench-201 topology space: a 4-node cell, 6 edges of 5 ops, in the benchmark's TinyNetwork",
  choices: list(NUM_EDGES, oneOf(NB201_OPS)),
  parse: parseNb201,
  format: formatNb201,
  build: buildNb201,
  defaultBuild: { inputShape: [3, 32, 32], numClasses: 10 },
  thinNetwork: nb201ThinNetwork,
  // Arrow functions, not references: nb201Supernet.ts imports this module (a cycle that is safe
  // only while neither module touches the other's bindings at load time).
  supernet: {
    edges: NUM_EDGES,
    ops: ["skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"], // NB201's without none (prune_tenas.py l.75)
    build: (opSets, o) => buildNb201Supernet(opSets as Nb201OpSets, o),
    thin: (opSets, numClasses, weighting) => teNasThinSupernet(opSets as Nb201OpSets, numClasses, weighting),
    thinInputShape: NB201_THIN_INPUT_SHAPE,
    arch: (ops) => parseNb201(formatNb201(ops as Nb201Arch)),
  },
  benchmark: {
    table: "nb201/nb201.csv",
    keyColumn: "arch_str",
    reportColumns: ["c10_test_200", "c100_test_200", "in16_test_200", "flops_c10_M", "params_c10_M"],
    defaultObjective: "c10valid_valid_200",
    epochCost: nb201EpochCost,
  },
});

/** NB201 cells in a resized TinyNetwork (`nb201:cells=1,channels=8`), see resized.ts. */
export function nb201Resized(text: Readonly<Record<string, string>>): SearchSpace<Nb201Arch> {
  return resizedSpace<Nb201Arch, Nb201MacroOptions>(
    nb201,
    text,
    { cells: "cellsPerStage", channels: "channels" },
    buildNb201,
  );
}
