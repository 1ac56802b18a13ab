// Seeded randomness. Every random draw in nasprobe comes from an Rng derived from (seed, purpose…),
// so the same seed gives the same architecture sample, weights, data order and score.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

type Generator = ReturnType<typeof xoroshiro128plus>;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** 32-bit FNV-1a over a string, used to fold labels into a seed. */
function fnv1a(text: string, hash = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Rng {
  private readonly gen: Generator;
  private spareNormal: number | undefined;

  /** A generator for `seed`, optionally specialised by labels (e.g. arch string, ensemble member). */
  constructor(seed: number, ...labels: Array<string | number>) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    let s = fnv1a(String(seed));
    for (const label of labels) s = fnv1a(`\u0000${label}`, s);
    this.gen = xoroshiro128plus(s | 0);
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = (this.gen.next() >>> 0) >>> 5; // 27 bits
    const lo = (this.gen.next() >>> 0) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    return (this.gen.next() >>> 0) % TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0 && Number.isInteger(n))) throw new Error(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal by the polar Box–Muller method. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** Standard normal conditioned on |z| < 2 (rejection), as TF's truncated_normal. */
  truncatedNormal(): number {
    for (;;) {
      const z = this.normal();
      if (z > -2 && z < 2) return z;
    }
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

/** Standard deviation of N(0,1) truncated to (-2, 2); dividing by it gives unit variance after truncation. */
export const TRUNCATED_NORMAL_STD = 0.8796256610342398;
