// `nasprobe spaces`: the built-in spaces with their size and the protocol hooks they declare.
import type { Command } from "commander";
import { getSpace, SPACE_NAMES } from "../spaces/index.js";
import { spaceSummary } from "../spaces/summary.js";
import { refuseRepeatedOptions } from "./options.js";

export function registerSpaces(program: Command): void {
  const command = program
    .command("spaces")
    .description("list the search spaces with their size and protocol hooks")
    .option("--format <text|json>", "output format", "text")
    .action((o: { format: string }) => {
      if (o.format !== "text" && o.format !== "json")
        throw new Error(`--format must be text or json, got "${o.format}"`);
      const rows = SPACE_NAMES.map((name) => spaceSummary(getSpace(name)));
      if (o.format === "json") {
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.name}  ${typeof r.size === "number" ? r.size.toLocaleString("en-US") : r.size}\n`,
        );
        process.stdout.write(`  ${r.description}\n`);
        process.stdout.write(`  hooks: ${r.hooks.join(", ")}\n`);
      }
      process.stdout.write("A space file (.json, .js, .mjs) works wherever --space is taken; see README.\n");
    });
  refuseRepeatedOptions(command);
}
