// ONNX building blocks more than one op module's rules use.
import { intAttr, intsAttr, type OnnxWriter } from "../../onnx/writer.js";
import type { Shape } from "./types.js";

/** ConvTranspose back to the forward input's size [h, w]; output_padding restores a cropped border. */
export function transposedConv(
  w: OnnxWriter,
  dy: string,
  kernelTensor: string,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  pads: readonly [number, number, number, number],
  dilation: readonly [number, number],
  group: number,
  inSize: readonly [number, number],
  outSize: readonly [number, number],
  out: string,
): string {
  const extra = (axis: 0 | 1) =>
    inSize[axis] -
    (stride[axis] * (outSize[axis] - 1) +
      dilation[axis] * (kernel[axis] - 1) +
      1 -
      pads[axis] -
      pads[axis + 2]!);
  return w.emit(
    "ConvTranspose",
    [dy, kernelTensor],
    [out],
    [
      intsAttr("kernel_shape", kernel),
      intsAttr("strides", stride),
      intsAttr("pads", pads),
      intsAttr("dilations", dilation),
      intAttr("group", group),
      intsAttr("output_padding", [extra(0), extra(1)]),
    ],
  );
}

/**
 * Broadcasting between per-sample shapes of equal rank: each axis equal or 1 (the batch axis,
 * prepended by ONNX, always lines up). Unequal ranks are refused rather than right-aligned, since
 * right-aligning per-sample shapes would align an input's channels with another's batch.
 */
export function broadcastShape(what: string, shapes: readonly Shape[]): number[] {
  const rank = shapes[0]!.length;
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    if (s.length !== rank)
      throw new Error(`${what}: shapes ${shapes.map((t) => t.join("x")).join(", ")} differ in rank`);
    s.forEach((d, i) => {
      if (d !== out[i] && d !== 1 && out[i] !== 1)
        throw new Error(`${what}: shapes ${shapes.map((t) => t.join("x")).join(", ")} do not broadcast`);
      out[i] = Math.max(out[i]!, d);
    });
  }
  return out;
}

/** Sums a gradient of the broadcast shape `out` back down to the input's `shape` (a no-op when equal). */
export function unbroadcast(
  w: OnnxWriter,
  g: string,
  shape: Shape,
  out: Shape,
  fresh: (what: string) => string,
): string {
  const axes = shape.flatMap((d, i) => (d === 1 && out[i] !== 1 ? [i + 1] : []));
  if (axes.length === 0) return g;
  return w.emit("ReduceSum", [g, w.int64s(axes)], [fresh("unbc")], [intAttr("keepdims", 1)]);
}

/** Flat index into a batch-major tensor of per-sample `shape` broadcast from `out`'s index. */
export function broadcastIndex(shape: Shape, out: Shape): (b: number, i: number) => number {
  const per = shape.reduce((a, d) => a * d, 1);
  if (shape.every((d, k) => d === out[k])) return (b, i) => b * per + i;
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = shape[k] === 1 ? 0 : s;
    s *= shape[k]!;
  }
  return (b, i) => {
    let idx = 0;
    let rest = i;
    for (let k = out.length - 1; k >= 0; k--) {
      const d = out[k]!;
      idx += (rest % d) * strides[k]!;
      rest = Math.floor(rest / d);
    }
    return b * per + idx;
  };
}
