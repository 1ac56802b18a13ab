import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { atomicWriteFile, checkOutputPath, isSqliteFile, sameFile } from "./atomicWrite.js";

const fresh = () => mkdtempSync(join(tmpdir(), "nasprobe-atomic-"));

describe("atomicWriteFile", () => {
  it("writes a new file and replaces a regular one, keeping its mode, with no temporary left", () => {
    const dir = fresh();
    const out = join(dir, "a.txt");
    atomicWriteFile(out, "one");
    assert.equal(readFileSync(out, "utf8"), "one");
    chmodSync(out, 0o600);
    atomicWriteFile(out, Buffer.from("two"));
    assert.equal(readFileSync(out, "utf8"), "two");
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ["a.txt"]);
  });

  it("refuses a directory target before creating anything (no DIR.tmp-PID left)", () => {
    const dir = fresh();
    mkdirSync(join(dir, "d"));
    assert.throws(() => atomicWriteFile(join(dir, "d"), "x"), /^Error: --out .*d: is a directory; refusing/);
    assert.throws(() => atomicWriteFile(`${join(dir, "d")}/`, "x"), /names a directory, not a file/);
    assert.deepEqual(readdirSync(dir), ["d"]);
    assert.deepEqual(readdirSync(join(dir, "d")), []);
  });

  it("refuses symlinks (dangling or not) and leaves the link and its target alone", () => {
    const dir = fresh();
    writeFileSync(join(dir, "target"), "keep");
    symlinkSync("target", join(dir, "link"));
    symlinkSync("nowhere", join(dir, "dangling"));
    assert.throws(() => atomicWriteFile(join(dir, "link"), "x"), /link: is a symbolic link; refusing/);
    assert.throws(() => atomicWriteFile(join(dir, "dangling"), "x"), /is a symbolic link/);
    assert.equal(readFileSync(join(dir, "target"), "utf8"), "keep");
    assert.deepEqual(readdirSync(dir).sort(), ["dangling", "link", "target"]);
  });

  it("refuses FIFOs and devices (it would replace /dev/null as root)", () => {
    // Only checked, never written: a regression must not replace the machine's /dev/null.
    assert.throws(() => checkOutputPath("/dev/null"), /\/dev\/null: is a character device; refusing/);
    const dir = fresh();
    let device = false;
    try {
      execFileSync("mknod", ["-m", "666", join(dir, "null"), "c", "1", "3"], { stdio: "ignore" });
      device = true;
    } catch {
      // not root: the check above stands for it
    }
    if (device) {
      assert.throws(() => atomicWriteFile(join(dir, "null"), "x"), /null: is a character device; refusing/);
      assert.ok(statSync(join(dir, "null")).isCharacterDevice());
      rmSync(join(dir, "null"));
    }
    execFileSync("mkfifo", [join(dir, "fifo")]);
    assert.throws(() => atomicWriteFile(join(dir, "fifo"), "x"), /fifo: is a FIFO; refusing/);
    assert.ok(statSync(join(dir, "fifo")).isFIFO());
    assert.deepEqual(readdirSync(dir), ["fifo"]);
  });

  it("refuses to overwrite a SQLite database", () => {
    const dir = fresh();
    const db = join(dir, "study.db");
    const bytes = Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), Buffer.alloc(100)]);
    writeFileSync(db, bytes);
    assert.ok(isSqliteFile(db));
    assert.throws(
      () => atomicWriteFile(db, "x", { label: "plot output" }),
      /^Error: plot output .*study\.db: is a SQLite database/,
    );
    assert.deepEqual(readFileSync(db), bytes);
  });

  it("refuses an input, by any name (same path, hard link, symlinked directory)", () => {
    const dir = fresh();
    const input = join(dir, "in.csv");
    writeFileSync(input, "a\n1\n");
    linkSync(input, join(dir, "hard.csv"));
    symlinkSync(dir, join(dir, "again"));
    assert.throws(() => atomicWriteFile(input, "x", { inputs: [input] }), /is an input of this command/);
    assert.throws(
      () => atomicWriteFile(join(dir, "hard.csv"), "x", { inputs: [undefined, input] }),
      /hard\.csv: is the same file as the input .*in\.csv/,
    );
    assert.throws(
      () => atomicWriteFile(join(dir, "again", "in.csv"), "x", { inputs: [input] }),
      /same file as the input/,
    );
    assert.equal(readFileSync(input, "utf8"), "a\n1\n");
    // Inputs that do not exist do not match anything.
    atomicWriteFile(join(dir, "new.csv"), "x", { inputs: [join(dir, "missing")] });
  });

  it("refuses a missing directory, a file used as a directory, and an empty name", () => {
    const dir = fresh();
    writeFileSync(join(dir, "file"), "");
    assert.throws(() => atomicWriteFile(join(dir, "no", "a.txt"), "x"), /directory .*no does not exist/);
    assert.throws(() => atomicWriteFile(join(dir, "file", "a.txt"), "x"), /file is not a directory/);
    assert.throws(() => atomicWriteFile("", "x"), /--out: empty file name/);
    assert.deepEqual(readdirSync(dir), ["file"]);
  });
});

describe("sameFile", () => {
  it("compares by device and inode, false for missing files", () => {
    const dir = fresh();
    writeFileSync(join(dir, "a"), "1");
    writeFileSync(join(dir, "b"), "1");
    symlinkSync("a", join(dir, "l"));
    assert.equal(sameFile(join(dir, "a"), join(dir, "l")), true);
    assert.equal(sameFile(join(dir, "a"), join(dir, ".", "a")), true);
    assert.equal(sameFile(join(dir, "a"), join(dir, "b")), false);
    assert.equal(sameFile(join(dir, "a"), join(dir, "missing")), false);
  });
});
