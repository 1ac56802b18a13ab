// GraphBuilder: the small set of combinators spaces use to write networks. Shapes, parameters and
// node names come from each op's module in ./ops; the builder turns its friendly arguments into op
// attributes and refuses what does not fit.
import type { Activation, Graph, Node, Op, Pads, Pair, Param } from "./graph.js";
import { numel } from "./graph.js";
import { opDef } from "./ops/index.js";

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

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly names = new Set<string>();
  private readonly scope: string[] = [];

  constructor(readonly inputShape: readonly number[]) {
    this.push({ kind: "input" }, [], [inputShape]);
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

  /** Any registered op on any inputs: shape, parameters and name from its module. */
  op(op: Op, inputs: readonly Ref[]): Ref {
    return this.push(
      op,
      inputs,
      inputs.map((x) => this.shape(x)),
    );
  }

  conv(x: Ref, outChannels: number, kernel: number, o: ConvOptions = {}): Ref {
    const pad = o.padding ?? 0;
    const stride = o.stride ?? 1;
    const dilation = o.dilation ?? 1;
    return this.op(
      {
        kind: "conv",
        outChannels,
        kernel: [kernel, kernel],
        stride: [stride, stride],
        pads: [pad, pad, pad, pad],
        dilation: [dilation, dilation],
        groups: o.groups ?? 1,
        bias: o.bias ?? false,
      },
      [x],
    );
  }

  batchNorm(x: Ref, o: { eps?: number; affine?: boolean } = {}): Ref {
    return this.op({ kind: "batchnorm", eps: o.eps ?? 1e-5, affine: o.affine ?? true }, [x]);
  }

  act(x: Ref, fn: Activation): Ref {
    return this.op({ kind: "act", fn }, [x]);
  }

  relu(x: Ref): Ref {
    return this.act(x, "relu");
  }

  /** Leaky ReLU with negative slope `alpha` (`act(x, "leaky_relu")` is alpha = 0.01). */
  leakyRelu(x: Ref, alpha = 0.01): Ref {
    return this.op(
      alpha === 0.01 ? { kind: "act", fn: "leaky_relu" } : { kind: "act", fn: "leaky_relu", alpha },
      [x],
    );
  }

  avgPool(x: Ref, kernel: number, o: PoolOptions = {}): Ref {
    return this.pool(x, "avg", kernel, o);
  }

  maxPool(x: Ref, kernel: number, o: PoolOptions = {}): Ref {
    return this.pool(x, "max", kernel, o);
  }

  globalAvgPool(x: Ref): Ref {
    return this.op({ kind: "globalAvgPool" }, [x]);
  }

  /** Sum of equally shaped tensors (one input: returned as it is). */
  add(xs: readonly Ref[]): Ref {
    if (xs.length === 0) throw new Error("add needs at least one input");
    const shape = this.shape(xs[0]!);
    for (const x of xs) {
      if (this.shape(x).join("x") !== shape.join("x")) {
        throw new Error(`add: shape ${this.shape(x).join("x")} differs from ${shape.join("x")}`);
      }
    }
    if (xs.length === 1) return xs[0]!;
    return this.op({ kind: "add" }, xs);
  }

  /** Sum with broadcasting: equal ranks, each axis equal or 1 (e.g. [C,H,W] + [C,1,1]). */
  addBroadcast(xs: readonly Ref[]): Ref {
    if (xs.length === 0) throw new Error("addBroadcast needs at least one input");
    if (xs.length === 1) return xs[0]!;
    return this.op({ kind: "add" }, xs);
  }

  /** Element-wise product with broadcasting (equal ranks, each axis equal or 1). */
  mul(a: Ref, b: Ref): Ref {
    return this.op({ kind: "mul" }, [a, b]);
  }

  concat(xs: readonly Ref[]): Ref {
    if (xs.length === 0) throw new Error("concat needs at least one input");
    if (xs.length === 1) return xs[0]!;
    return this.op({ kind: "concat" }, xs);
  }

  /**
   * Channel concat of branches that are each first projected to `channels[i]` channels by a 1×1
   * conv (no bias) when their channel count differs; the usual way to merge branches of unequal width.
   */
  concatProjected(xs: readonly Ref[], channels: readonly number[]): Ref {
    if (channels.length !== xs.length) throw new Error("concatProjected: one channel count per input");
    return this.concat(
      xs.map((x, i) => (this.shape(x)[0] === channels[i] ? x : this.conv(x, channels[i]!, 1))),
    );
  }

  /** Keeps the first `channels` channels of a [C, H, W] (or [C]) tensor; no parameters, no FLOPs. */
  sliceChannels(x: Ref, channels: number): Ref {
    return this.op({ kind: "sliceChannels", channels }, [x]);
  }

  linear(x: Ref, outFeatures: number, o: { bias?: boolean } = {}): Ref {
    return this.op({ kind: "linear", outFeatures, bias: o.bias ?? true }, [x]);
  }

  /** Per-sample matrix product over the last two axes of two node tensors (see ops/matmul.ts). */
  matmul(a: Ref, b: Ref): Ref {
    return this.op({ kind: "matmul" }, [a, b]);
  }

  flatten(x: Ref): Ref {
    const shape = this.shape(x);
    if (shape.length === 1) return x;
    return this.op({ kind: "flatten" }, [x]);
  }

  /** Per-sample reshape; one axis may be -1 (inferred). */
  reshape(x: Ref, shape: readonly number[]): Ref {
    const n = numel(this.shape(x));
    const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const resolved = shape.map((d) => (d === -1 ? n / known : d));
    if (shape.filter((d) => d === -1).length > 1 || !resolved.every((d) => Number.isInteger(d) && d > 0))
      throw new Error(`reshape: cannot reshape ${this.shape(x).join("x")} to ${shape.join("x")}`);
    return this.op({ kind: "reshape", shape: resolved }, [x]);
  }

  identity(x: Ref): Ref {
    return this.op({ kind: "identity" }, [x]);
  }

  zero(x: Ref): Ref {
    return this.op({ kind: "zero" }, [x]);
  }

  build(outputs: { features: Ref; logits: Ref }): Graph {
    return { nodes: [...this.nodes], inputShape: [...this.inputShape], ...outputs };
  }

  private pool(x: Ref, mode: "avg" | "max", kernel: number, o: PoolOptions): Ref {
    const stride = o.stride ?? kernel;
    const pad = o.padding ?? 0;
    const pads: Pads = [pad, pad, pad, pad];
    const k: Pair = [kernel, kernel];
    return this.op(
      {
        kind: "pool",
        mode,
        kernel: k,
        stride: [stride, stride],
        pads,
        countIncludePad: o.countIncludePad ?? false,
      },
      [x],
    );
  }

  private push(op: Op, inputs: readonly Ref[], inShapes: readonly (readonly number[])[]): Ref {
    const def = opDef(op);
    const shape = def.shape(op, inShapes);
    if (shape.some((d) => !(d > 0))) {
      throw new Error(
        `${op.kind} produces an empty shape ${shape.join("x")} from ${inShapes.map((s) => s.join("x"))}`,
      );
    }
    const base = def.baseName(op);
    const prefix = this.scope.length > 0 ? `${this.scope.join("/")}/` : "";
    let name = `${prefix}${base}`;
    for (let i = 1; this.names.has(name); i++) name = `${prefix}${base}${i}`;
    this.names.add(name);
    const id = this.nodes.length;
    const params: Param[] = def.params(op, inShapes, name);
    this.nodes.push({ id, name, op, inputs: [...inputs], shape, params });
    return id;
  }
}
