// ZiCo (Li, Yang, Bhardwaj & Marculescu, "ZiCo: Zero-shot NAS via Inverse Coefficient of Variation
// on Gradients", ICLR 2023), as SLDGroup/ZiCo computes it (ZeroShotProxy/compute_zico.py: getzico,
// getgrad, caculate_zico; called from evolution_search.py's compute_nas_score). The network is
// built afresh and left at PyTorch's default Conv/Linear init, in train mode (batch-statistic BN);
// `--maxbatch` (default 2) mini-batches of `--batch_size` labelled training images (128 in its
// scripts) each get their own mean cross-entropy backward, the gradients zeroed in between. With
// g_b the flattened ∂L_b/∂W of one Conv2d/Linear weight on batch b,
//   zico = Σ_layers log( Σ_{i: σ_i > 0} mean_b |g_bi| / σ_i ),   σ_i = std_b g_bi (population, ddof 0),
// a layer whose every σ_i is 0 adds nothing (so a network whose gradients never vary scores 0, as
// in the reference). Higher is better.
//
// Any IR graph: "layers" are its conv and linear nodes (Conv2d/Linear in the reference; grouped and
// depthwise convs included, as nn.Conv2d with groups is). A graph without any fails with a reason.
// The batches are consecutive slices from the front of the data (the reference draws them from a
// shuffled, augmented training loader; our data is already in a seeded order, as for every metric).
// The reference's search script builds its MasterNet with no_reslink=True for every proxy; that is
// a property of its own space, not of ZiCo, so residual links stay (as in the NB201 benchmark
// network whose correlations the paper reports).
import * as v from "valibot";
import { gradName } from "../onnx/gradient.js";
import { GradientSession } from "../onnx/gradientSession.js";
import { firstBatch, initialWeights, prunableLayers, weightOf } from "./gradientPass.js";
import { checkFinite, defineMetric, failed, type Metric, type MetricInput } from "./metric.js";
import { defaultsOf, initScheme, integer, type OptionsOf, option } from "./options.js";

export const ZICO_OPTIONS = v.strictObject({
  /** Images per mini-batch (reference scripts: --batch_size 128). */
  batchSize: option(integer(1), 128),
  /** Mini-batches whose gradients are compared (reference: --maxbatch 2). */
  batches: option(integer(2), 2),
  /** `kaiming_uniform` is PyTorch's default Conv/Linear init, which the reference keeps. */
  init: option(initScheme(), "kaiming_uniform"),
});

export type ZicoOptions = OptionsOf<typeof ZICO_OPTIONS>;

export const ZICO_DEFAULTS: ZicoOptions = defaultsOf(ZICO_OPTIONS);

/** One layer's term: Σ over parameters whose gradient varies across batches of mean|g| / std(g). */
export interface ZicoLayerTerm {
  /** Σ_i mean_b|g_bi| / σ_i over parameters with σ_i > 0 (0 when there are none). */
  readonly ratioSum: number;
  /** How many parameters had σ_i > 0. */
  readonly varying: number;
}

/**
 * ZiCo's per-layer sum in float64 from one layer's gradients on each batch (`perBatch[b][i]`).
 * σ_i > 0 is tested as "not every batch gave the same value", which is what a zero population
 * standard deviation means, without relying on round-off of a computed σ.
 */
export function zicoLayerTerm(perBatch: readonly Float32Array[]): ZicoLayerTerm {
  const k = perBatch.length;
  const size = perBatch[0]!.length;
  let ratioSum = 0;
  let varying = 0;
  for (let i = 0; i < size; i++) {
    const first = perBatch[0]![i]!;
    let differs = false;
    let mean = 0;
    let meanAbs = 0;
    for (let b = 0; b < k; b++) {
      const g = perBatch[b]![i]!;
      if (g !== first) differs = true;
      mean += g;
      meanAbs += Math.abs(g);
    }
    if (!differs) continue;
    mean /= k;
    meanAbs /= k;
    let squares = 0;
    for (let b = 0; b < k; b++) squares += (perBatch[b]![i]! - mean) ** 2;
    ratioSum += meanAbs / Math.sqrt(squares / k);
    varying++;
  }
  return { ratioSum, varying };
}

/** Σ over layers of log(ratioSum), skipping layers with no varying parameter (the reference's rule). */
export function zicoFromTerms(terms: readonly ZicoLayerTerm[]): number {
  let score = 0;
  for (const t of terms) if (t.ratioSum !== 0) score += Math.log(t.ratioSum);
  return score;
}

/** ∂(mean cross-entropy)/∂W of every conv/linear weight on each of `batches` consecutive batches. */
export async function perBatchGradients(
  input: MetricInput,
  o: ZicoOptions,
): Promise<Map<string, Float32Array[]>> {
  const layers = prunableLayers(input.graph);
  const weights = await initialWeights(input, o.init);
  const all = firstBatch(input, o.batchSize * o.batches);
  const perImage = all.images.length / all.count;
  const classes = all.labels.length / all.count;
  const session = await GradientSession.create(
    input.graph,
    weights,
    { bnMode: "train", loss: "cross_entropy", params: layers.map(weightOf) },
    input.runtime,
  );
  const grads = new Map<string, Float32Array[]>(layers.map((l) => [weightOf(l), []]));
  try {
    for (let b = 0; b < o.batches; b++) {
      const from = b * o.batchSize;
      const to = from + o.batchSize;
      const out = await session.run(
        all.images.subarray(from * perImage, to * perImage),
        o.batchSize,
        all.labels.subarray(from * classes, to * classes),
      );
      for (const [name, list] of grads) list.push(out[gradName(name)]!.data);
    }
  } finally {
    await session.release();
  }
  return grads;
}

export const zico: Metric<ZicoOptions> = defineMetric({
  name: "zico",
  description:
    "ZiCo: Σ_layers log Σ mean|∂L/∂w| / std(∂L/∂w) across 2 batches of 128 (SLDGroup/ZiCo; cross-entropy, train-mode BN)",
  values: [
    {
      name: "zico",
      higherIsBetter: true,
      description:
        "Σ over conv/linear layers of log Σ_w mean_b|g| / σ_b(g), over weights whose gradient varies",
    },
  ],
  options: ZICO_OPTIONS,
  images: (o) => o.batchSize * o.batches,
  async run(input, o) {
    const layers = prunableLayers(input.graph);
    if (layers.length === 0)
      return failed(zico, "the network has no conv or linear layer to take gradients of");
    const grads = await perBatchGradients(input, o);
    const terms = layers.map((l) => zicoLayerTerm(grads.get(weightOf(l))!));
    const result = checkFinite({ zico: zicoFromTerms(terms) });
    // Layers that count: a score of 0 from a network whose gradients never vary reads as such.
    return { ...result, diagnostics: { zico_layers: terms.filter((t) => t.ratioSum !== 0).length } };
  },
});
