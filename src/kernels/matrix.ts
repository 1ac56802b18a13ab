// Dense row-major fp64 matrices: the inputs (n × d) and activations (n × width) of the kernels code.

export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** A matrix from an array of equally long rows. */
export function fromRows(rows: readonly (readonly number[])[]): Mat {
  const cols = rows[0]?.length ?? 0;
  const m = zeros(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`row ${i} has ${row.length} entries, expected ${cols}`);
    m.data.set(row, i * cols);
  });
  return m;
}

/** Rows of `a` stacked over rows of `b`: the finite network sees x1 and x2 as one batch. */
export function stackRows(a: Mat, b: Mat): Mat {
  if (a.cols !== b.cols) throw new Error(`cannot stack ${a.cols} and ${b.cols} columns`);
  const m = zeros(a.rows + b.rows, a.cols);
  m.data.set(a.data, 0);
  m.data.set(b.data, a.data.length);
  return m;
}

/** Dot product of row i of `a` with row j of `b`. */
export function rowDot(a: Mat, i: number, b: Mat, j: number): number {
  let s = 0;
  const oa = i * a.cols;
  const ob = j * b.cols;
  for (let k = 0; k < a.cols; k++) s += a.data[oa + k]! * b.data[ob + k]!;
  return s;
}

/** Element-wise sum of equally shaped matrices. */
export function addAll(ms: readonly Mat[]): Mat {
  const first = ms[0];
  if (first === undefined) throw new Error("nothing to add");
  const out = zeros(first.rows, first.cols);
  for (const m of ms) {
    if (m.rows !== first.rows || m.cols !== first.cols) throw new Error("shapes differ in a sum");
    for (let k = 0; k < out.data.length; k++) out.data[k]! += m.data[k]!;
  }
  return out;
}

/** ‖a − b‖_F / ‖b‖_F. */
export function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < b.length; k++) {
    num += (a[k]! - b[k]!) ** 2;
    den += b[k]! ** 2;
  }
  return Math.sqrt(num / den);
}
