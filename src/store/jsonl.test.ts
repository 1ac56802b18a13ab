import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SCORES_FILE } from "../reports/scores.js";
import { JsonlWriter, readJsonl, readJsonlContents } from "./jsonl.js";

const fresh = () => mkdtempSync(join(tmpdir(), "nasprobe-jsonl-"));
const rec = (arch: string, v: number) => JSON.stringify({ arch_str: arch, metric: "zero-cost", naswot: v });

function append(path: string, record: unknown, opts = SCORES_FILE): void {
  const w = new JsonlWriter(path, opts);
  w.append(record);
  w.close();
}

describe("JSON lines", () => {
  it("keeps a complete last record that lacks its newline, and the writer adds the newline", () => {
    const file = join(fresh(), "s.jsonl");
    writeFileSync(file, `${rec("a", 1)}\n${rec("b", 2)}`);
    assert.deepEqual(
      readJsonl<{ arch_str: string }>(file).map((r) => r.arch_str),
      ["a", "b"],
    );
    assert.equal(readJsonlContents(file).missingNewline, true);
    append(file, { arch_str: "c", naswot: 3 });
    // The record without newline used to be cut off by the writer.
    assert.equal(readFileSync(file, "utf8"), `${rec("a", 1)}\n${rec("b", 2)}\n{"arch_str":"c","naswot":3}\n`);
  });

  it("leaves a torn last line out when reading, reports it, and the writer cuts it off", () => {
    const file = join(fresh(), "s.jsonl");
    writeFileSync(file, `${rec("a", 1)}\n{"arch_str":"|nor_co`);
    const torn: number[] = [];
    assert.equal(readJsonl(file, { ...SCORES_FILE, onTorn: (l) => torn.push(l) }).length, 1);
    assert.deepEqual(torn, [2]);
    append(file, { arch_str: "c", naswot: 3 });
    assert.equal(readFileSync(file, "utf8"), `${rec("a", 1)}\n{"arch_str":"c","naswot":3}\n`);
    // A tear within the first bytes of a record, or of a multi-byte character, is a tear too.
    for (const tail of ["{", '{"arc', '{ "arch_str" : "x', Buffer.from('{"arch_str":"≥').subarray(0, 15)]) {
      writeFileSync(file, Buffer.concat([Buffer.from(`${rec("a", 1)}\n`), Buffer.from(tail)]));
      append(file, { arch_str: "d", naswot: 4 });
      assert.equal(readFileSync(file, "utf8"), `${rec("a", 1)}\n{"arch_str":"d","naswot":4}\n`, String(tail));
    }
  });

  it("refuses a file that is not a scores file and never modifies it", () => {
    const dir = fresh();
    const cases: Array<[string | Buffer, RegExp]> = [
      ["hello\nworld", /line 1 is not valid JSON/],
      ['{"a":1}\nworld', /line 1: not a score record/],
      ["hello", /line 1 is not valid JSON/], // one line, no newline: not a torn record
      ['{"arch_str":"a"}\n[1,2', /line 2 is not valid JSON/],
      ['{"arch_str":"a"}\n{"other":', /line 2 is not valid JSON/],
      ["null\n", /line 1: not a score record/],
      ['[{"arch_str":"a"}]\n', /line 1: not a score record/],
      ['{"arch_str":5}\n', /line 1: not a score record/],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x0a, 0x00]), /not UTF-8 text/],
      [Buffer.from("SQLite format 3\0\x10\x00\n\x01\x01", "latin1"), /line 1 is not valid JSON/],
    ];
    cases.forEach(([content, message], i) => {
      const file = join(dir, `f${i}`);
      writeFileSync(file, content);
      const before = readFileSync(file);
      assert.throws(() => new JsonlWriter(file, SCORES_FILE), message, String(content));
      assert.throws(() => readJsonl(file, SCORES_FILE), message);
      assert.deepEqual(readFileSync(file), before, `unchanged: ${String(content)}`);
    });
  });

  it("refuses directories, FIFOs and missing directories without blocking or creating anything", () => {
    const dir = fresh();
    mkdirSync(join(dir, "d"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    symlinkSync("nowhere", join(dir, "dangling"));
    assert.throws(() => new JsonlWriter(join(dir, "d")), /d: is a directory/);
    assert.throws(() => readJsonl(join(dir, "fifo")), /fifo: is not a regular file/);
    assert.throws(() => new JsonlWriter(join(dir, "fifo")), /fifo: is not a regular file/);
    assert.throws(() => new JsonlWriter(join(dir, "dangling")), /dangling symbolic link/);
    assert.throws(() => new JsonlWriter(join(dir, "no", "s.jsonl")), /directory .*no does not exist/);
    assert.deepEqual(readJsonl(join(dir, "missing.jsonl")), []);
  });
});
