// Hostile command lines for score, correlate, info, export, plot, spaces and train: every one must end
// in one error line, a non-zero exit, and its directory untouched (see hostileCases.ts). More cases
// (search, study, worker) can be added from other files with runHostileCases.
import { linkSync } from "node:fs";
import { join } from "node:path";
import { files, type HostileCase, runHostileCases, SQLITE_BYTES } from "./hostileCases.js";

const A = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const B = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|";
const C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";

const line = (r: Record<string, unknown>) => `${JSON.stringify(r)}\n`;
const TABLE = `arch_str,acc,params_c10_M\n${A},93.1,0.8\n${B},80.2,0.1\n${C},10,0.07\n`;
const SCORES = [A, B, C]
  .map((a, i) => line({ arch_str: a, metric: "zero-cost", seed: 0, naswot: 3 - i }))
  .join("");
const NON_UTF8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]);
const BINARY = Buffer.from([0x00, 0x01, 0x02, 0x89, 0x50, 0x4e, 0x47, 0x0a, 0x00, 0xff]);
/** A space file: a tiny declarative CNN (examples/spaces/tiny-cnn.json). */
const SPACE_FILE = "$REPO/examples/spaces/tiny-cnn.json";

const scoreCmd = (...rest: string[]) => ["score", "--metric", "params", "--arch", A, ...rest];
const withOut = (...rest: string[]) => scoreCmd("--out", "s.jsonl", ...rest);
const corr = (...rest: string[]) => [
  "correlate",
  "--table",
  "t.csv",
  "--scores",
  "s.jsonl",
  "--target",
  "acc",
  ...rest,
];
const corrFiles = (scores: string | Uint8Array, table: string | Uint8Array = TABLE, extra = {}) =>
  files({ "t.csv": table, "s.jsonl": scores, ...extra });
/** `plot scatter` on s.jsonl and t.csv (naswot against acc); `with` replaces those flags' values. */
const scatterWith = (flags: Readonly<Record<string, string>>, ...rest: string[]) => [
  "plot",
  "scatter",
  ...Object.entries({
    "--scores": "s.jsonl",
    "--table": "t.csv",
    "--metric": "naswot",
    "--column": "acc",
    ...flags,
  }).flat(),
  ...rest,
];
const scatter = (...rest: string[]) => scatterWith({}, ...rest);
const exportCmd = (...rest: string[]) => ["export", "--arch", A, ...rest];
const trainCmd = (...rest: string[]) => [
  "train",
  "--arch",
  A,
  "--epochs",
  "1",
  "--out",
  "run.jsonl",
  ...rest,
];

/** Integer flags: the same refusals for each. */
const badIntegers = (
  build: (value: string) => string[],
  values: readonly string[],
  message: RegExp,
): HostileCase[] => values.map((value) => ({ args: build(value), error: message }));

const POSITIVE = /needs a positive integer ≤ 2\^53 − 1, got/;
const NON_NEGATIVE = /needs an integer in \[0, 2\^53 − 1\], got/;

const score: HostileCase[] = [
  ...badIntegers(
    (v) => ["score", "--metric", "params", "--sample", v, "--out", "s.jsonl"],
    ["0", "-1", "1.5", "abc", "", "1e3", "0x10", " 7", "9007199254740993"],
    POSITIVE,
  ),
  ...badIntegers(
    (v) => withOut("--seed", v),
    ["-1", "1.5", "9007199254740993", "1e400", "NaN"],
    NON_NEGATIVE,
  ),
  ...badIntegers((v) => withOut("--data-seed", v), ["-3", "x"], NON_NEGATIVE),
  ...badIntegers((v) => withOut("--threads", v), ["0", "99999999999999999999"], POSITIVE),
  // 100000 ONNX Runtime threads grew past 4 GB without ever starting.
  {
    args: withOut("--threads", "100000"),
    error: /^--threads 100000: at most \d+ \(4 per core\) on this machine$/,
  },
  {
    args: ["score", "--metric", "nngp", "--arch", A, "--out", "s.jsonl", "--ensemble", "0"],
    error: /--ensemble needs a positive integer/,
  },
  {
    args: ["score", "--metric", "nngp", "--arch", A, "--out", "s.jsonl", "--n-train", "0"],
    error: /--n-train needs a positive integer/,
  },
  {
    args: ["score", "--metric", "nngp", "--arch", A, "--out", "s.jsonl", "--batch-size", "-4"],
    error: /--batch-size needs a positive integer/,
  },
  // Defect 4: used to crash with a TypeError and poison the results file.
  {
    args: ["score", "--metric", "nngp", "--arch", A, "--out", "s.jsonl", "--n-val", "1"],
    error: /^--n-val 1: must be an integer ≥ 2$/,
  },
  { args: withOut("--seed", "1", "--seed", "2"), error: /^--seed is given more than once$/ },
  { args: withOut("--space", "nb201", "--space", "nb201"), error: /--space is given more than once/ },
  {
    args: ["score", "--metric", "params", "--arch", A, "--sample", "3", "--out", "s.jsonl"],
    error: /exactly one of --arch, --sample or --all/,
  },
  {
    args: ["score", "--metric", "params", "--out", "s.jsonl"],
    error: /exactly one of --arch, --sample or --all/,
  },
  {
    args: ["score", "--metric", "params", "--all", "--sample", "2", "--out", "s.jsonl"],
    error: /exactly one of/,
  },
  {
    args: ["score", "--metric", "params", "--sample", "20000", "--out", "s.jsonl"],
    error: /--sample 20000 exceeds the space's 15625/,
  },
  {
    args: ["score", "--metric", "params", "--arch", "|nor_conv_3x3~0|+|none~0|", "--out", "s.jsonl"],
    error: /invalid NB201 arch string/,
  },
  { args: ["score", "--metric", "params", "--arch", "", "--out", "s.jsonl"], error: /arch/i },
  {
    args: ["score", "--metric", "params", "--arch", A, "bogus", "--out", "s.jsonl"],
    error: /invalid NB201 arch string "bogus"/,
  },
  { args: ["score", "--arch", A, "--out", "s.jsonl", "--metric", ""], error: /--metric is empty/ },
  { args: ["score", "--arch", A, "--out", "s.jsonl", "--metric", ",,"], error: /--metric is empty/ },
  {
    args: ["score", "--arch", A, "--out", "s.jsonl", "--metric", "naswot,naswot"],
    error: /--metric repeats a metric/,
  },
  { args: ["score", "--arch", A, "--out", "s.jsonl", "--metric", "bogus"], error: /unknown metric "bogus"/ },
  {
    args: ["score", "--arch", A, "--out", "s.jsonl", "--metric", "NASWOT"],
    error: /unknown metric "NASWOT"/,
  },
  // Defect 7: option values checked by each metric's schema.
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.batchSize=0", "--arch", A, "--out", "s.jsonl"],
    error: /^--set ntk\.batchSize=0: must be an integer ≥ 1$/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.batchSize=-5", "--arch", A, "--out", "s.jsonl"],
    error: /ntk\.batchSize=-5: must be an integer ≥ 1/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.batchSize=1.5", "--arch", A, "--out", "s.jsonl"],
    error: /ntk\.batchSize=1\.5: must be an integer ≥ 1/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.batchSize=abc", "--arch", A, "--out", "s.jsonl"],
    error: /ntk\.batchSize=abc: must be an integer/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.batchSize=Infinity", "--arch", A, "--out", "s.jsonl"],
    error: /must be an integer/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.batchSize=", "--arch", A, "--out", "s.jsonl"],
    error: /--set expects name\.option=value/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "garbage", "--arch", A, "--out", "s.jsonl"],
    error: /--set expects name\.option=value, got "garbage"/,
  },
  {
    args: ["score", "--metric", "ntk", "--set", "ntk.bogus=1", "--arch", A, "--out", "s.jsonl"],
    error: /ntk has no option bogus/,
  },
  {
    args: ["score", "--metric", "naswot", "--set", "naswot.init=kaiming", "--arch", A, "--out", "s.jsonl"],
    error: /naswot\.init=kaiming: must be one of/,
  },
  {
    args: ["score", "--metric", "naswot", "--set", "nngp.nTrain=10", "--arch", A, "--out", "s.jsonl"],
    error: /metric nngp is not in --metric/,
  },
  {
    args: ["score", "--metric", "nngp", "--set", "nngp.epsilons=-1,2", "--arch", A, "--out", "s.jsonl"],
    error: /nngp\.epsilons=-1,2: must be a non-empty comma-separated list/,
  },
  {
    args: ["score", "--metric", "nngp", "--set", "nngp.epsilons=a,b", "--arch", A, "--out", "s.jsonl"],
    error: /nngp\.epsilons=a,b: must be/,
  },
  {
    args: ["score", "--metric", "nngp", "--set", "nngp.bnMomentum=2", "--arch", A, "--out", "s.jsonl"],
    error: /bnMomentum=2: must be a number in \[0, 1\]/,
  },
  {
    args: ["score", "--metric", "nngp", "--init", "bogus", "--arch", A, "--out", "s.jsonl"],
    error: /--init bogus: must be one of/,
  },
  {
    args: ["score", "--metric", "nngp", "--bn", "bogus", "--arch", A, "--out", "s.jsonl"],
    error: /--bn bogus: must be one of reference, train/,
  },
  {
    args: ["score", "--metric", "nngp", "--preset", "bogus", "--arch", A, "--out", "s.jsonl"],
    error: /unknown preset "bogus"/,
  },
  // Defect 7: NNGP flags are refused, not ignored, when no NNGP is scored.
  { args: withOut("--init", "bogus"), error: /--init: NNGP options, but --metric has no nngp/ },
  { args: withOut("--preset", "bogus"), error: /--preset: NNGP options, but --metric has no nngp/ },
  { args: withOut("--n-train", "10"), error: /--n-train: NNGP options, but --metric has no nngp/ },
  { args: scoreCmd("--out", "s.jsonl", "--space", "nb999"), error: /unknown search space "nb999"/ },
  { args: scoreCmd("--out", "s.jsonl", "--space", "missing.json"), error: /missing\.json/ },
  {
    args: scoreCmd("--out", "s.jsonl", "--space", "d.json"),
    setup: files({ "d.json": { dir: {} } }),
    error: /d\.json/,
  },
  {
    args: scoreCmd("--out", "s.jsonl", "--space", "e.json"),
    setup: files({ "e.json": "" }),
    error: /e\.json/,
  },
  { args: scoreCmd("--out", "s.jsonl", "--data", "nowhere-data"), error: /unknown dataset "nowhere-data"/ },
  { args: scoreCmd("--out", "s.jsonl", "--data", "cifar10:missing-dir"), error: /missing-dir/ },
  {
    args: scoreCmd("--out", "s.jsonl", "--data", "fashion-mnist:empty"),
    setup: files({ empty: { dir: {} } }),
    error: /empty/,
  },
  // Defect 1 and 8: --out must be a scores file (or new), a regular file, in an existing directory.
  { args: scoreCmd("--out", ""), error: /--out/ },
  {
    args: scoreCmd("--out", "d"),
    setup: files({ d: { dir: {} } }),
    error: /^--out d: is a directory; refusing to replace it$/,
  },
  { args: scoreCmd("--out", "d/"), setup: files({ d: { dir: {} } }), error: /--out d\/: names a directory/ },
  {
    args: scoreCmd("--out", "missing/s.jsonl"),
    error: /^--out missing\/s\.jsonl: directory missing does not exist$/,
  },
  { args: scoreCmd("--out", "f/s.jsonl"), setup: files({ f: "x" }), error: /f is not a directory/ },
  // A device of the case's own, not /dev/null: a regression would replace that for the whole machine.
  {
    args: scoreCmd("--out", "null"),
    setup: files({ null: { nullDevice: true } }),
    error: /^--out null: is a character device; refusing to replace it$/,
  },
  { args: scoreCmd("--out", "fifo"), setup: files({ fifo: { fifo: true } }), error: /--out fifo: is a FIFO/ },
  {
    args: scoreCmd("--out", "dangling"),
    setup: files({ dangling: { link: "nowhere.jsonl" } }),
    error: /dangling symbolic link/,
  },
  {
    args: scoreCmd("--out", "tofifo"),
    setup: files({ fifo: { fifo: true }, tofifo: { link: "fifo" } }),
    error: /links to something that is not a regular file/,
  },
  {
    args: scoreCmd("--out", "notes.txt"),
    setup: files({ "notes.txt": "hello\nworld" }),
    error: /notes\.txt: line 1 is not valid JSON; is it a nasprobe scores file\?/,
  },
  {
    args: scoreCmd("--out", "one.txt"),
    setup: files({ "one.txt": "hello" }),
    error: /one\.txt: line 1 is not valid JSON/,
  },
  {
    args: scoreCmd("--out", "obj.jsonl"),
    setup: files({ "obj.jsonl": '{"a":1}\n{"b":2}' }),
    error: /obj\.jsonl: line 1: not a score record/,
  },
  {
    args: scoreCmd("--out", "null.jsonl"),
    setup: files({ "null.jsonl": "null\n" }),
    error: /null\.jsonl: line 1: not a score record/,
  },
  {
    args: scoreCmd("--out", "arr.jsonl"),
    setup: files({ "arr.jsonl": "[1,2]\n" }),
    error: /line 1: not a score record/,
  },
  {
    args: scoreCmd("--out", "num.jsonl"),
    setup: files({ "num.jsonl": `${line({ arch_str: A })}5\n` }),
    error: /num\.jsonl: line 2: not a score record/,
  },
  {
    args: scoreCmd("--out", "bad.jsonl"),
    setup: files({ "bad.jsonl": `${line({ arch_str: A })}{oops}\n${line({ arch_str: B })}` }),
    error: /bad\.jsonl: line 2 is not valid JSON/,
  },
  {
    args: scoreCmd("--out", "bin.dat"),
    setup: files({ "bin.dat": BINARY }),
    error: /bin\.dat: (not UTF-8 text|line 1 is not valid JSON)/,
  },
  {
    args: scoreCmd("--out", "latin.jsonl"),
    setup: files({ "latin.jsonl": NON_UTF8 }),
    error: /latin\.jsonl: not UTF-8 text/,
  },
  {
    args: scoreCmd("--out", "study.db"),
    setup: files({ "study.db": SQLITE_BYTES }),
    error: /study\.db: is a SQLite database/,
  },
  {
    args: scoreCmd("--out", "space.json", "--space", "space.json"),
    setup: files({ "space.json": '{"name":"x"}\n' }),
    error: /space\.json/,
  },
  { args: scoreCmd("--bogus", "--out", "s.jsonl"), error: /unknown option '--bogus'/ },
  { args: scoreCmd(), error: /required option '--out <file\.jsonl>' not specified/ },
  { args: ["score", "stray", "--out", "s.jsonl"], error: /too many arguments|unknown command/ },
];

const correlate: HostileCase[] = [
  { args: ["correlate", "--scores", "s.jsonl", "--target", "acc"], error: /required option '--table/ },
  { args: ["correlate", "--table", "t.csv", "--target", "acc"], error: /required option '--scores/ },
  { args: ["correlate", "--table", "t.csv", "--scores", "s.jsonl"], error: /required option '--target/ },
  { args: corr(), setup: files({ "s.jsonl": SCORES }), error: /^benchmark table t\.csv: file not found$/ },
  {
    args: corr(),
    setup: corrFiles(SCORES, { dir: {} } as never),
    error: /^benchmark table t\.csv: is a directory, not a file$/,
  },
  {
    args: corr(),
    setup: files({ "t.csv": { fifo: true }, "s.jsonl": SCORES }),
    error: /benchmark table t\.csv: is not a regular file/,
  },
  { args: corr(), setup: corrFiles(SCORES, ""), error: /benchmark table t\.csv: file is empty/ },
  { args: corr(), setup: corrFiles(SCORES, BINARY), error: /benchmark table t\.csv/ },
  {
    args: corr(),
    setup: corrFiles(SCORES, "name,acc\nx,1\n"),
    error: /benchmark table t\.csv: no "arch_str" column/,
  },
  {
    args: corr(),
    setup: corrFiles(SCORES, `arch_str,acc\n${A},1\n${A},2\n`),
    error: /t\.csv: line 3: duplicate arch_str/,
  },
  { args: corr(), setup: corrFiles(SCORES, `arch_str,other\n${A},1\n`), error: /t\.csv: no "acc" column/ },
  {
    args: corr(),
    setup: corrFiles(SCORES, `arch_str,acc\n${A},high\n`),
    error: /t\.csv: line 2, column "acc": not a number: "high"/,
  },
  { args: corr(), setup: corrFiles(SCORES, `arch_str,acc\n${A},1,2\n`), error: /t\.csv: line 2 has 3 cells/ },
  {
    args: corr(),
    setup: corrFiles(SCORES, 'arch_str,acc\n"unclosed,1\n'),
    error: /t\.csv: CSV syntax error/,
  },
  { args: corr(), setup: files({ "t.csv": TABLE }), error: /^scores file s\.jsonl: file not found$/ },
  { args: corr(), setup: corrFiles({ dir: {} } as never), error: /scores file s\.jsonl: is a directory/ },
  {
    args: corr(),
    setup: files({ "t.csv": TABLE, "s.jsonl": { fifo: true } }),
    error: /scores file s\.jsonl: is not a regular file/,
  },
  { args: corr(), setup: corrFiles(""), error: /^s\.jsonl holds no scores$/ },
  { args: corr(), setup: corrFiles("\n\n  \n"), error: /s\.jsonl holds no scores/ },
  {
    args: corr(),
    setup: corrFiles(TABLE),
    error: /s\.jsonl: line 1 is not valid JSON; is it a nasprobe scores file\?/,
  },
  { args: corr(), setup: corrFiles("null\n"), error: /s\.jsonl: line 1: not a score record/ },
  { args: corr(), setup: corrFiles(BINARY), error: /s\.jsonl: (not UTF-8 text|line 1 is not valid JSON)/ },
  { args: corr(), setup: corrFiles(NON_UTF8), error: /s\.jsonl: not UTF-8 text/ },
  { args: corr(), setup: corrFiles(line({ naswot: 1 })), error: /s\.jsonl: line 1: not a score record/ },
  {
    args: corr(),
    setup: corrFiles('{"arch_str":"|nor'),
    error: /^s\.jsonl holds no scores \(its line 1 is torn\)$/,
    name: "correlate: only a torn line",
  },
  // Defect 5: a forged or second-seed line of the same architecture is refused, naming both lines.
  {
    name: "correlate: two seeds of one architecture",
    args: corr(),
    setup: corrFiles(SCORES + line({ arch_str: A, metric: "zero-cost", seed: 1, naswot: -5 })),
    error:
      /^s\.jsonl: line 4: a second, different "naswot" for .* \(-5, but 3 on line 1: seed 1 vs 0; pass --seed to pick one\)$/,
  },
  {
    name: "correlate: forged lines first",
    args: corr(),
    setup: corrFiles(line({ arch_str: C, metric: "zero-cost", seed: 0, naswot: 9 }) + SCORES),
    error: /s\.jsonl: line 4: a second, different "naswot" .* on line 1: same seed and settings/,
  },
  {
    name: "correlate: other settings for one architecture",
    args: corr(),
    setup: corrFiles(
      line({ arch_str: A, metric: "nngp", seed: 0, settings: { n_train: 40 }, score: 0.2 }) +
        line({ arch_str: A, metric: "nngp", seed: 0, settings: { n_train: 80 }, score: 0.3 }),
    ),
    error: /line 2: a second, different "score" .*other settings/,
  },
  {
    args: corr("--seed", "7"),
    setup: corrFiles(SCORES),
    error: /^s\.jsonl: no records with seed 7 \(3 of other seeds\)$/,
  },
  { args: corr("--seed", "-1"), setup: corrFiles(SCORES), error: NON_NEGATIVE },
  {
    args: corr("--seed", "0", "--seed", "0"),
    setup: corrFiles(SCORES),
    error: /--seed is given more than once/,
  },
  {
    args: corr(),
    setup: corrFiles(line({ arch_str: A, naswot: "high" }) + line({ arch_str: B, naswot: 1 })),
    error: /^s\.jsonl: line 1: "naswot" is not a number: "high"$/,
  },
  {
    args: corr(),
    setup: corrFiles(line({ arch_str: "zzz", naswot: 1 })),
    error: /^none of the 1 architectures of s\.jsonl is in the table t\.csv$/,
  },
  {
    args: corr(),
    setup: corrFiles(line({ arch_str: A }) + line({ arch_str: B })),
    error: /s\.jsonl: no metric values found; name them with --field/,
  },
  {
    args: corr("--field", "arch_str"),
    setup: corrFiles(SCORES),
    error: /--field arch_str: not a score value/,
  },
  { args: corr("--field", "seed"), setup: corrFiles(SCORES), error: /--field seed: not a score value/ },
  { args: corr("--field", "nope"), setup: corrFiles(SCORES), error: /s\.jsonl: no "nope" values/ },
  { args: corr("--field", ""), setup: corrFiles(SCORES), error: /--field: an empty name/ },
  { args: corr("--field", "naswot", "naswot"), setup: corrFiles(SCORES), error: /--field repeats a name/ },
  { args: corr("--target", ""), setup: corrFiles(SCORES), error: /--target is empty|--target/ },
  { args: corr("--table", "t.csv"), setup: corrFiles(SCORES), error: /--table is given more than once/ },
  {
    args: corr("--only-archs-in", "o.jsonl"),
    setup: corrFiles(SCORES),
    error: /^--only-archs-in file o\.jsonl: file not found$/,
  },
  {
    args: corr("--only-archs-in", "o.jsonl"),
    setup: corrFiles(SCORES, TABLE, { "o.jsonl": "" }),
    error: /--only-archs-in o\.jsonl holds no architectures/,
  },
  {
    args: corr("--only-archs-in", "o.jsonl"),
    setup: corrFiles(SCORES, TABLE, { "o.jsonl": line({ arch_str: "zzz" }) }),
    error: /^none of the architectures of s\.jsonl is in --only-archs-in o\.jsonl$/,
  },
  {
    args: corr("--only-archs-in", "o.jsonl"),
    setup: corrFiles(SCORES, TABLE, { "o.jsonl": "x,y\n" }),
    error: /^o\.jsonl: line 1 is not valid JSON/,
  },
  {
    args: corr("--only-archs-in", "t.csv"),
    setup: corrFiles(SCORES),
    error: /^t\.csv: line 1 is not valid JSON/,
  },
  { args: corr("extra"), setup: corrFiles(SCORES), error: /too many arguments/ },
  {
    args: corr("--lower-is-better=yes"),
    setup: corrFiles(SCORES),
    error: /does not take an argument|unknown option/,
  },
];

const info: HostileCase[] = [
  { args: ["info"], error: /info needs exactly one of --arch, --all, --sample or --count/ },
  { args: ["info", "--all", "--count"], error: /exactly one of/ },
  { args: ["info", "--arch", A, "--sample", "2"], error: /exactly one of/ },
  {
    args: ["info", "--arch", "|nor_conv_3x3~0|+|none~0|"],
    error: /invalid NB201 arch string .*3 node groups/,
  },
  { args: ["info", "--arch", A, "nonsense"], error: /invalid NB201 arch string "nonsense"/ },
  { args: ["info", "--space", "nb999", "--all"], error: /unknown search space "nb999"/ },
  { args: ["info", "--space", "", "--all"], error: /search space|space/ },
  { args: ["info", "--all", "--format", "xml"], error: /--format must be csv or json, got "xml"/ },
  {
    args: ["info", "--all", "--format", "csv", "--format", "json"],
    error: /--format is given more than once/,
  },
  { args: ["info", "--sample", "0"], error: POSITIVE },
  { args: ["info", "--sample", "-2"], error: POSITIVE },
  { args: ["info", "--sample", "3", "--seed", "9007199254740993"], error: NON_NEGATIVE },
  { args: ["info", "--count", "--seed", "x"], error: NON_NEGATIVE },
  { args: ["info", "--arch", A, "--input-shape", "0,32,32"], error: /--input-shape needs C,H,W/ },
  { args: ["info", "--arch", A, "--input-shape", "a,b,c"], error: /--input-shape needs C,H,W/ },
  { args: ["info", "--arch", A, "--input-shape", "1,2,3,4"], error: /--input-shape needs C,H,W/ },
  { args: ["info", "--arch", A, "--input-shape", "3,1e9,32"], error: /--input-shape needs C,H,W/ },
  { args: ["info", "--arch", A, "--classes", "0"], error: POSITIVE },
  { args: ["info", "--arch", A, "--classes", "2.5"], error: POSITIVE },
  { args: ["info", "--space", "missing.json", "--count"], error: /missing\.json/ },
  {
    args: ["info", "--space", "d.json", "--count"],
    setup: files({ "d.json": { dir: {} } }),
    error: /d\.json/,
  },
  {
    args: ["info", "--space", "bad.json", "--count"],
    setup: files({ "bad.json": "{oops" }),
    error: /bad\.json/,
  },
  {
    args: ["info", "--space", "s.txt", "--count"],
    setup: files({ "s.txt": "nb201" }),
    error: /s\.txt|unknown search space/,
  },
  {
    args: ["info", "--space", "nb101", "--arch", "ff92c322c5d9d3d587d9c146a63d0808"],
    error: /ff92c322c5d9d3d587d9c146a63d0808|hash/,
  },
  {
    args: ["info", "--space", "nb101", "--arch", '{"matrix":[[0,1],[0,0]]'],
    error: /NB101|nb101|JSON|arch/i,
  },
  { args: ["info", "--space", "nbmacro", "--arch", "9999"], error: /nbmacro|NAS-Bench-Macro|arch/i },
  { args: ["info", "--space", "nb201:cells=0", "--count"], error: /cells/ },
  { args: ["info", "--space", "mlp:bogus=1", "--count"], error: /bogus/ },
  { args: ["info", "extra", "--all"], error: /too many arguments/ },
];

const exportCases: HostileCase[] = [
  { args: ["export", "--out", "m.onnx"], error: /required option '--arch <string>' not specified/ },
  { args: ["export", "--arch", A], error: /required option '--out <file\.onnx>' not specified/ },
  // Defect 2: the atomic write refuses what a rename would destroy, before any work.
  {
    args: exportCmd("--out", "d"),
    setup: files({ d: { dir: {} } }),
    error: /^--out d: is a directory; refusing to replace it$/,
  },
  {
    args: exportCmd("--out", "d/"),
    setup: files({ d: { dir: {} } }),
    error: /names a directory, not a file/,
  },
  {
    args: exportCmd("--out", "missing/m.onnx"),
    error: /^--out missing\/m\.onnx: directory missing does not exist$/,
  },
  {
    args: exportCmd("--out", "null"),
    setup: files({ null: { nullDevice: true } }),
    error: /^--out null: is a character device; refusing to replace it$/,
  },
  {
    args: exportCmd("--out", "fifo"),
    setup: files({ fifo: { fifo: true } }),
    error: /--out fifo: is a FIFO/,
  },
  {
    args: exportCmd("--out", "link.onnx"),
    setup: files({ "target.onnx": "old", "link.onnx": { link: "target.onnx" } }),
    error: /--out link\.onnx: is a symbolic link; refusing to replace it/,
  },
  {
    args: exportCmd("--out", "dangling.onnx"),
    setup: files({ "dangling.onnx": { link: "none.onnx" } }),
    error: /is a symbolic link/,
  },
  {
    args: exportCmd("--out", "study.db"),
    setup: files({ "study.db": SQLITE_BYTES }),
    error: /^--out study\.db: is a SQLite database \(a study\?\); refusing to overwrite it$/,
  },
  {
    args: exportCmd("--out", "space.json", "--space", "space.json"),
    setup: files({ "space.json": '{"name":"x"}\n' }),
    error: /^--out space\.json: is an input of this command/,
  },
  {
    args: exportCmd("--out", "./space.json", "--space", "space.json"),
    setup: files({ "space.json": "{}\n" }),
    error: /is an input of this command|same file as the input/,
  },
  { args: exportCmd("--out", ""), error: /--out: empty file name/ },
  { args: exportCmd("--out", "m.onnx", "--init", "bogus"), error: /unknown --init "bogus"/ },
  { args: exportCmd("--out", "m.onnx", "--classes", "0"), error: POSITIVE },
  {
    args: exportCmd("--out", "m.onnx", "--classes", "1000000000"),
    error: /--classes 1000000000: at most 100000/,
  },
  { args: exportCmd("--out", "m.onnx", "--input-shape", "3,0,0"), error: /--input-shape needs C,H,W/ },
  { args: exportCmd("--out", "m.onnx", "--seed", "-1"), error: NON_NEGATIVE },
  { args: exportCmd("--out", "m.onnx", "--seed", "9007199254740993"), error: NON_NEGATIVE },
  { args: ["export", "--arch", "bogus", "--out", "m.onnx"], error: /invalid NB201 arch string "bogus"/ },
  { args: exportCmd("--out", "m.onnx", "--arch", A), error: /--arch is given more than once/ },
  { args: exportCmd("--out", "a.onnx", "--out", "b.onnx"), error: /--out is given more than once/ },
  { args: exportCmd("--out", "m.onnx", "--space", "nb999"), error: /unknown search space "nb999"/ },
  { args: exportCmd("--out", "m.onnx", "--space", SPACE_FILE, "--arch", "nonsense"), error: /nonsense|arch/ },
];

const PLOT_SETUP = corrFiles(SCORES);
const plot: HostileCase[] = [
  // Defect 3: --width 100000 grew to 24 GB before the OOM killer ended it.
  {
    args: scatter("--out", "p.png", "--width", "100000"),
    setup: PLOT_SETUP,
    error: /^--width must be an integer in \[100, 10000\] px, got 100000$/,
  },
  {
    args: scatter("--out", "p.png", "--width", "99"),
    setup: PLOT_SETUP,
    error: /--width must be an integer in \[100, 10000\]/,
  },
  {
    args: scatter("--out", "p.png", "--width", "10000"),
    setup: PLOT_SETUP,
    error: /PNG of 10000×\d+ px is too large/,
  },
  { args: scatter("--out", "p.png", "--width", "0"), setup: PLOT_SETUP, error: POSITIVE },
  { args: scatter("--out", "p.png", "--width", "1.5"), setup: PLOT_SETUP, error: POSITIVE },
  { args: scatter("--out", "p.png", "--width", "99999999999999999999"), setup: PLOT_SETUP, error: POSITIVE },
  {
    args: scatter("--out", "p.png", "--width", "300", "--width", "400"),
    setup: PLOT_SETUP,
    error: /--width is given more than once/,
  },
  {
    args: scatter("--out", "p.jpg"),
    setup: PLOT_SETUP,
    error: /^plot output p\.jpg: unknown extension "\.jpg" \(use \.svg or \.png\)$/,
  },
  { args: scatter("--out", "noext"), setup: PLOT_SETUP, error: /unknown extension ""/ },
  {
    args: scatter("--out", "d.png"),
    setup: corrFiles(SCORES, TABLE, { "d.png": { dir: {} } }),
    error: /^plot output d\.png: is a directory; refusing to replace it$/,
  },
  {
    args: scatter("--out", "missing/p.svg"),
    setup: PLOT_SETUP,
    error: /^plot output missing\/p\.svg: directory missing does not exist$/,
  },
  {
    args: scatter("--out", "f.svg"),
    setup: corrFiles(SCORES, TABLE, { "f.svg": { fifo: true } }),
    error: /plot output f\.svg: is a FIFO/,
  },
  {
    args: scatter("--out", "l.svg"),
    setup: corrFiles(SCORES, TABLE, { "x.svg": "old", "l.svg": { link: "x.svg" } }),
    error: /plot output l\.svg: is a symbolic link/,
  },
  {
    args: scatter("--out", "study.png"),
    setup: corrFiles(SCORES, TABLE, { "study.png": SQLITE_BYTES }),
    error: /plot output study\.png: is a SQLite database/,
  },
  {
    name: "plot scatter: --out is the scores file",
    args: [
      "plot",
      "scatter",
      "--scores",
      "s.svg",
      "--table",
      "t.csv",
      "--metric",
      "naswot",
      "--column",
      "acc",
      "--out",
      "s.svg",
    ],
    setup: files({ "s.svg": SCORES, "t.csv": TABLE }),
    error: /^plot output s\.svg: is an input of this command; refusing to overwrite it$/,
  },
  {
    name: "plot scatter: --out is a hard link of the table",
    args: scatter("--out", "t.png"),
    setup: (dir) => {
      PLOT_SETUP(dir);
      linkSync(join(dir, "t.csv"), join(dir, "t.png")); // a second name for the table
    },
    error: /plot output t\.png: is the same file as the input t\.csv/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: files({ "t.csv": TABLE }),
    error: /^scores file s\.jsonl: file not found$/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: corrFiles({ dir: {} } as never),
    error: /scores file s\.jsonl: is a directory/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: files({ "t.csv": TABLE, "s.jsonl": { fifo: true } }),
    error: /scores file s\.jsonl: is not a regular file/,
  },
  { args: scatter("--out", "p.svg"), setup: corrFiles(""), error: /^s\.jsonl holds no scores$/ },
  { args: scatter("--out", "p.svg"), setup: corrFiles(TABLE), error: /s\.jsonl: line 1 is not valid JSON/ },
  { args: scatter("--out", "p.svg"), setup: corrFiles(NON_UTF8), error: /not UTF-8 text/ },
  {
    args: scatter("--out", "p.svg"),
    setup: corrFiles(SCORES + line({ arch_str: B, metric: "zero-cost", seed: 3, naswot: 99 })),
    error: /s\.jsonl: line 4: a second, different "naswot" .*seed 3 vs 0/,
    name: "plot scatter: two seeds of one architecture",
  },
  { args: scatter("--out", "p.svg", "--seed", "4"), setup: PLOT_SETUP, error: /no records with seed 4/ },
  {
    args: scatter("--out", "p.svg"),
    setup: files({ "s.jsonl": SCORES }),
    error: /^benchmark table t\.csv: file not found$/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: corrFiles(SCORES, { dir: {} } as never),
    error: /benchmark table t\.csv: is a directory/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: files({ "s.jsonl": SCORES, "t.csv": { fifo: true } }),
    error: /benchmark table t\.csv: is not a regular file/,
  },
  {
    args: scatterWith({ "--column": "nope" }, "--out", "p.svg"),
    setup: PLOT_SETUP,
    error: /no "nope" column/,
  },
  {
    args: scatterWith({ "--metric": "zen" }, "--out", "p.svg"),
    setup: PLOT_SETUP,
    error: /s\.jsonl: no "zen" values \(found: naswot\)/,
  },
  {
    args: scatterWith({ "--metric": "arch_str" }, "--out", "p.svg"),
    setup: PLOT_SETUP,
    error: /"arch_str" is not a metric value/,
  },
  {
    args: scatterWith({ "--metric": "seed" }, "--out", "p.svg"),
    setup: PLOT_SETUP,
    error: /"seed" is not a metric value/,
  },
  {
    args: scatter("--out", "p.svg", "--x-scale", "sqrt"),
    setup: PLOT_SETUP,
    error: /--x-scale must be auto, linear or log, got "sqrt"/,
  },
  {
    args: scatter("--out", "p.svg", "--space", "nb999"),
    setup: PLOT_SETUP,
    error: /unknown search space "nb999"/,
  },
  {
    args: [
      "plot",
      "scatter",
      "--scores",
      "s.jsonl",
      "--space",
      "nb101",
      "--metric",
      "naswot",
      "--out",
      "p.svg",
    ],
    setup: PLOT_SETUP,
    error: /space nb101 has no benchmark columns: pass --column/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: corrFiles(line({ arch_str: "zzz", naswot: 1 })),
    error: /none of its 1 architectures with "naswot" is in t\.csv/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: corrFiles(line({ arch_str: A, naswot: 1 }) + line({ arch_str: B, naswot: null })),
    error: /fewer than 2 architectures with a finite "naswot" value/,
  },
  {
    args: scatter("--out", "p.svg"),
    setup: corrFiles(line({ arch_str: A, naswot: "x" }) + line({ arch_str: B, naswot: 1 })),
    error: /field "naswot" of .* is not a number: "x"/,
  },
  {
    args: ["plot", "scatter", "--scores", "s.jsonl", "--metric", "naswot"],
    setup: PLOT_SETUP,
    error: /required option '--out <file>' not specified/,
  },
  { args: ["plot", "bogus"], error: /unknown command 'bogus'|too many arguments/ },
];

const spaces: HostileCase[] = [
  { args: ["spaces", "--format", "xml"], error: /^--format must be text or json, got "xml"$/ },
  { args: ["spaces", "--format", "json", "--format", "text"], error: /--format is given more than once/ },
  { args: ["spaces", "extra"], error: /too many arguments/ },
  { args: ["spaces", "--bogus"], error: /unknown option '--bogus'/ },
  { args: ["nonsense-command"], error: /unknown command 'nonsense-command'/ },
];

const train: HostileCase[] = [
  {
    args: ["train", "--arch", A, "--out", "run.jsonl"],
    error: /required option '--epochs <n>' not specified/,
  },
  { args: trainCmd("--epochs", "0"), error: /--epochs|given more than once/ },
  { args: ["train", "--arch", A, "--epochs", "0", "--out", "run.jsonl"], error: POSITIVE },
  { args: ["train", "--arch", A, "--epochs", "-1", "--out", "run.jsonl"], error: POSITIVE },
  { args: ["train", "--arch", A, "--epochs", "9007199254740993", "--out", "run.jsonl"], error: POSITIVE },
  { args: trainCmd("--batch-size", "0"), error: POSITIVE },
  { args: trainCmd("--seed", "-1"), error: NON_NEGATIVE },
  { args: trainCmd("--train-count", "0"), error: POSITIVE },
  { args: trainCmd("--lr", "abc"), error: /--lr/ },
  { args: trainCmd("--optimizer", "bogus"), error: /bogus/ },
  { args: trainCmd("--schedule", "bogus"), error: /bogus/ },
  { args: trainCmd("--label-smoothing", "2"), error: /label.smoothing|labelSmoothing/i },
  { args: trainCmd("--space", "nb999"), error: /unknown search space "nb999"/ },
  {
    args: ["train", "--arch", "bogus", "--epochs", "1", "--out", "run.jsonl"],
    error: /invalid NB201 arch string "bogus"/,
  },
  { args: trainCmd("--data", "nowhere-data"), error: /unknown dataset "nowhere-data"/ },
  { args: ["train", "--arch", A, "--epochs", "1", "--out", "missing/run.jsonl"], error: /missing/ },
  {
    args: ["train", "--arch", A, "--epochs", "1", "--out", "run.jsonl", "--checkpoint", "ck"],
    setup: files({ ck: "not a checkpoint" }),
    error: /ck/,
  },
];

runHostileCases([...score, ...correlate, ...info, ...exportCases, ...plot, ...spaces, ...train]);
