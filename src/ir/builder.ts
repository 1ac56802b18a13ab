// GraphBuilder: the small set of combinators spaces use to write networks, with shape inference.
import type { Activation, Graph, Node, Op, Pads, Pair, Param } from "./graph.js";

export type Ref = number;

export interface ConvOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export interface PoolOptions {
  stride?: number;
  padding?: number;
  countIncludePad?: boolean;
}

function outSize(
  size: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
) {
  return Math.floor((size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly names = new Set<string>();
  private readonly scope: string[] = [];

  constructor(readonly inputShape: readonly number[]) {
    this.push("input", { kind: "input" }, [], [...inputShape], []);
  }

  get input(): Ref {
    return 0;
  }

  shape(x: Ref): readonly number[] {
    const node = this.nodes[x];
    if (!node) throw new Error(`unknown node ${x}`);
    return node.shape;
  }

  /** Runs `body` with `name` prepended to every node name it creates. */
  within<T>(name: string, body: () => T): T {
    this.scope.push(name);
    try {
      return body();
    } finally {
      this.scope.pop();
    }
  }

  conv(x: Ref, outChannels: number, kernel: number, o: ConvOptions = {}): Ref {
    const [c, h, w] = this.spatial(x, "conv");
    const stride = o.stride ?? 1;
    const pad = o.padding ?? 0;
    const dilation = o.dilation ?? 1;
    const groups = o.groups ?? 1;
    if (c % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`conv groups=${groups} must divide in=${c} and out=${outChannels}`);
    }
    const op: Op = {
      kind: "conv",
      outChannels,
      kernel: [kernel, kernel],
      stride: [stride, stride],
      pads: [pad, pad, pad, pad],
      dilation: [dilation, dilation],
      groups,
      bias: o.bias ?? false,
    };
    const shape = [
      outChannels,
      outSize(h, kernel, stride, pad, pad, dilation),
      outSize(w, kernel, stride, pad, pad, dilation),
    ];
    const fanIn = (c / groups) * kernel * kernel;
    return this.push("conv", op, [x], shape, (name) => [
      { name: `${name}.weight`, shape: [outChannels, c / groups, kernel, kernel], role: "weight", fanIn },
      ...(op.bias ? [{ name: `${name}.bias`, shape: [outChannels], role: "bias", fanIn } as Param] : []),
    ]);
  }

  batchNorm(x: Ref, o: { eps?: number; affine?: boolean } = {}): Ref {
    const shape = this.shape(x);
    const c = shape[0]!;
    const affine = o.affine ?? true;
    return this.push("bn", { kind: "batchnorm", eps: o.eps ?? 1e-5, affine }, [x], [...shape], (name) =>
      affine
        ? [
            { name: `${name}.gamma`, shape: [c], role: "bn_gamma", fanIn: 1 },
            { name: `${name}.beta`, shape: [c], role: "bn_beta", fanIn: 1 },
          ]
        : [],
    );
  }

  act(x: Ref, fn: Activation): Ref {
    return this.push(fn, { kind: "act", fn }, [x], [...this.shape(x)], []);
  }

  relu(x: Ref): Ref {
    return this.act(x, "relu");
  }

  avgPool(x: Ref, kernel: number, o: PoolOptions = {}): Ref {
    return this.pool(x, "avg", kernel, o);
  }

  maxPool(x: Ref, kernel: number, o: PoolOptions = {}): Ref {
    return this.pool(x, "max", kernel, o);
  }

  globalAvgPool(x: Ref): Ref {
    const [c] = this.spatial(x, "globalAvgPool");
    return this.push("gap", { kind: "globalAvgPool" }, [x], [c], []);
  }

  add(xs: readonly Ref[]): Ref {
    if (xs.length === 0) throw new Error("add needs at least one input");
    const shape = this.shape(xs[0]!);
    for (const x of xs) {
      if (this.shape(x).join("x") !== shape.join("x")) {
        throw new Error(`add: shape ${this.shape(x).join("x")} differs from ${shape.join("x")}`);
      }
    }
    if (xs.length === 1) return xs[0]!;
    return this.push("add", { kind: "add" }, xs, [...shape], []);
  }

  concat(xs: readonly Ref[]): Ref {
    if (xs.length === 0) throw new Error("concat needs at least one input");
    const first = this.shape(xs[0]!);
    let channels = 0;
    for (const x of xs) {
      const s = this.shape(x);
      if (s.slice(1).join("x") !== first.slice(1).join("x")) {
        throw new Error(`concat: spatial shape ${s.join("x")} differs from ${first.join("x")}`);
      }
      channels += s[0]!;
    }
    if (xs.length === 1) return xs[0]!;
    return this.push("concat", { kind: "concat" }, xs, [channels, ...first.slice(1)], []);
  }

  /** Keeps the first `channels` channels of a [C, H, W] (or [C]) tensor; no parameters, no FLOPs. */
  sliceChannels(x: Ref, channels: number): Ref {
    const shape = this.shape(x);
    const c = shape[0]!;
    if (!Number.isInteger(channels) || channels < 1 || channels > c) {
      throw new Error(`sliceChannels: ${channels} channels out of ${shape.join("x")}`);
    }
    return this.push("slice", { kind: "sliceChannels", channels }, [x], [channels, ...shape.slice(1)], []);
  }

  linear(x: Ref, outFeatures: number, o: { bias?: boolean } = {}): Ref {
    const shape = this.shape(x);
    if (shape.length !== 1) throw new Error(`linear needs a flat input, got ${shape.join("x")}`);
    const inF = shape[0]!;
    const bias = o.bias ?? true;
    return this.push("linear", { kind: "linear", outFeatures, bias }, [x], [outFeatures], (name) => [
      { name: `${name}.weight`, shape: [outFeatures, inF], role: "weight", fanIn: inF },
      ...(bias ? [{ name: `${name}.bias`, shape: [outFeatures], role: "bias", fanIn: inF } as Param] : []),
    ]);
  }

  flatten(x: Ref): Ref {
    const shape = this.shape(x);
    if (shape.length === 1) return x;
    return this.push("flatten", { kind: "flatten" }, [x], [shape.reduce((a, b) => a * b, 1)], []);
  }

  identity(x: Ref): Ref {
    return this.push("identity", { kind: "identity" }, [x], [...this.shape(x)], []);
  }

  zero(x: Ref): Ref {
    return this.push("zero", { kind: "zero" }, [x], [...this.shape(x)], []);
  }

  build(outputs: { features: Ref; logits: Ref }): Graph {
    return { nodes: [...this.nodes], inputShape: [...this.inputShape], ...outputs };
  }

  private pool(x: Ref, mode: "avg" | "max", kernel: number, o: PoolOptions): Ref {
    const [c, h, w] = this.spatial(x, `${mode}Pool`);
    const stride = o.stride ?? kernel;
    const pad = o.padding ?? 0;
    const pads: Pads = [pad, pad, pad, pad];
    const k: Pair = [kernel, kernel];
    const op: Op = {
      kind: "pool",
      mode,
      kernel: k,
      stride: [stride, stride],
      pads,
      countIncludePad: o.countIncludePad ?? false,
    };
    const shape = [c, outSize(h, kernel, stride, pad, pad), outSize(w, kernel, stride, pad, pad)];
    return this.push(`${mode}pool`, op, [x], shape, []);
  }

  private spatial(x: Ref, what: string): [number, number, number] {
    const s = this.shape(x);
    if (s.length !== 3) throw new Error(`${what} needs a [C,H,W] input, got ${s.join("x")}`);
    return [s[0]!, s[1]!, s[2]!];
  }

  private push(
    base: string,
    op: Op,
    inputs: readonly Ref[],
    shape: number[],
    params: readonly Param[] | ((name: string) => Param[]),
  ): Ref {
    if (shape.some((d) => !(d > 0))) {
      throw new Error(
        `${op.kind} produces an empty shape ${shape.join("x")} from ${inputs.map((i) => this.shape(i).join("x"))}`,
      );
    }
    const prefix = this.scope.length > 0 ? `${this.scope.join("/")}/` : "";
    let name = `${prefix}${base}`;
    for (let i = 1; this.names.has(name); i++) name = `${prefix}${base}${i}`;
    this.names.add(name);
    const id = this.nodes.length;
    const ps = typeof params === "function" ? params(name) : params;
    this.nodes.push({ id, name, op, inputs: [...inputs], shape, params: ps });
    return id;
  }
}
