// `nasprobe info`: parameter counts and FLOPs of architectures.
import type { Command } from "commander";
import { flops, paramCount } from "../ir/cost.js";
import { getSpace } from "../spaces/index.js";
import { positiveInt, shape } from "./options.js";

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("parameter count and FLOPs (millions, counted as NAS-Bench-201 does) of architectures")
    .requiredOption("--space <name>", "search space", "nb201")
    .option("--arch <string>", "one architecture")
    .option("--all", "every architecture of the space")
    .option("--input-shape <C,H,W>", "input shape", shape("--input-shape"), [3, 32, 32])
    .option("--classes <n>", "number of classes", positiveInt("--classes"), 10)
    .option("--format <csv|json>", "output format", "csv")
    .action(
      (o: {
        space: string;
        arch?: string;
        all?: boolean;
        inputShape: number[];
        classes: number;
        format: string;
      }) => {
        const space = getSpace(o.space);
        if (!o.arch === !o.all) throw new Error("info needs exactly one of --arch or --all");
        if (o.format !== "csv" && o.format !== "json")
          throw new Error(`--format must be csv or json, got "${o.format}"`);
        const archs = o.arch ? [space.parse(o.arch)] : [...space.enumerate!()];
        const lines: string[] = o.format === "csv" ? ["arch_str,params,flops"] : [];
        for (const arch of archs) {
          const graph = space.build(arch, { inputShape: o.inputShape, numClasses: o.classes });
          const row = {
            arch_str: space.format(arch),
            params: paramCount(graph),
            flops: +(flops(graph) / 1e6).toFixed(6),
          };
          lines.push(o.format === "csv" ? `${row.arch_str},${row.params},${row.flops}` : JSON.stringify(row));
        }
        process.stdout.write(`${lines.join("\n")}\n`);
      },
    );
}
