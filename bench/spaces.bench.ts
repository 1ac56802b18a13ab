// Sampling and building 1,000 architectures per space (seeded draws, IR graph, params and FLOPs as
// the space counts them): what every sweep pays before any ONNX work. Prints a line per space.
//   node --import tsx bench/spaces.bench.ts [--count 1000]
import { parseArgs } from "node:util";
import { architectureFacts } from "../src/spaces/facts.js";
import { getSpace, loadSpace, SPACE_NAMES } from "../src/spaces/index.js";
import { Rng } from "../src/util/random.js";

const { values } = parseArgs({ options: { count: { type: "string", default: "1000" } } });
const count = Number(values.count);
const names = [...SPACE_NAMES, "examples/spaces/tiny-cnn.json", "examples/spaces/mobile-stages.mjs"];
console.log(`space            first-use s   sample ${count} ms   build+count ${count} ms   per arch µs`);
for (const name of names) {
  const t0 = performance.now();
  const space = name.includes("/") ? await loadSpace(name) : getSpace(name);
  // First use includes one-off work such as NB101's enumeration of its 423,624 cells.
  space.sample(new Rng(0, "warm"));
  const t1 = performance.now();
  const rng = new Rng(1, "bench", name);
  const archs = Array.from({ length: count }, () => space.sample(rng));
  const t2 = performance.now();
  let params = 0;
  for (const a of archs) params += architectureFacts(space, a).params as number;
  const t3 = performance.now();
  console.log(
    `${space.name.padEnd(16)} ${((t1 - t0) / 1000).toFixed(2).padStart(11)}   ${(t2 - t1).toFixed(0).padStart(15)}   ${(t3 - t2).toFixed(0).padStart(20)}   ${(((t3 - t1) * 1000) / count).toFixed(0).padStart(11)}   (mean params ${(params / count / 1e6).toFixed(3)} M)`,
  );
}
