// `nasprobe export`: a standalone .onnx (weights baked in, inference-mode BN) other tools can open.
import type { Command } from "commander";
import { INIT_SCHEMES, type InitScheme, initWeights } from "../ir/init.js";
import { compileToOnnx } from "../onnx/compile.js";
import { freshRunningStatistics } from "../onnx/forward.js";
import { loadSpace } from "../spaces/index.js";
import { atomicWriteFile, checkOutputPath } from "../util/atomicWrite.js";
import { nonNegativeInt, positiveInt, refuseRepeatedOptions, shape } from "./options.js";

/** Most classes an exported head may have (its weights are allocated whole). */
const MAX_CLASSES = 100_000;

export function registerExport(program: Command): void {
  const command = program
    .command("export")
    .description(
      "write an architecture at initialisation as a standalone ONNX model (input → logits, features)",
    )
    .option("--space <name|file>", "search space (see `nasprobe spaces`) or a space file", "nb201")
    .requiredOption("--arch <string>", "architecture string")
    .requiredOption("--out <file.onnx>", "output file")
    .option("--input-shape <C,H,W>", "input shape (default: the space's)", shape("--input-shape"))
    .option("--classes <n>", "number of classes (default: the space's)", positiveInt("--classes"))
    .option("--seed <n>", "seed of the random weights", nonNegativeInt("--seed"), 0)
    .option("--init <scheme>", `weight init: ${INIT_SCHEMES.join(" | ")}`, "kaiming_normal")
    .action(
      async (o: {
        space: string;
        arch: string;
        out: string;
        inputShape?: number[];
        classes?: number;
        seed: number;
        init: string;
      }) => {
        if (!(INIT_SCHEMES as readonly string[]).includes(o.init))
          throw new Error(`unknown --init "${o.init}" (known: ${INIT_SCHEMES.join(", ")})`);
        if (o.classes !== undefined && o.classes > MAX_CLASSES)
          throw new Error(`--classes ${o.classes}: at most ${MAX_CLASSES}`);
        // Before any work: the model never replaces a directory, a symlink, a device, a study or the
        // space file it is built from.
        checkOutputPath(o.out, { inputs: [o.space] });
        const space = await loadSpace(o.space);
        const graph = space.build(space.parse(o.arch), {
          inputShape: o.inputShape ?? space.defaultBuild.inputShape,
          numClasses: o.classes ?? space.defaultBuild.numClasses,
        });
        const weights = initWeights(graph, o.init as InitScheme, o.seed, "export");
        for (const [name, v] of freshRunningStatistics(graph)) weights.set(name, v);
        const model = compileToOnnx(graph, {
          bnMode: "inference",
          initializers: weights,
          outputs: ["logits", "features"],
        });
        // Written beside the target, then renamed: a crash never leaves a half-written model.
        atomicWriteFile(o.out, model.bytes, { inputs: [o.space] });
        process.stderr.write(`wrote ${o.out} (${model.bytes.length} bytes)\n`);
      },
    );
  refuseRepeatedOptions(command);
}
