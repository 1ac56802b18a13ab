// `nasprobe info`: parameter counts, FLOPs and other facts of architectures, and a space's size.
import type { Command } from "commander";
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
    .action(async (o: InfoOptions) => {
      if (o.format !== "csv" && o.format !== "json")
        throw new Error(`--format must be csv or json, got "${o.format}"`);
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

/** `count` draws, one at a time (a large --sample streams instead of filling memory first). */
function* samples<T>(count: number, draw: () => T): Generator<T> {
  for (let i = 0; i < count; i++) yield draw();
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
