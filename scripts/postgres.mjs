// A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in a temporary directory,
// listening on a free port on 127.0.0.1, removed again by stop() or when this process ends.
//   const pg = await startPostgres();  // { url, dir, stop() } or { skipped: "reason" }
//   node scripts/postgres.mjs start    // prints the url, serves until SIGTERM/SIGINT
// Plain JS because scripts/run-tests.mjs uses it; types for TS callers: postgres.d.mts.
import { execFile, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

const USER = "nasprobe";
const DATABASE = "nasprobe";
const PROGRAMS = ["initdb", "pg_ctl", "postgres"];

/** Server binaries: newest /usr/lib/postgresql/N/bin (Debian), else `pg_config --bindir`, else PATH. */
function findBinDir() {
  const dirs = [];
  try {
    const versions = readdirSync("/usr/lib/postgresql").filter((v) => /^\d+(\.\d+)?$/.test(v));
    dirs.push(...versions.sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {}
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) dirs.push(pgConfig.stdout.trim());
  dirs.push(...(process.env.PATH ?? "").split(delimiter).filter(Boolean));
  return dirs.find((d) => PROGRAMS.every((p) => existsSync(join(d, p))));
}

function idOf(flag, user) {
  const r = spawnSync("id", [flag, user], { encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/** initdb and postgres refuse to run as root: as root, run them as the `postgres` system user. */
function runAs() {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const uid = idOf("-u", "postgres");
  const gid = idOf("-g", "postgres");
  if (uid === undefined || gid === undefined) {
    return { skipped: "running as root and there is no 'postgres' user to run the server as" };
  }
  // setpriv needs no PAM session (runuser does, which some containers lack).
  if (spawnSync("setpriv", ["--version"]).status === 0) {
    return { uid, gid, prefix: ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", "--"] };
  }
  if (spawnSync("runuser", ["--version"]).status === 0) {
    return { uid, gid, prefix: ["runuser", "-u", "postgres", "--"] };
  }
  return { skipped: "running as root and neither setpriv nor runuser is there to drop to 'postgres'" };
}

function run(prefix, cwd, args) {
  const [file, ...rest] = [...prefix, ...args];
  return new Promise((resolve) => {
    execFile(file, rest, { cwd, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, out: `${stdout}${stderr}`.trim(), error }),
    );
  });
}

/** The most telling line of a program's output, for a one-line reason. */
function gist(text, fallback) {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /FATAL|ERROR|PANIC|could not|cannot|error/i.test(l)) ?? lines.at(-1) ?? fallback;
}

function readLog(file) {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Servers of this process, stopped when it exits or dies of SIGINT/SIGTERM/SIGHUP; a watchdog shell
// covers SIGKILL and the like.
const live = new Set();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

const stopArgs = (server) => [server.pgCtl, "stop", "-m", "fast", "-w", "-t", "20", "-D", server.data];

function forget(server) {
  live.delete(server);
  if (live.size === 0) unhook();
}

/** Removes the directory; the watchdog goes only once it is gone, else it retries after we exit. */
function remove(server) {
  try {
    // Retries: an interrupted initdb may still be deleting files inside.
    rmSync(server.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch {}
  // Gone: let the watchdog end now (it ends on end-of-file); else it retries after we exit.
  if (!existsSync(server.dir)) server.watchdog?.destroy();
}

function stopSync(server) {
  forget(server);
  if (existsSync(join(server.data, "postmaster.pid"))) {
    const [file, ...rest] = [...server.prefix, ...stopArgs(server)];
    spawnSync(file, rest, { cwd: server.dir, stdio: "ignore" });
  }
  remove(server);
}

const onExit = () => {
  for (const s of [...live]) stopSync(s);
};
// A signal handler replaces the default "die": when another handler exists, it owns shutdown (and the
// 'exit' hook stops the servers); when ours is the only one, stop the servers and die of the signal.
const onSignal = (signal) => {
  if (process.listenerCount(signal) > 1) return;
  onExit();
  process.kill(process.pid, signal);
};

function hook() {
  if (live.size > 0) return;
  process.on("exit", onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook() {
  process.off("exit", onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * Stops the server and removes its directory once this process is gone, however it ended (SIGKILL
 * too): a shell in its own session waits for end-of-file on a pipe from us, which the kernel closes
 * when we exit. (Polling our pid would not do: a killed process stays a zombie until reaped.)
 * Returns the pipe; closing it ends the watchdog, which then does nothing if the directory is gone.
 */
function watchdog(server) {
  const script = 'd=$1; shift; read -r _; if [ -d "$d" ]; then "$@" >/dev/null 2>&1; rm -rf "$d"; fi';
  const args = ["-c", script, "nasprobe-pg-watchdog", server.dir, ...server.prefix, ...stopArgs(server)];
  const child = spawn("/bin/sh", args, {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
    cwd: server.dir,
  });
  child.on("error", () => {});
  child.stdin.on("error", () => {});
  child.unref();
  child.stdin.unref();
  return child.stdin;
}

/**
 * Starts a PostgreSQL server in a new temporary directory on a free 127.0.0.1 port, with a superuser
 * `nasprobe` (trust auth) and an empty database `nasprobe`.
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, dir: string, stop: () => Promise<void> } | { skipped: string }>}
 */
export async function startPostgres({ log = () => {} } = {}) {
  const bin = findBinDir();
  if (!bin) {
    return { skipped: "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin, pg_config --bindir, PATH)" };
  }
  const as = runAs();
  if (as.skipped) return { skipped: as.skipped };

  let dir;
  let problem = "";
  for (const parent of [...new Set([tmpdir(), "/tmp"])]) {
    try {
      dir = mkdtempSync(join(parent, "nasprobe-pg-"));
      if (as.uid === undefined) break;
      chownSync(dir, as.uid, as.gid);
      // The postgres user must reach the directory (a TMPDIR under /root would not do).
      const check = await run(as.prefix, "/", ["test", "-w", dir, "-a", "-x", dir]);
      if (check.ok) break;
      problem = `${as.prefix[0]} test -w ${dir}: ${gist(check.out, check.error?.message ?? "false")}`;
    } catch (e) {
      problem = e.message;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }
  if (!dir) return { skipped: `no temporary directory the server can write to (${problem})` };
  if (/['\s]/.test(dir)) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `temporary directory path ${dir} has quotes or spaces` };
  }

  const server = { dir, data: join(dir, "data"), prefix: as.prefix, pgCtl: join(bin, "pg_ctl") };
  hook();
  live.add(server);
  server.watchdog = watchdog(server);
  const fail = (reason) => {
    stopSync(server);
    return { skipped: reason };
  };
  log(`postgres: ${bin}, in ${dir}${as.uid === undefined ? "" : " (as user postgres)"}`);

  const initdb = await run(as.prefix, dir, [
    join(bin, "initdb"),
    ...["-D", server.data, "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8", "--locale=C"],
  ]);
  if (!initdb.ok) {
    log(initdb.out);
    return fail(`initdb failed: ${gist(initdb.out, initdb.error?.message)}`);
  }

  const logFile = join(dir, "server.log");
  let port;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    // fsync=off: a test server's data need not survive a power cut, and it makes writes much faster.
    const options = `-k '${dir}' -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    const start = await run(as.prefix, dir, [
      server.pgCtl,
      ...["-w", "-t", "60", "-D", server.data, "-l", logFile, "-o", options, "start"],
    ]);
    if (start.ok) break;
    const serverLog = readLog(logFile);
    // The free port can be taken between picking and binding it: try another.
    if (attempt < 3 && /could not bind|already in use/i.test(serverLog)) continue;
    log(`${start.out}\n${serverLog}`);
    return fail(`server did not start: ${gist(serverLog || start.out, "pg_ctl start failed")}`);
  }

  const url = `postgresql://${USER}@127.0.0.1:${port}/${DATABASE}`;
  try {
    await query(withDatabase(url, "postgres"), `CREATE DATABASE ${DATABASE}`);
  } catch (e) {
    return fail(`cannot create database ${DATABASE}: ${e.message}`);
  }
  log(`postgres: ${url}`);
  return {
    url,
    dir,
    stop: async () => {
      if (!live.has(server)) return;
      forget(server);
      await run(as.prefix, dir, stopArgs(server));
      remove(server);
    },
  };
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

async function query(url, sql) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function checkName(name) {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(
      `database name ${JSON.stringify(name)}: use 1-63 of [a-z0-9_], not starting with a digit`,
    );
  }
}

/**
 * Creates database `name` (dropping an old one of that name first) on the server of `url`, empty
 * (from template0), and returns its url.
 * @param {string} url any database on the server; the connecting user must be allowed CREATE DATABASE
 * @param {string} name
 * @returns {Promise<string>}
 */
export async function createTestDatabase(url, name) {
  checkName(name);
  await query(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await query(url, `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
  return withDatabase(url, name);
}

/**
 * Drops database `name` on the server of `url`, closing its connections.
 * @param {string} url a database on the server other than `name`
 * @param {string} name
 * @returns {Promise<void>}
 */
export async function dropDatabase(url, name) {
  checkName(name);
  await query(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] !== "start") {
    console.error("usage: node scripts/postgres.mjs start   (prints the url, serves until SIGTERM/SIGINT)");
    process.exit(2);
  }
  const pg = await startPostgres({ log: (line) => console.error(line) });
  if (!pg.url) {
    console.error(`postgres: not available (${pg.skipped})`);
    process.exit(1);
  }
  console.log(pg.url);
  const keepAlive = setInterval(() => {}, 1 << 30);
  const shutdown = async () => {
    clearInterval(keepAlive);
    await pg.stop();
    process.exit(0);
  };
  for (const s of SIGNALS) process.on(s, shutdown);
}
