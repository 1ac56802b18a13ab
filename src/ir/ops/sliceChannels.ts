// Keeps the first `channels` channels (axis 0 of the per-sample shape): NAS-Bench-101's channel
// truncation. Gradient: the dropped channels get zeros.
import { numel } from "../graph.js";
import { noFlops, noParams, type OpDef } from "./types.js";

export interface SliceChannelsOp {
  readonly kind: "sliceChannels";
  readonly channels: number;
}

export const sliceChannels: OpDef<SliceChannelsOp> = {
  kind: "sliceChannels",
  baseName: () => "slice",
  shape: (op, [s]) => {
    const c = s![0]!;
    if (!Number.isInteger(op.channels) || op.channels < 1 || op.channels > c)
      throw new Error(`sliceChannels: ${op.channels} channels out of ${s!.join("x")}`);
    return [op.channels, ...s!.slice(1)];
  },
  params: noParams,
  flops: noFlops,
  lower: ({ w, inputs, op, out }) =>
    void w.emit("Slice", [inputs[0]!, w.int64s([0]), w.int64s([op.channels]), w.int64s([1])], [out]),
  vjp: ({ w, dy, inShape, op, fresh }) => {
    // Pad on axis 1 (after the batch axis), at the end.
    const rank = inShape.length + 1;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[rank + 1] = inShape[0]! - op.channels;
    return { inputs: [w.emit("Pad", [dy, w.int64s(pads)], [fresh("dx")])], params: {} };
  },
  reference: ({ inputs, inShapes, out, batch, node }) => {
    const inPer = numel(inShapes[0]!);
    const per = numel(node.shape);
    for (let b = 0; b < batch; b++) out.set(inputs[0]!.subarray(b * inPer, b * inPer + per), b * per);
  },
};
