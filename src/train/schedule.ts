// Learning-rate schedules, evaluated per step (as NAS-Bench-201's trainer updates its cosine schedule
// every iteration) with an optional linear warm-up from `warmupFrom`·lr to lr.
import * as v from "valibot";
import { between, integer, oneOf, option, positive } from "../metrics/options.js";

export const scheduleOptions = v.strictObject({
  /** cosine: lr·(1+cos(π·t/T))/2 down to `minLr`; step: lr·gamma^⌊epoch/stepEpochs⌋; constant. */
  kind: option(oneOf(["cosine", "step", "constant"] as const), "cosine"),
  lr: option(positive(), 0.1),
  minLr: option(between(0, 10), 0),
  warmupEpochs: option(between(0, 1e6), 0),
  /** Starting fraction of lr during warm-up. */
  warmupFrom: option(between(0, 1), 0),
  stepEpochs: option(integer(1), 30),
  gamma: option(positive(), 0.1),
});
export type ScheduleOptions = v.InferOutput<typeof scheduleOptions>;

/** The learning rate at fractional epoch `epoch` (steps/stepsPerEpoch) of a run of `epochs` epochs. */
export function learningRate(s: ScheduleOptions, epoch: number, epochs: number): number {
  if (epoch < s.warmupEpochs) return s.lr * (s.warmupFrom + (1 - s.warmupFrom) * (epoch / s.warmupEpochs));
  switch (s.kind) {
    case "constant":
      return s.lr;
    case "step":
      return s.lr * s.gamma ** Math.floor(epoch / s.stepEpochs);
    case "cosine": {
      const span = Math.max(epochs - s.warmupEpochs, 1e-12);
      const t = Math.min((epoch - s.warmupEpochs) / span, 1);
      return s.minLr + (s.lr - s.minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
  }
}
