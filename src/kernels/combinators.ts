// serial, fanOut, parallel, fanInSum and residual, as stax's combinators and branching layers.
import type { Kernel } from "./kernel.js";
import { identity } from "./linear.js";
import { addAll, type Mat } from "./matrix.js";
import { children, type Flow, list, Net, type Params, single } from "./net.js";

/** Layers one after another. */
export function serial(...layers: readonly Net[]): Net {
  const name = `serial(${layers.map((l) => l.name).join(", ")})`;
  return new Net({
    name,
    kernelFn: (k, options) => layers.reduce((acc, l) => l.kernelFn(acc, options), k),
    initFn(inWidth, options, path) {
      const params: Params[] = [];
      let width = inWidth;
      layers.forEach((l, i) => {
        const r = l.initFn(width, options, [...path, i]);
        params.push(r.params);
        width = r.outWidth;
      });
      return { params, outWidth: width };
    },
    forward(p, x) {
      const ps = children(p, layers.length, name);
      const caches: unknown[] = [];
      let y = x;
      layers.forEach((l, i) => {
        const r = l.forward(ps[i]!, y);
        caches.push(r.cache);
        y = r.y;
      });
      return { y, cache: caches };
    },
    backward(p, cache, dy, sink) {
      const ps = children(p, layers.length, name);
      const caches = cache as unknown[];
      let g = dy;
      for (let i = layers.length - 1; i >= 0; i--) g = layers[i]!.backward(ps[i]!, caches[i], g, sink);
      return g;
    },
  });
}

/** `count` copies of the input, one per branch. */
export function fanOut(count: number): Net {
  const name = `fanOut(${count})`;
  const copies = <T>(v: Flow<T>): readonly T[] => Array.from({ length: count }, () => single(v, name));
  return new Net({
    name,
    kernelFn: copies,
    initFn: (inWidth) => ({ params: null, outWidth: copies(inWidth) }),
    forward: (_p, x) => ({ y: copies(x), cache: null }),
    // Each branch's gradient reaches the shared input.
    backward: (_p, _c, dy) => addAll(list(dy, name)),
  });
}

/** Branch i goes through layer i. */
export function parallel(...layers: readonly Net[]): Net {
  const name = `parallel(${layers.map((l) => l.name).join(", ")})`;
  const branches = <T>(v: Flow<T>): readonly T[] => {
    const b = list(v, name);
    if (b.length !== layers.length) throw new Error(`${name} got ${b.length} branches`);
    return b;
  };
  return new Net({
    name,
    kernelFn: (k, options) => branches(k).map((b, i) => single(layers[i]!.kernelFn(b, options), name)),
    initFn(inWidth, options, path) {
      const rs = branches(inWidth).map((w, i) => layers[i]!.initFn(w, options, [...path, i]));
      return { params: rs.map((r) => r.params), outWidth: rs.map((r) => single(r.outWidth, name)) };
    },
    forward(p, x) {
      const ps = children(p, layers.length, name);
      const rs = branches(x).map((b, i) => layers[i]!.forward(ps[i]!, b));
      return { y: rs.map((r) => single(r.y, name)), cache: rs.map((r) => r.cache) };
    },
    backward(p, cache, dy, sink) {
      const ps = children(p, layers.length, name);
      const caches = cache as unknown[];
      return branches(dy).map((g, i) => single(layers[i]!.backward(ps[i]!, caches[i], g, sink), name));
    },
  });
}

/**
 * Sum of the branches. Kernels add only when the branches are independent mean-zero Gaussians
 * (each ends in a Dense, or is an identity of a Dense output), which stax checks the same way.
 */
export function fanInSum(): Net {
  const name = "fanInSum";
  return new Net({
    name,
    kernelFn(flow): Kernel {
      const ks = list(flow, name);
      const first = ks[0];
      if (first === undefined) throw new Error(`${name} got no branches`);
      if (ks.length > 1 && !ks.every((k) => k.isGaussian)) {
        throw new Error(`${name} adds only mean-zero Gaussian branches (end each in a Dense)`);
      }
      const sum = (pick: (k: Kernel) => Float64Array) =>
        addAll(ks.map((k) => ({ rows: 1, cols: pick(k).length, data: pick(k) }))).data;
      return {
        ...first,
        nngp: sum((k) => k.nngp),
        ntk: sum((k) => k.ntk),
        cov1: sum((k) => k.cov1),
        cov2: sum((k) => k.cov2),
        isGaussian: ks.every((k) => k.isGaussian),
      };
    },
    initFn(inWidth) {
      const widths = list(inWidth, name);
      if (!widths.every((w) => w === widths[0])) throw new Error(`${name}: branch widths ${widths}`);
      return { params: null, outWidth: widths[0]! };
    },
    forward: (_p, x) => ({ y: addAll(list(x, name)), cache: list(x, name).length }),
    backward: (_p, cache, dy) => Array.from({ length: cache as number }, (): Mat => single(dy, name)),
  });
}

/** block(x) + x: FanOut(2) → parallel(block, identity) → FanInSum. */
export function residual(block: Net): Net {
  return serial(fanOut(2), parallel(block, identity()), fanInSum());
}
