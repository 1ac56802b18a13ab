#!/usr/bin/env node
// The nasprobe command line. Every failure ends as one `nasprobe: error: …` line and exit code 1.
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerCorrelate } from "./correlate.js";
import { registerExport } from "./export.js";
import { registerInfo } from "./info.js";
import { registerPlot } from "./plot.js";
import { registerScore } from "./score.js";
import { registerSearch } from "./search.js";
import { registerSpaces } from "./spaces.js";
import { registerStudy, registerStudyPlots } from "./study.js";
import { registerTrain } from "./train.js";

// A closed pipe (`nasprobe info --all | head`) ends the listing quietly, as for any Unix tool.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const program = new Command()
  .name("nasprobe")
  .description("training-free neural architecture search: score networks at initialisation")
  .version(VERSION)
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

registerSpaces(program);
registerInfo(program);
registerScore(program);
registerCorrelate(program);
registerExport(program);
registerSearch(program);
registerTrain(program);
registerStudy(program);
registerStudyPlots(registerPlot(program));
for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`nasprobe: error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
