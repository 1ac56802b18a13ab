// The contract every optimizer meets: options as one valibot schema (checked before any work), and a
// state that is plain named float arrays, so a checkpoint stores it and a resumed run continues
// exactly where the killed one stopped.
import type { OptionsSchema } from "../../metrics/options.js";

/** Named float32 tensors: parameters, their gradients, or optimizer slots. */
export type Tensors = Map<string, Float32Array>;

export interface OptimizerState {
  /** Steps taken so far. */
  step: number;
  /** Per-parameter slots, named `<slot>:<param>` (e.g. `momentum:conv1.weight`). */
  readonly slots: Tensors;
}

export interface Optimizer<Options extends object = object> {
  readonly name: string;
  readonly description: string;
  readonly options: OptionsSchema;
  /** Updates `params` in place from `grads` at learning rate `lr`. */
  step(
    params: Tensors,
    grads: ReadonlyMap<string, Float32Array>,
    lr: number,
    state: OptimizerState,
    options: Options,
  ): void;
}

export const freshState = (): OptimizerState => ({ step: 0, slots: new Map() });

/** The slot `kind` of parameter `name`, zero-filled on first use. */
export function slot(state: OptimizerState, kind: string, name: string, length: number): Float32Array {
  const key = `${kind}:${name}`;
  let values = state.slots.get(key);
  if (!values) {
    values = new Float32Array(length);
    state.slots.set(key, values);
  }
  return values;
}
