// Hostile command lines for search, worker and study: each ends in one error line, a non-zero exit,
// and its directory untouched — in particular a study file given to a refused command keeps every
// byte (see hostileCases.ts for the checks).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { files, type HostileCase, REPO, runHostileCases, SQLITE_BYTES } from "./hostileCases.js";

const OBJECTIVE = "table:c10valid_valid_200";

/** A real study file (five RE trials on the NB201 table), made once and copied into each case. */
const STUDY_BYTES = (() => {
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-hostile-study-"));
  const path = join(dir, "st.db");
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(REPO, "src/cli/main.ts"),
      "search",
      "--algo",
      "re",
      "--objective",
      OBJECTIVE,
      "--budget",
      "5",
      "--seed",
      "1",
      "--study",
      path,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`could not make the template study: ${r.stderr}`);
  return readFileSync(path);
})();
const withStudy = (extra: Record<string, Parameters<typeof files>[0][string]> = {}) =>
  files({ "st.db": STUDY_BYTES, ...extra });

const search = (...rest: string[]) => [
  "search",
  "--algo",
  "re",
  "--objective",
  OBJECTIVE,
  "--budget",
  "5",
  ...rest,
];
const searchIn = (...rest: string[]) => search("--study", "st.db", ...rest);
const onStudy = (setup = withStudy()) => ({ setup });

const cases: HostileCase[] = [
  // Where the study lives.
  { args: search(), error: /name the study: --study FILE, or --storage URL\|FILE --study NAME/ },
  { args: search("--study", "d"), setup: files({ d: { dir: {} } }), error: /d is not a file/ },
  {
    args: search("--study", "t.db"),
    setup: files({ "t.db": "just some text, not a database at all, long enough\n".repeat(3) }),
    error: /t\.db is not a nasprobe study store/,
  },
  {
    args: search("--study", "f.db"),
    setup: files({ "f.db": SQLITE_BYTES }),
    error: /f\.db is not a nasprobe study store/,
  },
  { args: search("--study", "fifo"), setup: files({ fifo: { fifo: true } }), error: /fifo is not a file/ },
  {
    args: search("--study", "null"),
    setup: files({ null: { nullDevice: true } }),
    error: /null is not a file/,
  },
  {
    args: search("--study", "ln"),
    setup: files({ ln: { link: "missing-dir/x.db" } }),
    error: /unable to open database|directory|ln/,
  },
  { args: search("--study", "nodir/x.db"), error: /nodir\/x\.db|unable to open|directory/ },
  {
    args: search("--storage", "postgresql://nobody@127.0.0.1:1/none", "--study", "x"),
    error: /postgresql:\/\/nobody@127\.0\.0\.1:1\/none: .*(ECONNREFUSED|connect)/,
  },
  { args: search("--storage", "postgresql://[bad", "--study", "x"), error: /postgres|Invalid URL|invalid/i },
  // Budgets and seeds.
  {
    args: ["search", "--algo", "re", "--objective", OBJECTIVE, "--study", "x.db"],
    error: /search needs --budget N \(queries\) or --cost-budget EPOCHS/,
  },
  ...["0", "-1", "1.5", "abc", "1e400", "9007199254740993"].map((b) => ({
    args: ["search", "--algo", "re", "--objective", OBJECTIVE, "--study", "x.db", "--budget", b],
    error: /--budget needs a positive integer/,
  })),
  ...["0", "-3", "2.5"].map((b) => ({
    args: ["search", "--algo", "re", "--objective", OBJECTIVE, "--study", "x.db", "--cost-budget", b],
    error: /--cost-budget needs a positive integer/,
  })),
  ...["params", "flops", "naswot", "nngp"].map((objective) => ({
    args: ["search", "--algo", "rs", "--objective", objective, "--cost-budget", "100", "--study", "x.db"],
    error: new RegExp(
      `--cost-budget counts training epochs, but ${objective} costs none per query; use --budget N`,
    ),
  })),
  ...["-1", "1.5", "9007199254740993", "x"].map((seed) => ({
    args: search("--study", "x.db", "--seed", seed),
    error: /--seed needs an integer in \[0, 2\^53 − 1\]/,
  })),
  // Algorithms, objectives, options.
  {
    args: ["search", "--algo", "bogus", "--objective", OBJECTIVE, "--budget", "3", "--study", "x.db"],
    error: /unknown algorithm "bogus"/,
  },
  {
    args: ["search", "--algo", "re", "--objective", "bogus", "--budget", "3", "--study", "x.db"],
    error: /unknown objective "bogus"/,
  },
  {
    args: ["search", "--algo", "re", "--objective", "table:", "--budget", "3", "--study", "x.db"],
    error: /names no column/,
  },
  {
    args: ["search", "--algo", "re", "--objective", "table:nope", "--budget", "3", "--study", "x.db"],
    error: /nope/,
  },
  {
    args: ["search", "--algo", "re", "--objective", "train:0", "--budget", "3", "--study", "x.db"],
    error: /needs a positive whole number of epochs/,
  },
  {
    args: ["search", "--algo", "re", "--objective", "train:1.5", "--budget", "3", "--study", "x.db"],
    error: /needs a positive whole number of epochs/,
  },
  {
    args: [
      "search",
      "--algo",
      "re",
      "--objective",
      `${OBJECTIVE},table:flops_c10_M`,
      "--budget",
      "3",
      "--study",
      "x.db",
    ],
    error: /--algo re optimises one objective; use nsga2 for 2/,
  },
  {
    args: ["search", "--algo", "nsga2", "--objective", OBJECTIVE, "--budget", "3", "--study", "x.db"],
    error: /--algo nsga2 needs at least two objectives/,
  },
  { args: search("--study", "x.db", "--space", "nb999"), error: /unknown search space "nb999"/ },
  { args: search("--study", "x.db", "--table", "missing.csv"), error: /missing\.csv/ },
  { args: search("--study", "x.db", "--table", "d"), setup: files({ d: { dir: {} } }), error: /\bd\b/ },
  { args: search("--study", "x.db", "--table", "t.csv"), setup: files({ "t.csv": "" }), error: /t\.csv/ },
  ...[
    ["re.population=0", /re\.population=0: must be an integer ≥ 1/],
    ["re.population=1.5", /re\.population=1\.5: must be an integer/],
    ["re.population=x", /re\.population=x: must be an integer/],
    ["re.sampleSize=0", /re\.sampleSize=0: must be an integer/],
    ["re.bogus=1", /re has no option bogus/],
    ["naswot.batchSize=4", /naswot is neither the algorithm nor an objective metric/],
    ["bogus.x=1", /bogus is neither the algorithm nor an objective metric/],
    ["noequals", /--set expects name\.option=value/],
    ["re.population=", /--set expects name\.option=value/],
  ].map(([item, error]) => ({
    args: searchIn("--set", item as string),
    ...onStudy(),
    error: error as RegExp,
  })),
  ...[
    ["de", "de.crossoverProbability=7", /de\.crossoverProbability=7: must be a number in \[0, 1\]/],
    ["de", "de.population=3", /de\.population=3: must be an integer ≥ 4/],
    ["de", "de.mutationFactor=0", /de\.mutationFactor=0: must be/],
    ["reinforce", "reinforce.learningRate=-1", /reinforce\.learningRate=-1: must be/],
    ["reinforce", "reinforce.baselineMomentum=1", /reinforce\.baselineMomentum=1: must be/],
    ["ls", "ls.initial=0", /ls\.initial=0: must be/],
  ].map(([algo, item, error]) => ({
    args: [
      "search",
      "--algo",
      algo as string,
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--set",
      item as string,
    ],
    error: error as RegExp,
  })),
  ...[
    ["naswot.init=kaiming", /naswot\.init=kaiming: must be one of/],
    ["naswot.batchSize=0", /naswot\.batchSize=0: must be an integer ≥ 1/],
    ["naswot.batchSize=-5", /naswot\.batchSize=-5: must be an integer ≥ 1/],
    ["naswot.batchSize=1.5", /naswot\.batchSize=1\.5: must be an integer ≥ 1/],
  ].map(([item, error]) => ({
    args: [
      "search",
      "--algo",
      "rs",
      "--objective",
      "naswot",
      "--budget",
      "3",
      "--study",
      "x.db",
      "--set",
      item as string,
    ],
    error: error as RegExp,
  })),
  ...[
    ["ntk.batchSize=0", /ntk\.batchSize=0: must be an integer/],
    ["ntk.batchSize=-5", /ntk\.batchSize=-5: must be an integer/],
    ["ntk.batchSize=1.5", /ntk\.batchSize=1\.5: must be an integer/],
  ].map(([item, error]) => ({
    args: [
      "search",
      "--algo",
      "rs",
      "--objective",
      "ntk",
      "--budget",
      "3",
      "--study",
      "x.db",
      "--set",
      item as string,
    ],
    error: error as RegExp,
  })),
  // Prefilter and TE-NAS.
  {
    args: [
      "search",
      "--algo",
      "prefilter",
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--inner",
      "bogus",
    ],
    error: /--inner must be rank, rs, re or ls/,
  },
  ...["0", "2", "-0.5", "x"].map((keep) => ({
    args: [
      "search",
      "--algo",
      "prefilter",
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--keep",
      keep,
    ],
    error: /--keep needs a fraction in \(0, 1\]/,
  })),
  {
    args: [
      "search",
      "--algo",
      "prefilter",
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--prefilter",
      OBJECTIVE,
    ],
    error: /--prefilter must be a training-free value/,
  },
  {
    args: [
      "search",
      "--algo",
      "prefilter",
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--prefilter",
      "bogus",
    ],
    error: /unknown objective "bogus"/,
  },
  {
    args: [
      "search",
      "--algo",
      "prefilter",
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--prefilter-scores",
      "none.jsonl",
    ],
    error: /--prefilter-scores: no file none\.jsonl/,
  },
  {
    args: [
      "search",
      "--algo",
      "prefilter",
      "--objective",
      OBJECTIVE,
      "--budget",
      "3",
      "--study",
      "x.db",
      "--prefilter-sample",
      "0",
    ],
    error: /--prefilter-sample needs a positive integer/,
  },
  {
    args: [
      "search",
      "--algo",
      "tenas",
      "--objective",
      "table:mean_acc",
      "--space",
      "nbmacro",
      "--study",
      "x.db",
    ],
    error: /TE-NAS is not available for space/,
  },
  // Worker settings.
  ...["0", "-1", "x"].map((h) => ({
    args: search("--study", "x.db", "--heartbeat", h),
    error: /--heartbeat needs a positive integer/,
  })),
  ...["0", "-1", "x"].map((g) => ({
    args: search("--study", "x.db", "--grace", g),
    error: /--grace needs a positive integer/,
  })),
  ...["0", "x"].map((t) => ({
    args: search("--study", "x.db", "--threads", t),
    error: /--threads needs a positive integer/,
  })),
  // An existing study with other settings is refused and keeps every byte.
  {
    args: searchIn("--seed", "2"),
    ...onStudy(),
    error: /study default in st\.db was created with other settings: seed: 1 ≠ 2/,
  },
  {
    args: [
      "search",
      "--algo",
      "rs",
      "--objective",
      OBJECTIVE,
      "--budget",
      "5",
      "--seed",
      "1",
      "--study",
      "st.db",
    ],
    ...onStudy(),
    error: /created with other settings: algo: "re" ≠ "rs"/,
  },
  {
    args: [
      "search",
      "--algo",
      "re",
      "--objective",
      "table:c10valid_valid_12",
      "--budget",
      "5",
      "--seed",
      "1",
      "--study",
      "st.db",
    ],
    ...onStudy(),
    error: /created with other settings: objectives/,
  },
  {
    args: searchIn("--seed", "1", "--set", "re.population=20"),
    ...onStudy(),
    error: /created with other settings: algoOptions\.population: 10 ≠ 20/,
  },
  // worker.
  { args: ["worker"], error: /name the study/ },
  { args: ["worker", "--study", "missing.db"], error: /no study store at missing\.db/ },
  {
    args: ["worker", "--storage", "st.db", "--study", "nope"],
    ...onStudy(),
    error: /no study nope in st\.db \(create it with nasprobe search/,
  },
  {
    args: ["worker", "--study", "t.db"],
    setup: files({
      "t.db": "not a database, just text that is long enough to fill a header page\n".repeat(2),
    }),
    error: /t\.db is not a nasprobe study store/,
  },
  {
    args: ["worker", "--study", "f.db"],
    setup: files({ "f.db": SQLITE_BYTES }),
    error: /f\.db is not a nasprobe study store/,
  },
  { args: ["worker", "--study", "d"], setup: files({ d: { dir: {} } }), error: /d is not a file/ },
  ...["0", "-2", "y"].map((b) => ({
    args: ["worker", "--study", "st.db", "--budget", b],
    ...onStudy(),
    error: /--budget needs a positive integer/,
  })),
  // study show / export / migrate.
  ...["show", "export"].flatMap((cmd) => [
    { args: ["study", cmd, "missing.db"], error: /no study store at missing\.db/ },
    { args: ["study", cmd, "d"], setup: files({ d: { dir: {} } }), error: /d is not a file/ },
    {
      args: ["study", cmd, "empty.db"],
      setup: files({ "empty.db": "" }),
      error: /empty\.db holds no nasprobe study/,
    },
    {
      args: ["study", cmd, "t.db"],
      setup: files({ "t.db": "plain text, which SQLite will not read as a database header\n".repeat(2) }),
      error: /t\.db is not a nasprobe study store/,
    },
    {
      args: ["study", cmd, "f.db"],
      setup: files({ "f.db": SQLITE_BYTES }),
      error: /f\.db is not a nasprobe study store/,
    },
    {
      args: ["study", cmd, "st.db", "--study", "nope"],
      ...onStudy(),
      error: /no study nope in st\.db \(studies: default\)/,
    },
    { args: ["study", cmd, "fifo"], setup: files({ fifo: { fifo: true } }), error: /fifo is not a file/ },
    { args: ["study", cmd, "postgresql://nobody@127.0.0.1:1/none"], error: /ECONNREFUSED|connect/ },
  ]),
  {
    args: ["study", "export", "st.db", "--format", "xml"],
    ...onStudy(),
    error: /--format must be jsonl or csv, got "xml"/,
  },
  { args: ["study", "export", "st.db", "--out", "st.db"], ...onStudy(), error: /st\.db/ },
  {
    args: ["study", "export", "st.db", "--out", "ln.db"],
    ...onStudy(withStudy({ "ln.db": { link: "st.db" } })),
    error: /ln\.db/,
  },
  {
    args: ["study", "export", "st.db", "--out", "d"],
    ...onStudy(withStudy({ d: { dir: {} } })),
    error: /\bd\b/,
  },
  {
    args: ["study", "export", "st.db", "--out", "nodir/x.jsonl"],
    ...onStudy(),
    error: /directory nodir does not exist/,
  },
  {
    args: ["study", "export", "st.db", "--out", "null"],
    ...onStudy(withStudy({ null: { nullDevice: true } })),
    error: /null/,
  },
  {
    args: ["study", "export", "st.db", "--out", "fifo"],
    ...onStudy(withStudy({ fifo: { fifo: true } })),
    error: /fifo/,
  },
  { args: ["study", "migrate", "missing.db"], error: /no study store at missing\.db/ },
  {
    args: ["study", "migrate", "t.db"],
    setup: files({ "t.db": "text that is not a SQLite database but long enough for its header\n".repeat(2) }),
    error: /t\.db is not a nasprobe study store/,
  },
  {
    args: ["study", "migrate", "f.db"],
    setup: files({ "f.db": SQLITE_BYTES }),
    error: /f\.db is not a nasprobe study store/,
  },
  { args: ["study", "migrate", "d"], setup: files({ d: { dir: {} } }), error: /d is not a file/ },
  { args: ["study", "bogus"], error: /unknown command 'bogus'/ },
  // Study plots.
  { args: ["plot", "best-so-far", "missing.db", "--out", "p.svg"], error: /no study store at missing\.db/ },
  { args: ["plot", "best-so-far", "st.db", "--out", "nodir/p.svg"], ...onStudy(), error: /nodir/ },
  {
    args: ["plot", "pareto", "st.db", "--out", "p.svg"],
    ...onStudy(),
    error: /has 1 objectives; plot pareto needs 2/,
  },
  { args: ["plot", "pareto", "missing.db", "--out", "p.svg"], error: /no study store at missing\.db/ },
  {
    args: ["plot", "best-so-far", "st.db", "--study", "nope", "--out", "p.svg"],
    ...onStudy(),
    error: /no study nope in st\.db/,
  },
];

runHostileCases(cases, { title: "hostile input: search, worker, study" });
