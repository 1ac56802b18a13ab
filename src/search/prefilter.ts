// The NNGP-NAS idea made into a search stage: score many architectures with a cheap training-free
// signal, keep the top fraction, and spend costly evaluations only inside it. Scores are stored in
// the study (auxiliary kind "prefilter") as they are computed, so a crash loses at most one.
import type { Scorer } from "../metrics/scorer.js";
import type { Study } from "../store/study.js";

export interface PrefilterOptions {
  readonly store: Study;
  /** Architectures to score, in a seeded order. */
  readonly candidates: readonly string[];
  /** The value ranked on (e.g. NNGP's `score`, `naswot`). */
  readonly valueName: string;
  readonly higherIsBetter: boolean;
  /** Fraction of the candidates kept, in (0, 1]. */
  readonly keep: number;
  /** Computes missing scores; without one, every candidate must already have a score. */
  readonly scorer?: Scorer;
  /** Scores known beforehand (e.g. from a `nasprobe score` file). */
  readonly known?: ReadonlyMap<string, number | null>;
  readonly onScored?: (archStr: string, value: number | null) => void;
}

/** The kept architectures, best first. */
export async function prefilter(o: PrefilterOptions): Promise<string[]> {
  if (!(o.keep > 0 && o.keep <= 1)) throw new Error(`--keep must be in (0, 1], got ${o.keep}`);
  const stored = await o.store.auxiliary("prefilter");
  const value = new Map<string, number | null>();
  for (const archStr of o.candidates) {
    let v = o.known?.get(archStr);
    if (v === undefined) {
      const record = stored.get(archStr);
      if (record) v = record[o.valueName] ?? null;
      else if (o.scorer) {
        const r = await o.scorer.score(archStr);
        await o.store.putAuxiliary("prefilter", archStr, r.values);
        v = r.values[o.valueName] ?? null;
        o.onScored?.(archStr, v);
      } else throw new Error(`no prefilter score for ${archStr}`);
    }
    value.set(archStr, v);
  }
  const sign = o.higherIsBetter ? 1 : -1;
  const scored = o.candidates.filter((a) => value.get(a) !== null);
  // Stable sort: ties keep the candidates' seeded order.
  const ranked = [...scored].sort((a, b) => sign * (value.get(b)! - value.get(a)!));
  return ranked.slice(0, Math.max(1, Math.ceil(o.keep * o.candidates.length)));
}
