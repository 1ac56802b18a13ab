#!/usr/bin/env node
// The nasprobe command line. Every failure ends as one `nasprobe: error: …` line and exit code 1.
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerCorrelate } from "./correlate.js";
import { registerDashboard } from "./dashboard.js";
import { registerExport } from "./export.js";
import { registerInfo } from "./info.js";
import { registerPlot } from "./plot.js";
import { registerPredict } from "./predict.js";
import { registerScore } from "./score.js";
import { registerSearch } from "./search.js";
import { registerSpaces } from "./spaces.js";
import { registerStudy, registerStudyPlots } from "./study.js";
import { registerTrain } from "./train.js";

// A closed pipe (`nasprobe info --all | head`) ends the command quietly, as for any Unix tool, on
// standard output or error alike; any other failure to write them (a full disk: `> /dev/full`) is one
// error line (on stderr, if it still works) and exit code 1, never a stack trace.
const isEpipe = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "EPIPE";
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (isEpipe(error)) process.exit(0);
  try {
    process.stderr.write(
      `nasprobe: error: cannot write to standard output (${error.code ?? error.message})\n`,
    );
  } finally {
    process.exit(1);
  }
});
process.stderr.on("error", (error: NodeJS.ErrnoException) => {
  process.exit(isEpipe(error) ? 0 : 1);
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
registerPredict(program);
registerExport(program);
registerSearch(program);
registerTrain(program);
registerStudy(program);
registerStudyPlots(registerPlot(program));
registerDashboard(program);
for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = error.exitCode;
  } else if (isEpipe(error)) {
    process.exitCode = 0; // a write to a closed pipe that surfaced as an exception
  } else {
    // One line, always: a message that quotes input (a file's bytes, say) may hold newlines.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`nasprobe: error: ${message.replace(/\s*[\r\n]+\s*/g, " ").trim()}\n`);
    process.exitCode = 1;
  }
}
