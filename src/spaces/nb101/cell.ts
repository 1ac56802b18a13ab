// NAS-Bench-101 cells: an upper-triangular 0/1 adjacency matrix (row = from, column = to) over at
// most 7 vertices plus one label per vertex. Validation and pruning follow google-research/nasbench
// (lib/model_spec.py ModelSpec._prune and api.py _check_spec): vertices not on an input→output path
// are dropped, and the edge limit applies to the pruned matrix.
//
// Canonical form. Vertex order matters for the network: compute_vertex_channels hands the remainder
// of the output's channel split to the lowest-numbered vertices, so isomorphic cells (equal hashes)
// can build networks with different parameter counts. The dataset trained, for each hash, the first
// member of its class that scripts/generate_graphs.py met: fewest vertices, then smallest edge
// bitmask (bit x + y(y-1)/2 for edge x→y), then smallest labelling in itertools.product order (op
// indices base 3, vertex 1 most significant). canonicalCell picks that member among all vertex
// orders that keep the matrix upper triangular, so formatted cells are the dataset's own matrices.
import { SpaceError } from "../space.js";

/** Interior ops in the order the benchmark's config lists them (the hash's integer labels). */
export const NB101_OPS = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"] as const;
export type Nb101Op = (typeof NB101_OPS)[number];
export type Nb101Label = "input" | "output" | Nb101Op;

export const MAX_VERTICES = 7;
export const MAX_EDGES = 9;

/** A pruned cell; the space's functions return it in canonical vertex order. */
export interface Nb101Cell {
  readonly matrix: readonly (readonly (0 | 1)[])[];
  readonly ops: readonly Nb101Label[];
}

function isOp(x: unknown): x is Nb101Op {
  return typeof x === "string" && (NB101_OPS as readonly string[]).includes(x);
}

/**
 * Checks a raw matrix and labelling and prunes it (order kept). Throws a SpaceError naming the fault:
 * shape, vertex count, labels, upper-triangularity (cycles, self-loops), connectivity, edge count.
 */
export function pruneCell(matrix: unknown, ops: unknown): Nb101Cell {
  if (!Array.isArray(matrix) || matrix.some((row) => !Array.isArray(row))) {
    throw new SpaceError("NB101 matrix must be an array of rows");
  }
  const v = matrix.length;
  matrix.forEach((row: unknown[], r) => {
    if (row.length !== v) {
      throw new SpaceError(`NB101 matrix is not square: row ${r} has ${row.length} entries, expected ${v}`);
    }
    row.forEach((x, c) => {
      if (x !== 0 && x !== 1)
        throw new SpaceError(`NB101 matrix entry [${r}][${c}] is ${String(x)}, not 0 or 1`);
    });
  });
  if (v > MAX_VERTICES) throw new SpaceError(`NB101 cell has ${v} vertices; ${MAX_VERTICES} at most`);
  if (v < 2) throw new SpaceError(`NB101 cell has ${v} vertices; at least 2 (input and output)`);
  if (!Array.isArray(ops)) throw new SpaceError("NB101 ops must be an array of labels");
  if (ops.length !== v) {
    throw new SpaceError(`NB101 op count ${ops.length} differs from the vertex count ${v}`);
  }
  if (ops[0] !== "input")
    throw new SpaceError(`NB101 first op must be "input", got ${JSON.stringify(ops[0])}`);
  if (ops[v - 1] !== "output") {
    throw new SpaceError(`NB101 last op must be "output", got ${JSON.stringify(ops[v - 1])}`);
  }
  for (let i = 1; i < v - 1; i++) {
    if (!isOp(ops[i])) {
      throw new SpaceError(
        `NB101 unknown op ${JSON.stringify(ops[i])} at vertex ${i} (known: ${NB101_OPS.join(", ")})`,
      );
    }
  }
  const m = matrix as (0 | 1)[][];
  for (let r = 0; r < v; r++) {
    if (m[r]![r] === 1)
      throw new SpaceError(`NB101 matrix is not upper triangular: self-loop at vertex ${r}`);
    for (let c = 0; c < r; c++) {
      if (m[r]![c] === 1) {
        throw new SpaceError(
          `NB101 matrix is not upper triangular: edge ${r}→${c} points backwards (cycles are not allowed)`,
        );
      }
    }
  }
  // Vertices reachable from the input and vertices that reach the output (model_spec.py _prune).
  const fromInput = new Array<boolean>(v).fill(false);
  fromInput[0] = true;
  for (let c = 1; c < v; c++) for (let r = 0; r < c; r++) if (fromInput[r] && m[r]![c]) fromInput[c] = true;
  const toOutput = new Array<boolean>(v).fill(false);
  toOutput[v - 1] = true;
  for (let r = v - 2; r >= 0; r--)
    for (let c = r + 1; c < v; c++) if (toOutput[c] && m[r]![c]) toOutput[r] = true;
  if (!toOutput[0]) throw new SpaceError("NB101 cell has no path from input to output");
  const keep: number[] = [];
  for (let i = 0; i < v; i++) if (fromInput[i] && toOutput[i]) keep.push(i);
  const pruned = keep.map((r) => keep.map((c) => m[r]![c]!));
  let edges = 0;
  for (const row of pruned) for (const x of row) edges += x;
  if (edges > MAX_EDGES) {
    throw new SpaceError(`NB101 cell has ${edges} edges after pruning; ${MAX_EDGES} at most`);
  }
  return { matrix: pruned, ops: keep.map((i) => ops[i] as Nb101Label) };
}

// --- Compact form: vertex count, generate_graphs edge bitmask, op code. ---

/** Number of upper-triangle positions of a V-vertex matrix. */
export function pairCount(v: number): number {
  return (v * (v - 1)) / 2;
}

/** Bit index of edge from → to (from < to) in generate_graphs' bitmask (gen_is_edge_fn). */
export function pairIndex(from: number, to: number): number {
  return from + (to * (to - 1)) / 2;
}

/** generate_graphs' edge bitmask of a matrix: Σ 2^(x + y(y-1)/2) over edges x→y. */
export function matrixBits(matrix: readonly (readonly number[])[]): number {
  const v = matrix.length;
  let bits = 0;
  for (let r = 0; r < v; r++) for (let c = r + 1; c < v; c++) if (matrix[r]![c]) bits += 2 ** pairIndex(r, c);
  return bits;
}

export function bitsMatrix(v: number, bits: number): (0 | 1)[][] {
  const m: (0 | 1)[][] = Array.from({ length: v }, () => new Array<0 | 1>(v).fill(0));
  for (let r = 0; r < v; r++) {
    for (let c = r + 1; c < v; c++) if (Math.floor(bits / 2 ** pairIndex(r, c)) % 2 === 1) m[r]![c] = 1;
  }
  return m;
}

/** Interior ops as a base-3 number, vertex 1 most significant (op indices in NB101_OPS order). */
export function opsCode(ops: readonly Nb101Label[]): number {
  let code = 0;
  for (let i = 1; i < ops.length - 1; i++) code = code * 3 + NB101_OPS.indexOf(ops[i] as Nb101Op);
  return code;
}

export function codeOps(v: number, code: number): Nb101Label[] {
  const ops: Nb101Label[] = new Array(v);
  ops[0] = "input";
  ops[v - 1] = "output";
  for (let i = v - 2; i >= 1; i--) {
    ops[i] = NB101_OPS[code % 3]!;
    code = Math.floor(code / 3);
  }
  return ops;
}

// --- Vertex permutations that fix input and output (at most 5! = 120 for 7 vertices). ---

const PERMS: number[][][] = [];

/** All permutations p of 0..v-1 with p[0] = 0 and p[v-1] = v-1; new vertex i is old vertex p[i]. */
export function interiorPermutations(v: number): readonly (readonly number[])[] {
  let cached = PERMS[v];
  if (!cached) {
    cached = [];
    const interior = Array.from({ length: Math.max(0, v - 2) }, (_, i) => i + 1);
    const rec = (prefix: number[], rest: number[]) => {
      if (rest.length === 0) {
        cached!.push(v === 1 ? [0] : [0, ...prefix, v - 1]);
        return;
      }
      rest.forEach((x, i) => {
        rec([...prefix, x], [...rest.slice(0, i), ...rest.slice(i + 1)]);
      });
    };
    rec([], interior);
    PERMS[v] = cached;
  }
  return cached;
}

/** The canonical vertex order of a pruned cell (see the header): isomorphic cells become equal. */
export function canonicalCell(cell: Nb101Cell): Nb101Cell {
  const v = cell.matrix.length;
  let bestBits = Number.POSITIVE_INFINITY;
  let bestOps = Number.POSITIVE_INFINITY;
  let best: readonly number[] = [];
  for (const p of interiorPermutations(v)) {
    // Permuted matrix new[i][j] = old[p[i]][p[j]]; keep only orders that stay upper triangular.
    let ok = true;
    let bits = 0;
    for (let i = 0; i < v && ok; i++) {
      for (let j = 0; j < v; j++) {
        if (!cell.matrix[p[i]!]![p[j]!]) continue;
        if (j <= i) {
          ok = false;
          break;
        }
        bits += 2 ** pairIndex(i, j);
      }
    }
    if (!ok) continue;
    const ops = opsCode(p.map((i) => cell.ops[i]!));
    if (bits < bestBits || (bits === bestBits && ops < bestOps)) {
      bestBits = bits;
      bestOps = ops;
      best = p;
    }
  }
  return {
    matrix: best.map((r) => best.map((c) => cell.matrix[r]![c]!)),
    ops: best.map((i) => cell.ops[i]!),
  };
}

/** Validates, prunes and canonicalises a raw matrix and labelling. */
export function nb101Cell(matrix: unknown, ops: unknown): Nb101Cell {
  return canonicalCell(pruneCell(matrix, ops));
}

export function edgeCount(cell: Nb101Cell): number {
  let n = 0;
  for (const row of cell.matrix) for (const x of row) n += x;
  return n;
}

/** `{"matrix":[[…]],"ops":[…]}` of a cell as given (no reordering). */
export function cellJson(cell: Nb101Cell): string {
  return JSON.stringify({ matrix: cell.matrix, ops: cell.ops });
}
