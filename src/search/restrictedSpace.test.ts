import assert from "node:assert/strict";
import { it } from "node:test";
import { nb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { restrictedSpace } from "./restrictedSpace.js";

const all = [...nb201.enumerate!()].map((a) => nb201.format(a));
const hamming = (a: string, b: string) => nb201.parse(a).filter((op, i) => op !== nb201.parse(b)[i]).length;

it("in the whole space the neighbours are exactly the one-edit neighbours", () => {
  const space = restrictedSpace(nb201, all);
  const arch = nb201.parse(all[1234]!);
  assert.deepEqual(
    space.neighbours(arch).map(nb201.format).sort(),
    nb201.neighbours(arch).map(nb201.format).sort(),
  );
});

it("in a sparse pool the neighbours are the nearest ≥ 3 pool members by Hamming distance", () => {
  const pool = new Rng(3, "pool").shuffle([...all]).slice(0, 200);
  const space = restrictedSpace(nb201, pool);
  for (const s of pool.slice(0, 20)) {
    const got = space.neighbours(nb201.parse(s)).map(nb201.format);
    const distances = pool
      .filter((p) => p !== s)
      .map((p) => hamming(p, s))
      .sort((a, b) => a - b);
    const radius = distances[2]!;
    assert.deepEqual(got.sort(), pool.filter((p) => p !== s && hamming(p, s) <= radius).sort());
    assert.ok(got.length >= 3);
  }
  const rng = new Rng(0);
  for (let i = 0; i < 50; i++) assert.ok(pool.includes(nb201.format(space.sample(rng))));
});
