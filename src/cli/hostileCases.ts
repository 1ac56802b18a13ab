// A table-driven harness for hostile command lines: each case runs `nasprobe ARGS` in a fresh
// temporary directory (its cwd) and must fail cleanly: a non-zero exit, stderr exactly one error line
// (`nasprobe: error: …`, or commander's own `error: …` for option syntax, which commander follows with
// its "(add --help for usage)" hint), and the directory exactly as it was (no new, changed or removed
// file: listing and content hashes compared). Cases live in tables such as hostile.test.ts; another
// file adds its own with `runHostileCases(cases)`.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cliBundle, REPO } from "./testing/cliBundle.js";

export { REPO };

export interface HostileCase {
  /** Test name (default: the arguments). */
  name?: string;
  /**
   * The arguments after `nasprobe`, run with the case's directory as cwd, so relative paths name
   * files `setup` made. `$REPO` in an argument is replaced by the repository root.
   */
  args: readonly string[];
  /** Standard input (default: none, an empty stream). */
  stdin?: string;
  /** Makes the case's files in `dir` (its cwd) before the run. */
  setup?: (dir: string) => void;
  /** What the one error line must match (after `nasprobe: error: ` or `error: `). */
  error: RegExp;
  /** Wall-clock limit in ms (default 60 s): a hang (a FIFO read, say) fails the case. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Readonly<Record<string, string>>;
}

/**
 * A file for `files`: text or bytes, a directory (empty, or with entries), a symbolic link, a FIFO,
 * or content with permission bits.
 */
export type FileSpec =
  | string
  | Uint8Array
  | { dir: Readonly<Record<string, FileSpec>> }
  | { link: string }
  | { fifo: true }
  /** A character device like /dev/null (mknod c 1 3; the case is skipped where that is not allowed). */
  | { nullDevice: true }
  | { content: string | Uint8Array; mode: number };

/** Thrown by a setup that cannot make its files here: the case is skipped with this reason. */
export class SkipCase extends Error {}

/** A `setup` that makes the named files (paths relative to the case's directory). */
export function files(spec: Readonly<Record<string, FileSpec>>): (dir: string) => void {
  return (dir) => {
    for (const [name, f] of Object.entries(spec)) {
      const path = join(dir, name);
      if (typeof f === "string" || f instanceof Uint8Array) writeFileSync(path, f);
      else if ("dir" in f) {
        mkdirSync(path, { recursive: true });
        files(f.dir)(path);
      } else if ("link" in f) symlinkSync(f.link, path);
      else if ("fifo" in f) execFileSync("mkfifo", [path]);
      else if ("nullDevice" in f) {
        try {
          execFileSync("mknod", ["-m", "666", path, "c", "1", "3"], { stdio: "ignore" });
        } catch {
          throw new SkipCase("cannot make a device node here (mknod needs root)");
        }
      } else {
        writeFileSync(path, f.content);
        chmodSync(path, f.mode);
      }
    }
  };
}

/** The first bytes of a SQLite 3 database (what a nasprobe study file starts with). */
export const SQLITE_BYTES = Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), Buffer.alloc(84, 1)]);

/**
 * How the CLI is started: the bundle of cli/testing/cliBundle.ts (~0.4 s a start against ~1.1 s
 * through tsx); NASPROBE_HOSTILE_TSX=1 starts every case through tsx instead.
 */
const cliEntry = () => cliBundle({ tsx: process.env.NASPROBE_HOSTILE_TSX === "1" });

/** The commander hint that follows its own error line (main.ts: showHelpAfterError). */
const USAGE_HINT = "(add --help for usage)";

/** Every entry under `dir` (relative path → kind and content hash, link target, …), sorted. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const path = join(dir, rel);
    for (const name of readdirSync(path).sort()) {
      const r = rel === "" ? name : `${rel}/${name}`;
      const p = join(dir, r);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[r] = `link → ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        if (st.mode & 0o400) walk(r);
      } else if (st.isFile()) {
        let hash = "unreadable";
        try {
          hash = createHash("sha256").update(readFileSync(p)).digest("hex");
        } catch {
          // a file made unreadable on purpose: its size and mode still count
        }
        out[r] = `file ${mode} ${st.size} ${hash}`;
      } else out[r] = `special ${mode} ${st.mode >> 12}`;
    }
  };
  walk("");
  return out;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `nasprobe args` in `cwd` (asynchronously, so cases can run side by side). */
export function runCli(
  args: readonly string[],
  cwd: string,
  opts: { stdin?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const { args: argv, env } = cliEntry();
    const child = spawn(process.execPath, [...argv, ...args], {
      cwd,
      env: { ...process.env, ...env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (stdout.length < 1 << 20) stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 1 << 20) stderr += d;
    });
    child.stdin.on("error", () => {}); // a command that never reads stdin
    child.stdin.end(opts.stdin ?? "");
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** The one error line of `stderr`, or a description of why there is not exactly one. */
export function errorLine(stderr: string): { line?: string; problem?: string } {
  const lines = stderr.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length === 2 && lines[0]!.startsWith("error: ") && lines[1] === USAGE_HINT) lines.pop();
  if (lines.length !== 1) return { problem: `${lines.length} stderr lines` };
  const line = lines[0]!;
  const m = /^(?:nasprobe: error: |error: )(.*)$/.exec(line);
  if (!m) return { problem: "the stderr line is not an error line" };
  return { line: m[1]! };
}

const caseName = (c: HostileCase) => c.name ?? `${c.args.join(" ")} → /${c.error.source.slice(0, 60)}/`;

/**
 * Runs one case: throws an AssertionError that names what went wrong, or a SkipCase. Cases should
 * keep their targets inside their directory: a device there (`{ nullDevice: true }`) rather than
 * /dev/null itself, which a regressed atomic write running as root would replace for the whole
 * machine. That is checked after every case all the same.
 */
export async function runHostileCase(c: HostileCase): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-hostile-"));
  try {
    c.setup?.(dir);
    const before = snapshot(dir);
    const args = c.args.map((a) => a.replaceAll("$REPO", REPO));
    const r = await runCli(args, dir, {
      ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
      ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
      ...(c.env ? { env: c.env } : {}),
    });
    const shown = `nasprobe ${args.join(" ")}\nexit ${r.code} ${r.signal ?? ""}\nstderr:\n${r.stderr.slice(0, 2000)}`;
    assert.equal(r.timedOut, false, `timed out\n${shown}`);
    assert.notEqual(r.code, 0, `exit code 0\n${shown}`);
    assert.equal(r.signal, null, `killed by a signal\n${shown}`);
    const { line, problem } = errorLine(r.stderr);
    assert.ok(line !== undefined, `${problem}\n${shown}`);
    assert.match(line, c.error, shown);
    assert.ok(
      lstatSync("/dev/null").isCharacterDevice(),
      `/dev/null is no longer a device (restore it as root: rm /dev/null; mknod -m 666 /dev/null c 1 3)\n${shown}`,
    );
    assert.deepEqual(snapshot(dir), before, `the directory changed\n${shown}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Registers one test per case in a suite (`title`, default "hostile input"), run two at a time
 * (spawning costs ~0.7 s each). Call at the top level of a test file.
 */
export function runHostileCases(
  cases: readonly HostileCase[],
  opts: { title?: string; concurrency?: number } = {},
): void {
  // Default names: the arguments and the expected error; repeats get a number.
  const seen = new Map<string, number>();
  const named = cases.map((c) => {
    const base = caseName(c);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { c, name: n === 1 ? base : `${base} (${n})` };
  });
  describe(opts.title ?? "hostile input", { concurrency: opts.concurrency ?? 2 }, () => {
    for (const { c, name } of named)
      it(name, async (t) => {
        try {
          await runHostileCase(c);
        } catch (err) {
          if (err instanceof SkipCase) t.skip(err.message);
          else throw err;
        }
      });
  });
}
