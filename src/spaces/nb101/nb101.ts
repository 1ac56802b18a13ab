// The NAS-Bench-101 search space (google-research/nasbench): cells of at most 7 vertices and 9 edges
// with conv3x3-bn-relu / conv1x1-bn-relu / maxpool3x3 interior vertices, 423,624 unique up to
// isomorphism, each stacked 3×3 in the benchmark network.
//   canonical string: {"matrix":[[…]],"ops":[…]} of the pruned cell in the dataset's vertex order
//   aliases accepted by parse: any valid (unpruned, reordered) matrix JSON, or the 32-hex-digit hash
import type { Rng } from "../../util/random.js";
import { resizedSpace } from "../resized.js";
import type { CategoricalCoding, Decoded, SearchSpace } from "../space.js";
import { SpaceError } from "../space.js";
import {
  cellJson,
  edgeCount,
  MAX_VERTICES,
  NB101_OPS,
  type Nb101Cell,
  type Nb101Label,
  nb101Cell,
  pairCount,
  pairIndex,
} from "./cell.js";
import { allPacked, unpackCell } from "./enumerate.js";
import { nb101Hash } from "./hash.js";
import { hashIndex, type Nb101HashIndex } from "./hashIndex.js";
import { buildNb101, type Nb101NetworkOptions, nb101Flops } from "./network.js";

export const NB101_SIZE = 423_624;

const HASH_RE = /^[0-9a-fA-F]{32}$/;

/**
 * Parses cell JSON (validated, pruned, canonicalised) or a hash. A hash needs the index of the whole
 * space (hashIndex.ts: cached on disk, ~30 s to build the first time); `index` lets tests pass a
 * smaller one.
 */
export function parseNb101(text: string, index: () => Nb101HashIndex = hashIndex): Nb101Cell {
  const trimmed = text.trim();
  if (HASH_RE.test(trimmed)) {
    const cell = index().lookup(trimmed);
    if (!cell) throw new SpaceError(`NB101 hash ${trimmed} is not in the space`);
    return cell;
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new SpaceError(
      `NB101 arch must be {"matrix":[[…]],"ops":[…]} JSON or a 32-hex-digit hash, got ${JSON.stringify(text)}`,
    );
  }
  if (typeof value !== "object" || value === null || !("matrix" in value) || !("ops" in value)) {
    throw new SpaceError(`NB101 arch JSON needs "matrix" and "ops", got ${trimmed}`);
  }
  return nb101Cell(value.matrix, value.ops);
}

/** Canonical JSON of the pruned cell (isomorphic cells format identically). */
export function formatNb101(cell: Nb101Cell): string {
  return cellJson(nb101Cell(cell.matrix, cell.ops));
}

function tryCell(matrix: (0 | 1)[][], ops: Nb101Label[]): Nb101Cell | undefined {
  try {
    return nb101Cell(matrix, ops);
  } catch (e) {
    if (e instanceof SpaceError) return undefined;
    throw e;
  }
}

/**
 * One edit away: flip one upper-triangle entry, change one interior op, or (for cells with fewer than
 * 7 vertices) insert one vertex on a new path u → new → w, with any op. Pruned cells cannot grow by
 * single flips (a new vertex needs an in- and an out-edge), so without insertion a small cell, such
 * as input→output alone, would have no way up. Results are valid, canonical and distinct.
 */
export function nb101Neighbours(arch: Nb101Cell): Nb101Cell[] {
  const cell = nb101Cell(arch.matrix, arch.ops);
  const self = cellJson(cell);
  const seen = new Set<string>([self]);
  const out: Nb101Cell[] = [];
  const offer = (matrix: (0 | 1)[][], ops: Nb101Label[]) => {
    const c = tryCell(matrix, ops);
    if (!c) return;
    const key = cellJson(c);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  const v = cell.matrix.length;
  const copy = () => cell.matrix.map((row) => [...row]);
  for (let r = 0; r < v; r++) {
    for (let c = r + 1; c < v; c++) {
      const m = copy();
      m[r]![c] = m[r]![c] ? 0 : 1;
      offer(m, [...cell.ops]);
    }
  }
  for (let i = 1; i < v - 1; i++) {
    for (const op of NB101_OPS) {
      if (op !== cell.ops[i])
        offer(
          copy(),
          cell.ops.map((o, j) => (j === i ? op : o)),
        );
    }
  }
  if (v < MAX_VERTICES) {
    // Insert the new vertex at position p; old vertices >= p shift up by one.
    for (let p = 1; p < v; p++) {
      for (let u = 0; u < p; u++) {
        for (let w = p; w < v; w++) {
          for (const op of NB101_OPS) {
            const m: (0 | 1)[][] = Array.from({ length: v + 1 }, () => new Array<0 | 1>(v + 1).fill(0));
            const at = (i: number) => (i >= p ? i + 1 : i);
            for (let r = 0; r < v; r++)
              for (let c = r + 1; c < v; c++) m[at(r)]![at(c)] = cell.matrix[r]![c]!;
            m[u]![p] = 1;
            m[p]![w + 1] = 1;
            const ops = [...cell.ops];
            ops.splice(p, 0, op);
            offer(m, ops);
          }
        }
      }
    }
  }
  return out;
}

const EDGE_DIMS = pairCount(MAX_VERTICES); // 21
const OP_DIMS = MAX_VERTICES - 2; // 5

/**
 * 21 edge bits of a 7-vertex matrix (dimension d = generate_graphs bit d, edge x→y at x + y(y-1)/2)
 * and 5 interior op indices. Cells with fewer vertices are padded with unconnected conv3x3 vertices
 * before the output; decode prunes, so such padding never matters.
 */
export const nb101Categorical: CategoricalCoding<Nb101Cell> = {
  choices: [...new Array<number>(EDGE_DIMS).fill(2), ...new Array<number>(OP_DIMS).fill(NB101_OPS.length)],
  encode(arch) {
    const cell = nb101Cell(arch.matrix, arch.ops);
    const v = cell.matrix.length;
    const at = (i: number) => (i === v - 1 ? MAX_VERTICES - 1 : i);
    const codes = new Array<number>(EDGE_DIMS + OP_DIMS).fill(0);
    for (let r = 0; r < v; r++) {
      for (let c = r + 1; c < v; c++) if (cell.matrix[r]![c]) codes[pairIndex(at(r), at(c))] = 1;
    }
    for (let i = 1; i < v - 1; i++) codes[EDGE_DIMS + i - 1] = NB101_OPS.indexOf(cell.ops[i] as never);
    return codes;
  },
  decode(codes): Decoded<Nb101Cell> {
    if (codes.length !== EDGE_DIMS + OP_DIMS) {
      throw new Error(`NB101 code needs ${EDGE_DIMS + OP_DIMS} entries, got ${codes.length}`);
    }
    codes.forEach((x, d) => {
      const n = d < EDGE_DIMS ? 2 : NB101_OPS.length;
      if (!(Number.isInteger(x) && x >= 0 && x < n))
        throw new Error(`NB101 code entry ${d} is ${x}, not in 0..${n - 1}`);
    });
    const v = MAX_VERTICES;
    const matrix: (0 | 1)[][] = Array.from({ length: v }, () => new Array<0 | 1>(v).fill(0));
    for (let r = 0; r < v; r++)
      for (let c = r + 1; c < v; c++) matrix[r]![c] = codes[pairIndex(r, c)] ? 1 : 0;
    const ops: Nb101Label[] = ["input", ...codes.slice(EDGE_DIMS).map((x) => NB101_OPS[x]!), "output"];
    try {
      return { ok: true, arch: nb101Cell(matrix, ops) };
    } catch (e) {
      if (e instanceof SpaceError) return { ok: false, reason: e.message };
      throw e;
    }
  },
};

export const nb101: SearchSpace<Nb101Cell> = {
  name: "nb101",
  description:
    "NAS-Bench-101: 423,624 cells (≤7 vertices, ≤9 edges; conv3x3, conv1x1, maxpool3x3), stem 128, 3 stacks × 3 cells",
  size: NB101_SIZE,
  parse: (text) => parseNb101(text),
  format: formatNb101,
  sample(rng: Rng): Nb101Cell {
    // Uniform over isomorphism classes: the enumeration holds exactly one cell per class.
    const all = allPacked();
    return unpackCell(all[rng.int(all.length)]!);
  },
  *enumerate(): Iterable<Nb101Cell> {
    for (const packed of allPacked()) yield unpackCell(packed);
  },
  neighbours: nb101Neighbours,
  // The canonical order, so that a cell's string decides its network (vertex order moves channels).
  build: (arch, options) => buildNb101(nb101Cell(arch.matrix, arch.ops), options),
  defaultBuild: { inputShape: [3, 32, 32], numClasses: 10 },
  categorical: nb101Categorical,
  flops: nb101Flops,
  describe(arch) {
    const cell = nb101Cell(arch.matrix, arch.ops);
    return { hash: nb101Hash(cell), vertices: cell.matrix.length, edges: edgeCount(cell) };
  },
};

/** NB101 cells in a resized network (`nb101:stem=16,cells=1`), see ../resized.ts. */
export function nb101Resized(text: Readonly<Record<string, string>>): SearchSpace<Nb101Cell> {
  return resizedSpace<Nb101Cell, Nb101NetworkOptions>(
    nb101,
    text,
    { stem: "stemChannels", stacks: "stacks", cells: "cellsPerStack" },
    (arch, options) => buildNb101(nb101Cell(arch.matrix, arch.ops), options),
  );
}
