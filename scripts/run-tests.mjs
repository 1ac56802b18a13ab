// Runs every *.test.ts under src/ with node's built-in test runner (Node 20 has no --test globs),
// with a temporary PostgreSQL server (scripts/postgres.mjs) whose url the tests get in
// NASPROBE_TEST_POSTGRES_URL; set that to use a server of your own, or NASPROBE_NO_POSTGRES=1 for none.
// Without a server, the PostgreSQL tests skip with the reason (NASPROBE_TEST_POSTGRES_SKIP).
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { startPostgres } from "./postgres.mjs";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find("src").sort();

// Ctrl-C or SIGTERM: pass it to the tests, wait for them to end, then stop the server.
let child;
let signal;
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(s, () => {
    signal ??= s;
    child?.kill(s);
  });
}

const env = { ...process.env };
let server;
if (env.NASPROBE_TEST_POSTGRES_URL) {
  const u = new URL(env.NASPROBE_TEST_POSTGRES_URL);
  if (u.password) u.password = "***";
  console.log(`postgres: using NASPROBE_TEST_POSTGRES_URL=${u}`);
} else {
  const t0 = performance.now();
  const pg = env.NASPROBE_NO_POSTGRES === "1" ? { skipped: "NASPROBE_NO_POSTGRES=1" } : await startPostgres();
  if (pg.url) {
    server = pg;
    env.NASPROBE_TEST_POSTGRES_URL = pg.url;
    console.log(`postgres: started at ${pg.url} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } else {
    env.NASPROBE_TEST_POSTGRES_SKIP = pg.skipped;
    console.log(`postgres: not available (${pg.skipped}) — PostgreSQL tests will be skipped`);
  }
}

const status = signal
  ? 1
  : await new Promise((resolve) => {
      child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
        stdio: "inherit",
        env,
      });
      child.on("error", (e) => {
        console.error(e);
        resolve(1);
      });
      child.on("exit", (code) => resolve(code ?? 1));
    });
await server?.stop();
process.exit(signal ? 128 + constants.signals[signal] : status);
