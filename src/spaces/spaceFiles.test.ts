import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { paramCount } from "../ir/cost.js";
import { Rng } from "../util/random.js";
import { getSpace, loadSpace } from "./index.js";

const examples = resolve(fileURLToPath(import.meta.url), "../../../examples/spaces");
const dir = mkdtempSync(join(tmpdir(), "nasprobe-spaces-"));

test("tiny-cnn.json: size, a hand-counted network, parse and its errors", async () => {
  const space = await loadSpace(join(examples, "tiny-cnn.json"));
  assert.equal(space.size, 2 * (3 * 3 * 2) ** 3);
  const arch = space.parse(
    JSON.stringify({
      width: 16,
      blocks: [
        { kernel: 3, act: "relu", residual: true },
        { kernel: 1, act: "swish", residual: false },
        { kernel: 5, act: "gelu", residual: false },
      ],
    }),
  );
  // stem 3·16·9 + BN 32; blocks 16·16·k² + BN 32 for k = 3, 1, 5; head 16·10 + 10.
  const expected = 3 * 16 * 9 + 32 + (16 * 16 * 9 + 32) + (16 * 16 + 32) + (16 * 16 * 25 + 32) + 16 * 10 + 10;
  const graph = space.build(arch, space.defaultBuild);
  assert.equal(paramCount(graph), expected);
  assert.ok(
    graph.nodes.some((n) => n.op.kind === "add"),
    "the residual block adds its input",
  );
  assert.throws(
    () => space.parse('{"width":16,"blocks":[{"kernel":7,"act":"relu","residual":true}]}'),
    /blocks: needs 3 entries, got 1/,
  );
  assert.throws(
    () =>
      space.parse(
        '{"width":16,"blocks":[{"kernel":7,"act":"relu","residual":true},{"kernel":1,"act":"relu","residual":true},{"kernel":1,"act":"relu","residual":true}]}',
      ),
    /blocks\[0\]\.kernel: 7 is not one of 1, 3, 5/,
  );
  // Every sampled architecture builds, and sampling is seeded.
  const a = Array.from({ length: 20 }, (_, i) => space.format(space.sample(new Rng(5, i))));
  const b = Array.from({ length: 20 }, (_, i) => space.format(space.sample(new Rng(5, i))));
  assert.deepEqual(a, b);
  for (const s of a) assert.ok(paramCount(space.build(space.parse(s), space.defaultBuild)) > 0);
});

test("mobile-stages.mjs: a module space with a constraint on its conditional part", async () => {
  const space = await loadSpace(join(examples, "mobile-stages.mjs"));
  // 8 stage settings cubed; the squeeze part (2 widths) only with a deep last stage: 256·1 + 256·3.
  assert.equal(space.size, 1024);
  assert.equal([...space.enumerate!()].length, 1024);
  const shallow =
    '{"stages":[{"depth":1,"kernel":3,"expansion":3},{"depth":1,"kernel":3,"expansion":3},{"depth":1,"kernel":3,"expansion":3}],"head":{"squeeze":true,"width":64}}';
  assert.throws(() => space.parse(shallow), /head\.squeeze needs a last stage of depth 2/);
  const rng = new Rng(0);
  for (let i = 0; i < 50; i++) {
    const arch = space.sample(rng) as { head: { squeeze: boolean }; stages: { depth: number }[] };
    assert.ok(!arch.head.squeeze || arch.stages[2]!.depth === 2);
    for (const n of space.neighbours(arch)) assert.doesNotThrow(() => space.parse(space.format(n)));
  }
});

test("bad space files and names give one line naming the fault", async () => {
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: Array<[string, RegExp]> = [
    [write("broken.json", "{ name: "), /broken\.json: not JSON/],
    [write("nothing.json", "{}"), /nothing\.json: "name" must be a non-empty string/],
    [write("nochoices.json", '{"name":"x","network":[]}'), /declares no "choices"/],
    [write("nonet.json", '{"name":"x","choices":{"a":{"oneOf":[1]}}}'), /declares no "network"/],
    [
      write("badchoice.json", '{"name":"x","choices":{"a":{"int":[3]}},"network":[]}'),
      /choices\.a: "int" needs \[low, high\]/,
    ],
    [
      write("empty-one-of.json", '{"name":"x","choices":{"a":{"oneOf":[]}},"network":[]}'),
      /oneOf needs at least one candidate/,
    ],
    [write("noexport.mjs", "export const x = 1;\n"), /noexport\.mjs: its default export is no search space/],
    [write("throws.mjs", "throw new Error('boom');\n"), /throws\.mjs: does not load \(boom\)/],
    [join(dir, "absent.json"), /absent\.json: cannot read \(ENOENT\)/],
  ];
  for (const [file, pattern] of cases) await assert.rejects(loadSpace(file), pattern);
  // A layer error appears when the network is built.
  const badLayer = await loadSpace(
    write("badlayer.json", '{"name":"x","choices":{"w":{"oneOf":[4]}},"network":[{"dense":{}}]}'),
  );
  assert.throws(
    () => badLayer.build(badLayer.sample(new Rng(0)), badLayer.defaultBuild),
    /network\[0\]: unknown layer "dense"/,
  );
  const badRef = await loadSpace(
    write(
      "badref.json",
      '{"name":"x","choices":{"w":{"oneOf":[4]}},"network":[{"conv":{"out":"$v","kernel":3}}]}',
    ),
  );
  assert.throws(
    () => badRef.build(badRef.sample(new Rng(0)), badRef.defaultBuild),
    /"\$v" names no choice in scope/,
  );
  assert.throws(() => getSpace("nb999"), /unknown search space "nb999" \(known: nb201, nb101, nbmacro, mlp,/);
  assert.throws(
    () => getSpace("nb201:depth=3"),
    /space nb201 has no option depth \(options: cells, channels\)/,
  );
  assert.throws(() => getSpace("nbmacro:depth=3"), /space "nbmacro" takes no options/);
});

test("mlp:key=value options make a seed-002 space of the given depth, width, family and activations", () => {
  const small = getSpace("mlp:depth=2,width=8,family=mlp,activations=relu+tanh+gelu");
  assert.equal(small.size, 3 ** 2);
  assert.equal(small.name, "mlp:depth=2,width=8,family=mlp,activations=relu+tanh+gelu");
  // 784·8 + 8, 8·8 + 8, head 8·10 + 10
  assert.equal(paramCount(small.build(small.sample(new Rng(0)), small.defaultBuild)), 784 * 8 + 8 + 72 + 90);
  assert.throws(() => getSpace("mlp:depth=0"), /depth must be a positive integer, got "0"/);
  assert.throws(() => getSpace("mlp:family=cnn"), /family must be mlp, resnet or both, got "cnn"/);
  assert.throws(() => getSpace("mlp:colour=red"), /space "mlp" has no option "colour"/);
  assert.throws(() => getSpace("mlp:activations=relu+mish"), /mish/);
});
