// NAS-Bench-Macro (Su et al., CVPR 2021): a MobileNetV2-like macro space of 8 searchable layers in
// stages of [2, 3, 3], each layer one of identity / inverted residual k3 e3 / inverted residual k5 e6,
// so 3^8 = 6,561 strings. The network follows xiusu/NAS-Bench-Macro `train/model.py` and the FLOPs
// follow that repository's own counter (`train/utils.py` count_FLOPs), which its table reports.
import { GraphBuilder, type Ref } from "../ir/builder.js";
import { type Graph, numel } from "../ir/graph.js";
import { list, oneOf } from "./declaration.js";
import { declareSpace } from "./declaredSpace.js";
import { type BuildOptions, type SearchSpace, SpaceError } from "./space.js";

/** Layer choices: 0 identity, 1 inverted residual (k3, expansion 3), 2 inverted residual (k5, expansion 6). */
export type NbMacroChoice = 0 | 1 | 2;
/** One choice per searchable layer, in network order (8 entries). */
export type NbMacroArch = readonly NbMacroChoice[];

export const NBMACRO_STAGES: readonly number[] = [2, 3, 3];
export const NBMACRO_LAYERS = 8;
export const NBMACRO_CHOICES = 3;
/** Kernel and expansion of the two inverted-residual choices (model.py's ir_3x3_t3, ir_5x5_t6). */
export const NBMACRO_BLOCKS: Readonly<Record<1 | 2, { kernel: number; expansion: number }>> = {
  1: { kernel: 3, expansion: 3 },
  2: { kernel: 5, expansion: 6 },
};
const STEM_CHANNELS = 32;
const HEAD_CHANNELS = 1280;
/** Every accuracy in the benchmark comes from 50-epoch trainings (train.py's default). */
const TRAINING_EPOCHS = 50;

export function parseNbMacro(text: string): NbMacroArch {
  const s = text.trim();
  const fail = (why: string): never => {
    throw new SpaceError(`invalid NAS-Bench-Macro arch "${text}": ${why}`);
  };
  if (s.length !== NBMACRO_LAYERS) {
    fail(`expected ${NBMACRO_LAYERS} digits (one per layer, each 0, 1 or 2), found ${s.length} characters`);
  }
  const arch: NbMacroChoice[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch < "0" || ch > "9") fail(`character ${i + 1} "${ch}" is not a digit`);
    const d = Number(ch);
    if (d > 2) fail(`layer ${i + 1} has choice ${d}; choices are 0 (identity), 1 (ir k3 e3), 2 (ir k5 e6)`);
    arch.push(d as NbMacroChoice);
  }
  return arch;
}

function checkArch(arch: NbMacroArch): void {
  if (arch.length !== NBMACRO_LAYERS || arch.some((c) => c !== 0 && c !== 1 && c !== 2)) {
    throw new SpaceError(`NAS-Bench-Macro arch needs ${NBMACRO_LAYERS} choices in {0,1,2}, got [${arch}]`);
  }
}

export function formatNbMacro(arch: NbMacroArch): string {
  checkArch(arch);
  return arch.join("");
}

/**
 * The benchmark's representative of `arch` (utils.py get_real_arch): within a stage, identities after
 * the first layer are no-ops (same width, stride 1), so they move to the stage's end. Strings with
 * the same representative build the same network and the benchmark reports one training for them.
 */
export function nbMacroRepresentative(arch: NbMacroArch): NbMacroArch {
  checkArch(arch);
  const out: NbMacroChoice[] = [];
  let at = 0;
  for (const layers of NBMACRO_STAGES) {
    const stage = arch.slice(at, at + layers);
    at += layers;
    const rest = stage.slice(1);
    out.push(stage[0]!, ...rest.filter((c) => c !== 0), ...rest.filter((c) => c === 0));
  }
  return out;
}

/** Position of an arch in base-3 layer order (the benchmark's itertools.product order). */
export function nbMacroOrdinal(arch: NbMacroArch): number {
  checkArch(arch);
  return arch.reduce<number>((acc, c) => acc * NBMACRO_CHOICES + c, 0);
}

export function nbMacroFromOrdinal(ordinal: number): NbMacroArch {
  const size = NBMACRO_CHOICES ** NBMACRO_LAYERS;
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= size) {
    throw new SpaceError(`NAS-Bench-Macro ordinal must be an integer in [0, ${size}), got ${ordinal}`);
  }
  const arch: NbMacroChoice[] = new Array(NBMACRO_LAYERS);
  for (let i = NBMACRO_LAYERS - 1; i >= 0; i--) {
    arch[i] = (ordinal % NBMACRO_CHOICES) as NbMacroChoice;
    ordinal = Math.floor(ordinal / NBMACRO_CHOICES);
  }
  return arch;
}

/** MobileNetV2 inverted residual (model.py InvertedResidual, ReLU, t > 1 so the expansion conv exists). */
function invertedResidual(
  b: GraphBuilder,
  x: Ref,
  out: number,
  stride: number,
  kernel: number,
  expansion: number,
): Ref {
  const inp = b.shape(x)[0]!;
  const hidden = inp * expansion;
  const pw = b.within("expand", () => b.relu(b.batchNorm(b.conv(x, hidden, 1))));
  const dw = b.within("depthwise", () =>
    b.relu(b.batchNorm(b.conv(pw, hidden, kernel, { stride, padding: kernel >> 1, groups: hidden }))),
  );
  const pl = b.within("project", () => b.batchNorm(b.conv(dw, out, 1)));
  return inp === out && stride === 1 ? b.add([pl, x]) : pl;
}

/**
 * The benchmark network. Built from the representative (identities moved to each stage's end and,
 * where they are no-ops, left out), so strings that compute the same network build identical graphs.
 * Layer scopes are `s{stage}l{layer}` in the representative's order.
 */
export function buildNbMacro(arch: NbMacroArch, options: BuildOptions): Graph {
  const rep = nbMacroRepresentative(arch);
  const b = new GraphBuilder(options.inputShape);
  let x = b.within("stem", () => b.relu(b.batchNorm(b.conv(b.input, STEM_CHANNELS, 3, { padding: 1 }))));
  let channels = STEM_CHANNELS;
  let at = 0;
  NBMACRO_STAGES.forEach((layers, stage) => {
    for (let layer = 0; layer < layers; layer++) {
      const choice = rep[at++]!;
      const first = layer === 0;
      const out = first ? channels * 2 : channels;
      const stride = first ? 2 : 1;
      const input = x;
      x = b.within(`s${stage}l${layer}`, () => {
        if (choice === 0) {
          // model.py Identity: a 1×1 conv + BN projection (no ReLU) when the shape changes, else nothing.
          return first ? b.within("proj", () => b.batchNorm(b.conv(input, out, 1, { stride }))) : input;
        }
        const { kernel, expansion } = NBMACRO_BLOCKS[choice];
        return invertedResidual(b, input, out, stride, kernel, expansion);
      });
      channels = out;
    }
  });
  const features = b.within("head", () => b.globalAvgPool(b.relu(b.batchNorm(b.conv(x, HEAD_CHANNELS, 1)))));
  const logits = b.within("classifier", () => b.linear(features, options.numClasses));
  return b.build({ features, logits });
}

/**
 * FLOPs as NAS-Bench-Macro counts them (train/utils.py count_FLOPs): per Conv2d
 * in·out·H_out·W_out / groups · k_h·k_w multiply-accumulates, per Linear in·out; biases, BN,
 * activations, additions and pooling count nothing. (ir/cost.ts's NB201 counter adds the linear bias.)
 */
export function nbMacroFlops(graph: Graph): number {
  let total = 0;
  for (const node of graph.nodes) {
    const op = node.op;
    if (op.kind === "conv") {
      const inChannels = graph.nodes[node.inputs[0]!]!.shape[0]!;
      total += (numel(node.shape) * inChannels * op.kernel[0] * op.kernel[1]) / op.groups;
    } else if (op.kind === "linear") {
      total += node.shape[0]! * graph.nodes[node.inputs[0]!]!.shape[0]!;
    }
  }
  return total;
}

/** Declared as one choice per layer: sampling, neighbours, enumeration and the code are derived. */
export const nbmacro: SearchSpace<NbMacroArch> = declareSpace<NbMacroArch>({
  name: "nbmacro",
  description:
    "NAS-Bench-Macro: 8 MobileNetV2-style layers (identity / IR k3e3 / IR k5e6) in stages [2,3,3], 6,561 strings, CIFAR-10",
  choices: list(NBMACRO_LAYERS, oneOf([0, 1, 2])),
  parse: parseNbMacro,
  format: formatNbMacro,
  build: buildNbMacro,
  defaultBuild: { inputShape: [3, 32, 32], numClasses: 10 },
  flops: nbMacroFlops,
  benchmark: {
    table: "nbmacro/nbmacro_acc_dev.csv",
    keyColumn: "arch",
    flopsUnit: "count",
    reportColumns: ["mean_acc", "std"],
    defaultObjective: "mean_acc",
    epochCost(column: string) {
      // test_acc_seed{0,1,2}, their mean and std all come from the benchmark's 50-epoch trainings.
      return column === "mean_acc" || column === "std" || column.startsWith("test_acc_")
        ? TRAINING_EPOCHS
        : undefined;
    },
  },
});
