// Helpers shared by the NB101 tests.
import type { Rng } from "../../util/random.js";
import type { Nb101Cell } from "./cell.js";

/** A random vertex order that keeps the matrix upper triangular (a random topological order). */
export function shuffleTopologically(cell: Nb101Cell, rng: Rng): Nb101Cell {
  const v = cell.matrix.length;
  const order = [0];
  const placed = new Set([0]);
  while (order.length < v - 1) {
    const ready: number[] = [];
    for (let x = 1; x < v - 1; x++) {
      if (!placed.has(x) && cell.matrix.every((row, r) => !row[x] || placed.has(r))) ready.push(x);
    }
    const pick = ready[rng.int(ready.length)]!;
    order.push(pick);
    placed.add(pick);
  }
  order.push(v - 1);
  return {
    matrix: order.map((r) => order.map((c) => cell.matrix[r]![c]!)),
    ops: order.map((i) => cell.ops[i]!),
  };
}
