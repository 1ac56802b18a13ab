// Dense and Identity with stax semantics.
import { Rng } from "../util/random.js";
import type { Kernel } from "./kernel.js";
import { type Mat, zeros } from "./matrix.js";
import { type DenseParams, Net, type Params, single } from "./net.js";

export interface DenseOptions {
  /** σ_w (default 1). */
  readonly wStd?: number;
  /** σ_b; omitted means no bias parameter (stax's b_std=None). */
  readonly bStd?: number;
  /**
   * "ntk" (default): W, b ~ N(0, 1), z = σ_w/√fan_in · xW + σ_b·b.
   * "standard": W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²), z = xW + b.
   */
  readonly parameterization?: "ntk" | "standard";
  /** Fixed output size of the finite layer; otherwise the network width. */
  readonly out?: number;
}

function denseParams(p: Params): DenseParams {
  if (p === null || Array.isArray(p) || (p as DenseParams).kind !== "dense")
    throw new Error("not Dense params");
  return p as DenseParams;
}

export function dense(options: DenseOptions = {}): Net {
  const wStd = options.wStd ?? 1;
  const bStd = options.bStd;
  const standard = (options.parameterization ?? "ntk") === "standard";
  const name = `dense(${wStd}, ${bStd ?? "none"}${standard ? ", standard" : ""})`;
  const b2 = (bStd ?? 0) ** 2;
  const affine = (v: Float64Array) => v.map((x) => wStd * wStd * x + b2);

  return new Net({
    name,
    kernelFn(flow, kernelOptions): Kernel {
      const k = single(flow, name);
      const nngp = affine(k.nngp);
      let ntk: Float64Array;
      if (standard) {
        // Gradients of the unscaled weights sum fan_in · (input NNGP); a bias adds 1 whatever σ_b.
        const fanIn = k.channels;
        if (!Number.isFinite(fanIn)) throw new Error(`${name} needs kernel(..., { width })`);
        const bias = bStd === undefined ? 0 : 1;
        ntk = k.ntk.map((t, i) => fanIn * k.nngp[i]! + wStd * wStd * t + bias);
      } else {
        // This layer's own parameters contribute its NNGP; earlier ones pass through scaled by σ_w².
        ntk = k.ntk.map((t, i) => nngp[i]! + wStd * wStd * t);
      }
      return {
        n1: k.n1,
        n2: k.n2,
        nngp,
        ntk,
        cov1: affine(k.cov1),
        cov2: affine(k.cov2),
        isGaussian: true,
        channels: options.out ?? kernelOptions.width ?? Number.NaN,
      };
    },
    initFn(inWidth, init, path) {
      const inDim = single(inWidth, name);
      const outDim = options.out ?? init.width;
      const rng = new Rng(init.seed, "kernels", ...path);
      const w = new Float64Array(inDim * outDim);
      const wInit = standard ? wStd / Math.sqrt(inDim) : 1;
      for (let i = 0; i < w.length; i++) w[i] = wInit * rng.normal();
      let b: Float64Array | null = null;
      if (bStd !== undefined) {
        const bInit = standard ? bStd : 1;
        b = new Float64Array(outDim);
        for (let i = 0; i < outDim; i++) b[i] = bInit * rng.normal();
      }
      const params: DenseParams = {
        kind: "dense",
        inDim,
        outDim,
        w,
        b,
        wScale: standard ? 1 : wStd / Math.sqrt(inDim),
        bScale: standard ? 1 : (bStd ?? 0),
      };
      return { params, outWidth: outDim };
    },
    forward(p, flow) {
      const x = single(flow, name);
      const { inDim, outDim, w, b, wScale, bScale } = denseParams(p);
      if (x.cols !== inDim) throw new Error(`${name} expects ${inDim} inputs, got ${x.cols}`);
      const y = zeros(x.rows, outDim);
      for (let i = 0; i < x.rows; i++) {
        const yo = i * outDim;
        for (let k = 0; k < inDim; k++) {
          const v = x.data[i * inDim + k]!;
          if (v === 0) continue; // relu zeros are common
          const wo = k * outDim;
          for (let j = 0; j < outDim; j++) y.data[yo + j]! += v * w[wo + j]!;
        }
        for (let j = 0; j < outDim; j++) {
          y.data[yo + j] = wScale * y.data[yo + j]! + (b === null ? 0 : bScale * b[j]!);
        }
      }
      return { y, cache: x };
    },
    backward(p, cache, flow, sink) {
      const dy = single(flow, name);
      const params = denseParams(p);
      const { inDim, outDim, w, wScale } = params;
      const x = cache as Mat;
      sink(params, x, dy);
      const dx = zeros(dy.rows, inDim);
      const nonzero: number[] = [];
      for (let i = 0; i < dy.rows; i++) {
        const go = i * outDim;
        nonzero.length = 0;
        for (let j = 0; j < outDim; j++) if (dy.data[go + j] !== 0) nonzero.push(j);
        // A one-hot output gradient (empirical NTK of one output unit) needs one column, not all.
        const sparse = nonzero.length * 4 < outDim;
        for (let k = 0; k < inDim; k++) {
          const wo = k * outDim;
          let s = 0;
          if (sparse) for (const j of nonzero) s += dy.data[go + j]! * w[wo + j]!;
          else for (let j = 0; j < outDim; j++) s += dy.data[go + j]! * w[wo + j]!;
          dx.data[i * inDim + k] = wScale * s;
        }
      }
      return dx;
    },
  });
}

/** No-op; keeps the input's Gaussianity, unlike an elementwise layer. */
export function identity(): Net {
  return new Net({
    name: "identity",
    kernelFn: (k) => k,
    initFn: (inWidth) => ({ params: null, outWidth: inWidth }),
    forward: (_p, x) => ({ y: x, cache: null }),
    backward: (_p, _c, dy) => dy,
  });
}
