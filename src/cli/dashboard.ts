// `nasprobe dashboard`: parse the flags, start the read-only dashboard server (src/app/dashboard),
// print where it listens, and stop it on Ctrl-C or SIGTERM.
import type { Command } from "commander";
import { DEFAULT_HOST, DEFAULT_PORT, isLoopback, startDashboard } from "../app/dashboard/server.js";
import { nonNegativeInt } from "./options.js";

function port(value: string): number {
  const n = nonNegativeInt("--port")(value);
  if (n > 65_535) throw new Error(`--port must be in [0, 65535] (0 picks a free port), got ${n}`);
  return n;
}

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("a read-only web page of a storage's studies, updated live while workers write")
    .requiredOption("--storage <url|file>", "a study file or a postgresql:// URL")
    .option("--port <n>", "port to listen on (0 picks a free one)", port, DEFAULT_PORT)
    .option(
      "--host <address>",
      "address to listen on; anything but loopback exposes every study",
      DEFAULT_HOST,
    )
    .action(async (o: { storage: string; port: number; host: string }) => {
      if (!isLoopback(o.host))
        process.stderr.write(
          `nasprobe: warning: the dashboard has no authentication; on ${o.host} anyone who reaches it reads every study\n`,
        );
      const dashboard = await startDashboard({ storage: o.storage, port: o.port, host: o.host });
      process.stdout.write(`dashboard of ${dashboard.location} at ${dashboard.url} (Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
      });
      await dashboard.close();
    });
}
