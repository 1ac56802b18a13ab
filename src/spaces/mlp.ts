// Seed 002's space (Zhu et al., NeurIPS 2022, arXiv 2209.07238): fully connected and residual networks
// whose per-layer activations and skip connections are searched, ranked by the NTK's minimum
// eigenvalue at initialisation. The paper has no public code; this is our precise reading.
//
// Network (depth L, width n, input flattened to d features; a_0 = x):
//   layer l = 1..L:  r_l = W_l a_{l−1} + b_l  [+ r_{l−1} when skip_l = "identity"]
//                    a_l = φ_l(r_l)
//   features = a_L, or concat(a_l for every "deep" layer l, then a_L) in layer order
//   logits   = W_head · features + b_head
// Skips (residual family only):
//   "none":     no shortcut.
//   "identity": an identity shortcut from the previous block: the block's linear output is added
//               to the previous block's pre-activation r_{l−1} — the pre-activation residual form
//               x_l = x_{l−1} + W_l φ_{l−1}(x_{l−1}) + b_l (He et al.'s identity mappings; stax's
//               residual(serial(act, dense))). Adding post-activations instead would add
//               non-Gaussian, non-zero-mean terms whose infinite-width kernel is not the sum of
//               the parts. Not on layer 1, whose input is the d-dimensional image.
//   "deep":     a deep skip to the output: a_l also feeds the head directly (features concatenate
//               it), so logits = Σ_deep W_l' a_l + W_L' a_L + b. Not on layer L, which feeds the
//               head anyway.
// The architecture is JSON: {"family":"mlp","layers":[{"activation":"relu"},…]} or
// {"family":"resnet","layers":[{"activation":"relu","skip":"none"},…]}; "family" may be omitted
// when the layers say it. In a space of both families a residual network without skips is the
// MLP it builds, and formats as one. `mlpKernel` gives a member's infinite-width NNGP/NTK from the
// very graph the space builds (kernels/fromGraph.ts): one network language, not two.
import { GraphBuilder, type Ref } from "../ir/builder.js";
import { ACTIVATIONS, type Activation, type Graph } from "../ir/graph.js";
import { type GraphKernelFn, type GraphKernelOptions, graphKernel } from "../kernels/fromGraph.js";
import { check, list, oneOf, type Struct, struct } from "./declaration.js";
import { declareSpace } from "./declaredSpace.js";
import { type BuildOptions, type SearchSpace, SpaceError } from "./space.js";

/** The activations of the paper's experiments: ReLU, LeakyReLU, Tanh, Sigmoid, SiLU/Swish, GELU. */
export const MLP_ACTIVATIONS: readonly Activation[] = [
  "relu",
  "leaky_relu",
  "tanh",
  "sigmoid",
  "swish",
  "gelu",
];
export const MLP_SKIPS = ["none", "identity", "deep"] as const;
export type MlpSkip = (typeof MLP_SKIPS)[number];
export type MlpFamily = "mlp" | "resnet";

export type MlpLayer = { readonly activation: Activation };
export type ResidualLayer = { readonly activation: Activation; readonly skip: MlpSkip };
export type MlpArch =
  | { readonly family: "mlp"; readonly layers: readonly MlpLayer[] }
  | { readonly family: "resnet"; readonly layers: readonly ResidualLayer[] };

export interface MlpSpaceOptions {
  /** Hidden layers (default 4). */
  readonly depth?: number;
  /** Hidden width (default 256). */
  readonly width?: number;
  /** Per-layer activation candidates (default MLP_ACTIVATIONS; any IR activation may be named). */
  readonly activations?: readonly Activation[];
  /** Fully connected only, residual only, or both (default). */
  readonly family?: MlpFamily | "both";
  /** Space name (default "mlp"). */
  readonly name?: string;
  /** Default build: MNIST's [1, 28, 28] and 10 classes. */
  readonly defaultBuild?: BuildOptions;
}

export interface MlpSpace extends SearchSpace<MlpArch> {
  readonly depth: number;
  readonly width: number;
  readonly activations: readonly Activation[];
  readonly family: MlpFamily | "both";
  /** The member's infinite-width kernels, built from `build(arch, options ?? defaultBuild)`. */
  kernel(arch: MlpArch, options?: GraphKernelOptions & Partial<BuildOptions>): GraphKernelFn;
}

/** The network of an architecture at width `width` (see the top of this file). */
export function buildMlp(arch: MlpArch, options: BuildOptions & { readonly width: number }): Graph {
  const { width } = options;
  const b = new GraphBuilder(options.inputShape);
  let a = b.flatten(b.input);
  let stream: Ref | undefined;
  const deep: Ref[] = [];
  const layers: readonly (MlpLayer & { readonly skip?: MlpSkip })[] = arch.layers;
  layers.forEach((layer, i) => {
    const skip = layer.skip ?? "none";
    b.within(`layer${i + 1}`, () => {
      let r = b.linear(a, width);
      if (skip === "identity") {
        if (stream === undefined) throw new SpaceError("layer 1 cannot take an identity skip");
        r = b.add([stream, r]);
      }
      a = b.act(r, layer.activation);
      if (skip === "deep") deep.push(a);
      stream = r;
    });
  });
  const features = deep.length > 0 ? b.within("head", () => b.concat([...deep, a])) : a;
  const logits = b.within("head", () => b.linear(features, options.numClasses));
  return b.build({ features, logits });
}

/** Why a declared value is no architecture (skips that have nothing to connect), or undefined. */
function validate(arch: MlpArch): string | undefined {
  if (arch.family !== "resnet") return undefined;
  const { layers } = arch;
  if (layers[0]?.skip === "identity")
    return "layer 1 cannot take an identity skip: its input is the flattened image, not a block";
  if (layers.length > 0 && layers[layers.length - 1]!.skip === "deep")
    return `layer ${layers.length} cannot take a deep skip: it feeds the head already (use "none")`;
  return undefined;
}

export function mlpSpace(options: MlpSpaceOptions = {}): MlpSpace {
  const depth = options.depth ?? 4;
  const width = options.width ?? 256;
  const activations = [...(options.activations ?? MLP_ACTIVATIONS)];
  const family = options.family ?? "both";
  const name = options.name ?? "mlp";
  if (!(Number.isInteger(depth) && depth >= 1))
    throw new SpaceError(`depth must be an integer ≥ 1, got ${depth}`);
  if (!(Number.isInteger(width) && width >= 1))
    throw new SpaceError(`width must be an integer ≥ 1, got ${width}`);
  if (activations.length === 0) throw new SpaceError("needs at least one activation");
  for (const fn of activations)
    if (!ACTIVATIONS.includes(fn))
      throw new SpaceError(`unknown activation "${fn}" (known: ${ACTIVATIONS.join(", ")})`);
  if (!["mlp", "resnet", "both"].includes(family)) throw new SpaceError(`unknown family "${family}"`);

  const activation = oneOf(activations);
  const parts: Record<MlpFamily, Struct> = {
    mlp: struct({ family: "mlp", layers: list(depth, struct({ activation })) }),
    resnet: struct({ family: "resnet", layers: list(depth, struct({ activation, skip: oneOf(MLP_SKIPS) })) }),
  };
  const families: MlpFamily[] = family === "both" ? ["mlp", "resnet"] : [family];
  // Both families: a conditional part per family (skip choices exist only for the residual one).
  const choices = family === "both" ? oneOf([parts.mlp, parts.resnet]) : parts[family];

  // oneOf of structs reports only that no candidate fits; pick the family first so the error names
  // the fault (e.g. `layers[2].activation: "foo" is not one of …`).
  const parse = (text: string): MlpArch => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SpaceError(`${name} architecture is not JSON: ${(e as Error).message}`);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json))
      throw new SpaceError(`${name} architecture must be an object with family and layers, got ${text}`);
    const given = json as { family?: unknown; layers?: unknown };
    const withSkip =
      Array.isArray(given.layers) &&
      given.layers.some((l) => typeof l === "object" && l !== null && "skip" in l);
    const chosen = given.family ?? (withSkip ? "resnet" : families[0]);
    if (!families.includes(chosen as MlpFamily))
      throw new SpaceError(
        `family: ${JSON.stringify(chosen)} is not one of ${families.map((f) => `"${f}"`).join(", ")}`,
      );
    return check(parts[chosen as MlpFamily], json) as MlpArch;
  };

  // With both families, a residual network without skips is the MLP it builds.
  const canonical = (arch: MlpArch): MlpArch =>
    family === "both" && arch.family === "resnet" && arch.layers.every((l) => l.skip === "none")
      ? { family: "mlp", layers: arch.layers.map((l) => ({ activation: l.activation })) }
      : arch;

  const defaultBuild = options.defaultBuild ?? { inputShape: [1, 28, 28], numClasses: 10 };
  const familyText = { mlp: "fully connected", resnet: "residual", both: "fully connected and residual" }[
    family
  ];
  const space = declareSpace<MlpArch>({
    name,
    description:
      `Seed 002 (Zhu et al. 2022): ${familyText} networks, ${depth} layers of width ${width}, ` +
      `per-layer activation (${activations.join(", ")})` +
      (family === "mlp" ? "" : " and skip (none, identity from the previous block, deep to the output)"),
    choices,
    parse,
    validate,
    ...(family === "both" ? { canonical } : {}),
    build: (arch, o) => buildMlp(arch, { ...o, width }),
    defaultBuild,
  });
  return Object.assign(space, {
    depth,
    width,
    activations,
    family,
    kernel(arch: MlpArch, o: GraphKernelOptions & Partial<BuildOptions> = {}): GraphKernelFn {
      return graphKernel(
        buildMlp(arch, {
          inputShape: o.inputShape ?? defaultBuild.inputShape,
          numClasses: o.numClasses ?? defaultBuild.numClasses,
          width,
        }),
        o,
      );
    },
  });
}

/**
 * The infinite-width NNGP/NTK of an architecture, or `{ ok: false, reason }` naming the activation
 * without a kernel. The graph is the one the space builds (any width: the kernel is its limit).
 */
export function mlpKernel(
  arch: MlpArch,
  options: GraphKernelOptions & Partial<BuildOptions> & { readonly width?: number } = {},
): GraphKernelFn {
  const graph = buildMlp(arch, {
    inputShape: options.inputShape ?? [1, 28, 28],
    numClasses: options.numClasses ?? 10,
    width: options.width ?? 256,
  });
  return graphKernel(graph, options);
}

/** Default instance: both families, depth 4, width 256, the six activations, MNIST-size input. */
export const mlp: MlpSpace = mlpSpace();

/** `mlp:depth=6,width=512,family=resnet,activations=relu+tanh` → the factory's options. */
export function mlpOptionsFromText(o: Readonly<Record<string, string>>): MlpSpaceOptions {
  const known = ["depth", "width", "family", "activations"];
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new SpaceError(`space "mlp" has no option "${k}" (known: ${known.join(", ")})`);
  const int = (k: string) => {
    const n = Number(o[k]);
    if (!Number.isInteger(n) || n < 1)
      throw new SpaceError(`space "mlp": ${k} must be a positive integer, got "${o[k]}"`);
    return n;
  };
  const family = o.family;
  if (family !== undefined && !["mlp", "resnet", "both"].includes(family))
    throw new SpaceError(`space "mlp": family must be mlp, resnet or both, got "${family}"`);
  const name = `mlp:${Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;
  return {
    name,
    ...(o.depth !== undefined ? { depth: int("depth") } : {}),
    ...(o.width !== undefined ? { width: int("width") } : {}),
    ...(family !== undefined ? { family: family as MlpSpaceOptions["family"] } : {}),
    ...(o.activations !== undefined
      ? { activations: o.activations.split("+") as MlpSpaceOptions["activations"] }
      : {}),
  };
}
