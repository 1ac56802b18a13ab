// `nasprobe info`: parameter counts, FLOPs and other facts of architectures, and a space's size.
import type { Command } from "commander";
import { loadModel, modelFacts, readModelFile } from "../app/model.js";
import { architectureFacts, type Facts } from "../spaces/facts.js";
import { loadSpace } from "../spaces/index.js";
import { Rng } from "../util/random.js";
import { nonNegativeInt, positiveInt, refuseRepeatedOptions, shape } from "./options.js";

interface InfoOptions {
  space: string;
  arch?: string[];
  all?: boolean;
  sample?: number;
  seed: number;
  count?: boolean;
  inputShape?: number[];
  classes?: number;
  format: string;
  model?: string;
  features?: string;
}

export function registerInfo(program: Command): void {
  const command = program
    .command("info")
    .description(
      "parameters and FLOPs (as the space's benchmark counts them) of architectures, or a space's size",
    )
    .requiredOption("--space <name|file>", "search space (see `nasprobe spaces`) or a space file", "nb201")
    .option("--arch <string...>", "architectures (the space's string form; NB101 also takes a module hash)")
    .option("--all", "every architecture of the space")
    .option("--sample <n>", "n seeded random architectures", positiveInt("--sample"))
    .option("--seed <n>", "seed for --sample", nonNegativeInt("--seed"), 0)
    .option("--count", "print the number of unique architectures")
    .option("--input-shape <C,H,W>", "input shape (default: the space's)", shape("--input-shape"))
    .option("--classes <n>", "number of classes (default: the space's)", positiveInt("--classes"))
    .option("--format <csv|json>", "output format", "csv")
    .option("--model <file.onnx>", "an ONNX model: ops mapped, input shape, feature layer, params, FLOPs")
    .option("--features <node>", "--model: the feature layer, an ONNX node or tensor name")
    .action(async (o: InfoOptions) => {
      if (o.format !== "csv" && o.format !== "json")
        throw new Error(`--format must be csv or json, got "${o.format}"`);
      if (o.model !== undefined) {
        if (command.getOptionValueSource("space") !== "default")
          throw new Error("--model and --space: describe a model file or a space, not both");
        if ([o.arch, o.all, o.sample, o.count, o.classes].some((x) => x !== undefined))
          throw new Error(
            "--model describes the model; --arch, --all, --sample, --count and --classes go with --space",
          );
        modelInfo(o);
        return;
      }
      if (o.features !== undefined) throw new Error("--features: an option of --model");
      const chosen = [o.arch, o.all, o.sample, o.count].filter((x) => x !== undefined).length;
      if (chosen !== 1) throw new Error("info needs exactly one of --arch, --all, --sample or --count");
      const space = await loadSpace(o.space);
      if (o.count) {
        process.stdout.write(`${space.size ?? "unbounded"}\n`);
        return;
      }
      if (o.all && !space.enumerate)
        throw new Error(`space ${space.name} is too large or unbounded to list; use --sample`);
      const rng = new Rng(o.seed, "info", space.name);
      const archs = o.arch
        ? o.arch.map((a) => space.parse(a))
        : o.all
          ? space.enumerate!()
          : samples(o.sample!, () => space.sample(rng));
      const build = {
        inputShape: o.inputShape ?? space.defaultBuild.inputShape,
        numClasses: o.classes ?? space.defaultBuild.numClasses,
      };
      // Rows are written as they are computed, so a 15,625-row listing streams.
      let header: string[] | undefined;
      const write = (row: Facts) => {
        if (o.format === "json") {
          process.stdout.write(`${JSON.stringify(row)}\n`);
          return;
        }
        if (!header) {
          header = Object.keys(row);
          process.stdout.write(`${header.join(",")}\n`);
        }
        process.stdout.write(`${header.map((k) => csvCell(row[k]!)).join(",")}\n`);
      };
      for (const arch of archs) write(architectureFacts(space, arch, build));
    });
  refuseRepeatedOptions(command);
}

/** `info --model`: the import's facts, as one JSON object or a CSV header and row. */
function modelInfo(o: InfoOptions): void {
  const file = o.model!;
  const bytes = readModelFile(file);
  let facts: ReturnType<typeof modelFacts>;
  try {
    facts = modelFacts(
      loadModel(file, bytes, {
        ...(o.inputShape ? { inputShape: o.inputShape } : {}),
        ...(o.features !== undefined ? { features: o.features } : {}),
      }),
    );
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (o.format === "json") {
    process.stdout.write(`${JSON.stringify(facts)}\n`);
    return;
  }
  const counts = (c: Readonly<Record<string, number>>) =>
    Object.entries(c)
      .map(([k, n]) => `${k}:${n}`)
      .join(" ");
  const row: Record<string, string | number> = {
    file: facts.file,
    sha256: facts.sha256,
    input_shape: facts.input_shape.join("x"),
    classes: facts.classes,
    params: facts.params,
    flops: facts.flops,
    features: facts.features.tensor,
    feature_dim: facts.features.dim,
    feature_rule: facts.features.rule,
    onnx_ops: counts(facts.onnx_ops),
    ir_ops: counts(facts.ir_ops),
  };
  process.stdout.write(`${Object.keys(row).join(",")}\n${Object.values(row).map(csvCell).join(",")}\n`);
}

/** `count` draws, one at a time (a large --sample streams instead of filling memory first). */
function* samples<T>(count: number, draw: () => T): Generator<T> {
  for (let i = 0; i < count; i++) yield draw();
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
