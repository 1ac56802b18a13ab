// The op registry: every IR op kind and the module that holds everything about it. Adding an op is
// one file in this folder plus one line here; the IR's `Op` union is read off this table, so a
// switch over `op.kind` elsewhere that misses the new kind fails to compile.
import { act } from "./act.js";
import { add } from "./add.js";
import { batchnorm } from "./batchnorm.js";
import { concat } from "./concat.js";
import { conv } from "./conv.js";
import { flatten } from "./flatten.js";
import { globalAvgPool } from "./globalAvgPool.js";
import { identity } from "./identity.js";
import { input } from "./input.js";
import { linear } from "./linear.js";
import { matmul } from "./matmul.js";
import { mul } from "./mul.js";
import { pool } from "./pool.js";
import { reshape } from "./reshape.js";
import { sliceChannels } from "./sliceChannels.js";
import type { OpBase, OpDef } from "./types.js";
import { zero } from "./zero.js";

export const OPS = {
  input,
  conv,
  batchnorm,
  act,
  pool,
  globalAvgPool,
  add,
  mul,
  concat,
  sliceChannels,
  linear,
  matmul,
  flatten,
  reshape,
  identity,
  zero,
} as const;

type Registry = typeof OPS;
type OpOf<D> = D extends OpDef<infer O> ? O : never;

/** One IR op: the attributes of one registered kind. */
export type Op = { [K in keyof Registry]: OpOf<Registry[K]> }[keyof Registry];
export type OpKind = Op["kind"];
/** The attributes of op kind K. */
export type OpOfKind<K extends OpKind> = Extract<Op, { kind: K }>;

// Each entry's key is its kind (a mistyped key or kind fails here).
const _keysAreKinds: { readonly [K in keyof Registry]: { readonly kind: K } } = OPS;
void _keysAreKinds;

/** The rules of `op`'s kind, typed for the whole union (the drivers' entry point). */
export function opDef<O extends Op>(op: O): OpDef<O> {
  return OPS[op.kind] as unknown as OpDef<O>;
}

export { ACTIVATIONS, type Activation, isPiecewiseLinear } from "./act.js";
export type { OpBase, OpDef };
