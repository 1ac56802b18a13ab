// All unique NAS-Bench-101 cells, one canonical representative per isomorphism class.
//
// nasbench's scripts/generate_graphs.py walks every upper-triangular matrix of 2..7 vertices with at
// most 9 edges whose vertices all lie on an input→output path (is_full_dag), every labelling of the
// interior vertices, and keeps one cell per hash_module value; it verified that, in this domain, two
// cells hash equal exactly when they are isomorphic, giving 423,624 cells. Hashing ~1.3M labelled
// graphs is slow, so this file counts the same classes by canonical forms instead:
//   1. an unlabelled matrix M is a representative when its edge bitmask (generate_graphs' own) is the
//      smallest over all vertex orders that keep it upper triangular;
//   2. the labellings of M, up to M's automorphisms (the orders mapping M onto itself), are then
//      exactly the distinct cells on M; the canonical one has the smallest op code in its orbit.
// The result is cell.ts's canonicalCell form of every class (the member generate_graphs met first),
// in generate_graphs' order of discovery: vertices, bitmask, labelling. Isomorphic cells share one
// entry, so drawing an index uniformly is an exact uniform draw over the unique cells.
// enumerate.test.ts checks the classes against hash dedupe.
import {
  bitsMatrix,
  codeOps,
  interiorPermutations,
  MAX_EDGES,
  MAX_VERTICES,
  type Nb101Cell,
  pairCount,
  pairIndex,
} from "./cell.js";

/** One cell packed into 32 bits: vertices (3 bits) · edge bits (21) · op code (8, < 3^5). */
export function packCell(v: number, bits: number, ops: number): number {
  return ((v << 29) | (bits << 8) | ops) >>> 0;
}

export function unpackCell(packed: number): Nb101Cell {
  const v = packed >>> 29;
  const bits = (packed >>> 8) & 0x1fffff;
  return { matrix: bitsMatrix(v, bits), ops: codeOps(v, packed & 0xff) };
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/** For each interior permutation p, the bit each old edge bit moves to, or 0 when it would point backwards. */
function edgeMaps(v: number): { maps: Int32Array[]; perms: readonly (readonly number[])[] } {
  const perms = interiorPermutations(v);
  const maps = perms.map((p) => {
    const where = new Array<number>(v); // where[old] = new position
    p.forEach((old, i) => {
      where[old] = i;
    });
    const map = new Int32Array(pairCount(v));
    for (let r = 0; r < v; r++) {
      for (let c = r + 1; c < v; c++) {
        const a = where[r]!;
        const b = where[c]!;
        map[pairIndex(r, c)] = a < b ? 1 << pairIndex(a, b) : 0;
      }
    }
    return map;
  });
  return { maps, perms };
}

/** Every vertex lies on an input→output path: rows 0..v-2 and columns 1..v-1 are non-empty. */
function isFullDag(v: number, bits: number): boolean {
  const hasOut = new Array<boolean>(v).fill(false);
  const hasIn = new Array<boolean>(v).fill(false);
  for (let r = 0; r < v; r++) {
    for (let c = r + 1; c < v; c++) {
      if ((bits >>> pairIndex(r, c)) & 1) {
        hasOut[r] = true;
        hasIn[c] = true;
      }
    }
  }
  for (let i = 0; i < v - 1; i++) if (!hasOut[i]) return false;
  for (let i = 1; i < v; i++) if (!hasIn[i]) return false;
  return true;
}

/** Applies permutation p (new i = old p[i]) to a base-3 op code of v-2 interior vertices. */
function permuteOps(code: number, p: readonly number[], digits: number[]): number {
  const m = p.length - 2;
  for (let i = m; i >= 1; i--) {
    digits[i] = code % 3;
    code = Math.floor(code / 3);
  }
  let out = 0;
  for (let i = 1; i <= m; i++) out = out * 3 + digits[p[i]!]!;
  return out;
}

/** Packed canonical cells with at most `maxVertices` vertices and `maxEdges` edges. */
export function enumeratePacked(maxVertices = MAX_VERTICES, maxEdges = MAX_EDGES): Uint32Array {
  const out: number[] = [];
  const digits = new Array<number>(MAX_VERTICES).fill(0);
  for (let v = 2; v <= maxVertices; v++) {
    const n = pairCount(v);
    const { maps, perms } = edgeMaps(v);
    const labellings = 3 ** (v - 2);
    for (let bits = 0; bits < 2 ** n; bits++) {
      if (popcount(bits) > maxEdges || !isFullDag(v, bits)) continue;
      // Images of the matrix under every order that keeps it upper triangular.
      let representative = true;
      const automorphisms: (readonly number[])[] = [];
      for (let q = 0; q < maps.length && representative; q++) {
        const map = maps[q]!;
        let image = 0;
        let ok = true;
        for (let rest = bits; rest; rest &= rest - 1) {
          const low = rest & -rest;
          const w = map[31 - Math.clz32(low)]!;
          if (w === 0) {
            ok = false;
            break;
          }
          image |= w;
        }
        if (!ok) continue;
        if (image < bits) representative = false;
        else if (image === bits) automorphisms.push(perms[q]!);
      }
      if (!representative) continue;
      for (let code = 0; code < labellings; code++) {
        let smallest = true;
        for (const p of automorphisms) {
          if (permuteOps(code, p, digits) < code) {
            smallest = false;
            break;
          }
        }
        if (smallest) out.push(packCell(v, bits, code));
      }
    }
  }
  return Uint32Array.from(out);
}

let all: Uint32Array | undefined;

/** All 423,624 canonical cells, packed (computed once per process, about a second). */
export function allPacked(): Uint32Array {
  all ??= enumeratePacked();
  return all;
}

/**
 * generate_graphs.py itself: every full DAG with at most `maxEdges` edges and every labelling, kept
 * by hash. Returns the distinct hashes (slow for 7 vertices: ~1.3M hashes; tests use smaller limits).
 */
export function hashDedupe(
  hash: (cell: Nb101Cell) => string,
  maxVertices = MAX_VERTICES,
  maxEdges = MAX_EDGES,
): { hashes: Set<string>; labelled: number } {
  const hashes = new Set<string>();
  let labelled = 0;
  for (let v = 2; v <= maxVertices; v++) {
    for (let bits = 0; bits < 2 ** pairCount(v); bits++) {
      if (popcount(bits) > maxEdges || !isFullDag(v, bits)) continue;
      const matrix = bitsMatrix(v, bits);
      for (let code = 0; code < 3 ** (v - 2); code++) {
        labelled++;
        hashes.add(hash({ matrix, ops: codeOps(v, code) }));
      }
    }
  }
  return { hashes, labelled };
}
