// The official NAS-Bench-101 module hash (nasbench lib/graph_util.py hash_module, called by
// model_spec.py hash_spec): Weisfeiler-Lehman-like refinement with MD5. Each vertex starts from the
// MD5 of Python's repr of (out-degree, in-degree, label) with labels input = -1, output = -2 and the
// interior ops' indices in NB101_OPS; for V rounds a vertex hashes its sorted in-neighbour hashes,
// "|", its sorted out-neighbour hashes, "|", its own hash; the cell hash is the MD5 of the repr of
// the sorted vertex hashes. The strings must match Python's byte for byte to reproduce the dataset.
import * as crypto from "node:crypto";
import { NB101_OPS, type Nb101Cell, type Nb101Op } from "./cell.js";

// crypto.hash (Node ≥ 20.12) is a one-shot digest about 4× faster than createHash on short strings.
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

function md5(text: string): string {
  return oneShot ? oneShot("md5", text) : crypto.createHash("md5").update(text).digest("hex");
}

const seedCache = new Map<string, string>();

function seedHash(outDegree: number, inDegree: number, label: number): string {
  const repr = `(${outDegree}, ${inDegree}, ${label})`; // str() of a Python tuple of ints
  let h = seedCache.get(repr);
  if (h === undefined) {
    h = md5(repr);
    seedCache.set(repr, h);
  }
  return h;
}

/** The integer labelling hash_spec uses: -1 input, -2 output, else the op's index. */
export function hashLabels(cell: Nb101Cell): number[] {
  const v = cell.ops.length;
  return cell.ops.map((op, i) => (i === 0 ? -1 : i === v - 1 ? -2 : NB101_OPS.indexOf(op as Nb101Op)));
}

/** graph_util.hash_module on a matrix and integer labelling (any vertex order; pruned for the dataset). */
export function hashModule(matrix: readonly (readonly number[])[], labels: readonly number[]): string {
  const v = matrix.length;
  const ins: number[][] = Array.from({ length: v }, () => []);
  const outs: number[][] = Array.from({ length: v }, () => []);
  for (let r = 0; r < v; r++) {
    for (let c = 0; c < v; c++) {
      if (matrix[r]![c]) {
        outs[r]!.push(c);
        ins[c]!.push(r);
      }
    }
  }
  let hashes = labels.map((label, i) => seedHash(outs[i]!.length, ins[i]!.length, label));
  for (let round = 0; round < v; round++) {
    const prev = hashes;
    hashes = prev.map((own, i) => {
      const inH = ins[i]!.map((w) => prev[w]!).sort();
      const outH = outs[i]!.map((w) => prev[w]!).sort();
      return md5(`${inH.join("")}|${outH.join("")}|${own}`);
    });
  }
  // str() of a sorted Python list of str: ['…', '…'] (hex digests need no escaping).
  return md5(
    `[${hashes
      .sort()
      .map((h) => `'${h}'`)
      .join(", ")}]`,
  );
}

/** The dataset's hash of a cell (pruned; vertex order does not matter). */
export function nb101Hash(cell: Nb101Cell): string {
  return hashModule(cell.matrix, hashLabels(cell));
}
