// The dashboard's server and JSON API without a browser: what each endpoint answers on real studies,
// malformed requests (400/404 JSON, no stack), no path traversal, the study file's bytes unchanged,
// a 100k-trial study paged fast, the event stream seeing a search write, and the CLI's refusals.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { paramCount } from "../../ir/cost.js";
import { nb201 } from "../../spaces/nb201.js";
import { openStorage } from "../../store/index.js";
import type { Trial } from "../../store/study.js";
import { testPostgresUrl } from "../../store/testing/postgres.js";
import { scratchDirectories } from "../../util/scratch.js";
import { summarizeStudy } from "../summary.js";
import { type Dashboard, startDashboard } from "./server.js";
import { bigStudy, searchStudy, sha256, syntheticTable } from "./testing/fixtures.js";

const scratch = scratchDirectories("dashboard");
const dir = scratch.root;
const cliMain = resolve(fileURLToPath(import.meta.url), "../../../cli/main.ts");

interface Json {
  status: number;
  body: Record<string, unknown> & { error?: string };
  text: string;
}

async function getJson(base: string, path: string): Promise<Json> {
  const response = await fetch(new URL(path, base));
  const text = await response.text();
  let body: Json["body"] = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the test asserting on it says so.
  }
  return { status: response.status, body, text };
}

/** A raw GET with the path exactly as written (fetch would normalise `..` away). */
function rawGet(base: string, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function trialsOf(storage: string, study: string): Promise<Trial[]> {
  const s = await openStorage(storage, { readOnly: true });
  try {
    return await (await s.study(study))!.trials();
  } finally {
    await s.close();
  }
}

const table = syntheticTable(dir);
const file = join(dir, "studies.db");
let dashboard: Dashboard;
let base: string;

before(async () => {
  await searchStudy({ storage: file, study: "re-1", table, budget: 40, seed: 1 });
  await searchStudy({ storage: file, study: "re-2", table, budget: 30, seed: 2 });
  await searchStudy({
    storage: file,
    study: "moo",
    table,
    algo: "nsga2",
    objective: "table:acc_200,table:flops_M",
    budget: 60,
    seed: 3,
  });
  dashboard = await startDashboard({ storage: file, port: 0, pollMs: 100 });
  base = dashboard.url;
});
after(async () => {
  await dashboard?.close();
});

describe("dashboard API", () => {
  it("lists the studies with their trials by state, best value and name groups", async () => {
    const r = await getJson(base, "/api/studies");
    assert.equal(r.status, 200);
    const studies = r.body.studies as {
      name: string;
      algo: string;
      trials: number;
      byState: Record<string, number>;
      best: { number: number; value: number } | null;
      front: number | null;
    }[];
    assert.deepEqual(
      studies.map((s) => s.name),
      ["moo", "re-1", "re-2"],
    );
    const re1 = studies.find((s) => s.name === "re-1")!;
    const trials = await trialsOf(file, "re-1");
    const best = Math.max(...trials.map((t) => t.objectives[0]!));
    assert.equal(re1.trials, 40);
    assert.equal(re1.byState.complete, 40);
    assert.equal(re1.best!.value, best);
    assert.equal(trials[re1.best!.number]!.objectives[0], best);
    assert.ok(studies.find((s) => s.name === "moo")!.front! >= 2);
    assert.deepEqual(r.body.groups, [{ prefix: "re", studies: ["re-1", "re-2"] }]);
  });

  it("summarises a study: terms, best trial with its benchmark row, value keys, scatter axes", async () => {
    const r = await getJson(base, "/api/studies/re-1");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.terms, [{ spec: "table:acc_200", valueName: "acc_200", higherIsBetter: true }]);
    const best = r.body.best as { trial: { archStr: string; objectives: number[] } };
    const trials = await trialsOf(file, "re-1");
    assert.equal(best.trial.objectives[0], Math.max(...trials.map((t) => t.objectives[0]!)));
    assert.equal(r.body.tableFound, table);
    assert.deepEqual(r.body.valueKeys, ["acc_200"]);
    const axes = r.body.axes as string[];
    for (const a of ["objective:0", "value:acc_200", "table:flops_M", "table:params_M", "seconds"])
      assert.ok(axes.includes(a), a);
  });

  it("pages trials sorted and filtered on the server", async () => {
    const trials = await trialsOf(file, "re-1");
    const desc = [...trials].sort((a, b) => b.objectives[0]! - a.objectives[0]! || a.number - b.number);
    const page1 = await getJson(base, "/api/studies/re-1/trials?sort=objective:0&order=desc&limit=15");
    const page2 = await getJson(
      base,
      "/api/studies/re-1/trials?sort=objective:0&order=desc&limit=15&offset=15",
    );
    assert.equal(page1.body.total, 40);
    const numbers = [...(page1.body.rows as Trial[]), ...(page2.body.rows as Trial[])].map((t) => t.number);
    assert.deepEqual(
      numbers,
      desc.slice(0, 30).map((t) => t.number),
    );
    const arch = trials[7]!.archStr.slice(0, 30);
    const filtered = await getJson(
      base,
      `/api/studies/re-1/trials?state=complete&arch=${encodeURIComponent(arch)}&sort=arch&limit=500`,
    );
    const expected = trials.filter((t) => t.archStr.includes(arch));
    assert.equal(filtered.body.total, expected.length);
    for (const row of filtered.body.rows as Trial[]) assert.ok(row.archStr.includes(arch));
    const none = await getJson(base, "/api/studies/re-1/trials?state=failed,running");
    assert.equal(none.body.total, 0);
  });

  it("shows one trial with its network graph, params, FLOPs and benchmark row", async () => {
    const trials = await trialsOf(file, "re-1");
    const r = await getJson(base, "/api/studies/re-1/trials/5");
    assert.equal(r.status, 200);
    const trial = r.body.trial as { archStr: string; worker: string; finishSeq: number; retryOf: null };
    assert.equal(trial.archStr, trials[5]!.archStr);
    assert.equal(trial.worker, trials[5]!.worker);
    assert.equal(trial.retryOf, null);
    const graph = r.body.graph as { nodes: { id: number }[]; edges: [number, number][]; params: number };
    const built = nb201.build(nb201.parse(trial.archStr), nb201.defaultBuild);
    assert.equal(graph.nodes.length, built.nodes.length);
    assert.equal(graph.params, paramCount(built));
    assert.equal(
      graph.edges.length,
      built.nodes.reduce((s, n) => s + n.inputs.length, 0),
    );
    const benchmark = r.body.benchmark as Record<string, number>;
    assert.equal(benchmark.acc_200, trials[5]!.objectives[0]);
    assert.equal(typeof benchmark.flops_M, "number");
  });

  it("draws best so far in finish order, and the band of a group of seeds", async () => {
    const trials = await trialsOf(file, "re-1");
    const r = await getJson(base, "/api/studies/re-1/best-so-far");
    const points = r.body.points as { seq: number; number: number; best: number }[];
    assert.equal(points.length, 40);
    const inOrder = [...trials].sort((a, b) => a.finishSeq! - b.finishSeq!);
    let best = -Infinity;
    points.forEach((p, i) => {
      best = Math.max(best, inOrder[i]!.objectives[0]!);
      assert.equal(p.number, inOrder[i]!.number);
      assert.equal(p.best, best);
    });
    const band = await getJson(base, "/api/groups/re/best-so-far");
    assert.deepEqual(band.body.studies, ["re-1", "re-2"]);
    const bandPoints = band.body.points as {
      x: number;
      runs: number;
      median: number;
      q25: number;
      q75: number;
    }[];
    assert.equal(bandPoints.length, 40);
    assert.equal(bandPoints[0]!.runs, 2);
    assert.equal(bandPoints[35]!.runs, 1);
    const runs = band.body.runs as number[][];
    assert.equal(bandPoints[9]!.median, (runs[0]![9]! + runs[1]![9]!) / 2);
    assert.ok(bandPoints[9]!.q25 <= bandPoints[9]!.median && bandPoints[9]!.median <= bandPoints[9]!.q75);
  });

  it("gives scatter data of any two stored values or table columns, and a Pareto front", async () => {
    const trials = await trialsOf(file, "re-2");
    const r = await getJson(base, "/api/studies/re-2/scatter?x=objective:0&y=table:flops_M");
    const points = r.body.points as { number: number; x: number; y: number }[];
    assert.equal(points.length, 30);
    assert.equal(points[0]!.x, trials[points[0]!.number]!.objectives[0]);
    const p = await getJson(base, "/api/studies/moo/pareto");
    const all = p.body.points as { x: number; y: number }[];
    const front = p.body.front as { x: number; y: number }[];
    assert.equal((p.body.y as { name: string }).name, "acc_200");
    assert.ok(front.length >= 2);
    // No point dominates a front point (accuracy up, FLOPs down).
    for (const f of front)
      assert.ok(!all.some((q) => q.y >= f.y && q.x <= f.x && (q.y > f.y || q.x < f.x)), JSON.stringify(f));
    // The study's summary has the front summarizeStudy finds, in its order.
    const storage = await openStorage(file, { readOnly: true });
    const expected = await summarizeStudy((await storage.study("moo"))!);
    await storage.close();
    const summary = await getJson(base, "/api/studies/moo");
    assert.deepEqual(
      (summary.body.front as Trial[]).map((t) => t.number),
      expected.front!.map((t) => t.number),
    );
    assert.deepEqual(summary.body.byState, expected.byState);
    assert.equal(summary.body.cost, expected.cost);
    const single = await getJson(base, "/api/studies/re-1/pareto");
    assert.equal(single.status, 400);
    assert.match(single.body.error!, /one objective/);
  });

  it("answers malformed requests with a 400 or 404 JSON error and no stack trace", async () => {
    const cases: [string, number, RegExp][] = [
      ["/api/studies/re-1/trials?limit=501", 400, /limit must be in \[1, 500\]/],
      ["/api/studies/re-1/trials?limit=abc", 400, /limit must be a whole number/],
      ["/api/studies/re-1/trials?offset=-1", 400, /offset must be a whole number/],
      ["/api/studies/re-1/trials?offset=1e3", 400, /offset must be a whole number/],
      ["/api/studies/re-1/trials?sort=__proto__", 400, /unknown sort key/],
      ["/api/studies/re-1/trials?sort=objective:3", 400, /1 objective/],
      ["/api/studies/re-1/trials?sort=value:nope", 400, /no stored value nope/],
      ["/api/studies/re-1/trials?order=up", 400, /order must be asc or desc/],
      ["/api/studies/re-1/trials?state=done", 400, /unknown state/],
      [`/api/studies/re-1/trials?arch=${"x".repeat(201)}`, 400, /longer than 200/],
      ["/api/studies/re-1/scatter?x=table:nope", 400, /unknown axis/],
      ["/api/studies/re-1/trials/12x", 400, /whole number/],
      ["/api/studies/re-1/trials/4000", 404, /no trial 4000/],
      ["/api/studies/nope", 404, /no study "nope"/],
      ["/api/studies/nope/trials", 404, /no study/],
      [`/api/studies/${"n".repeat(300)}`, 400, /longer than 200/],
      ["/api/groups/zz/best-so-far", 404, /no group/],
      ["/api/nothing", 404, /no such endpoint/],
    ];
    for (const [path, status, message] of cases) {
      const r = await getJson(base, path);
      assert.equal(r.status, status, `${path}: ${r.text}`);
      assert.match(r.body.error ?? "", message, path);
      assert.doesNotMatch(r.text, /\n\s+at |\.ts:\d+/, path);
    }
  });

  it("serves only its three files: no traversal, no listing", async () => {
    const page = await rawGet(base, "/");
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>nasprobe dashboard<\/title>/);
    const script = await rawGet(base, "/main.js");
    assert.equal(script.status, 200);
    assert.ok(script.text.length > 100_000, "the bundle holds vega-embed");
    for (const path of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/%2e%2e%2fpackage.json",
      "/..%2f..%2fpackage.json",
      "/main.js/../../package.json",
      "/style.css%00.json",
      "/index.html",
      "/src/",
      "/dist/",
      "/web/",
      "/main.ts",
      "//etc/passwd",
    ]) {
      const r = await rawGet(base, path);
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.doesNotMatch(r.text, /"name": "nasprobe"|root:x:0|<a href/, path);
    }
  });

  it("streams change events: a search writing to the study file shows up", async () => {
    const events = await fetch(new URL("/api/events", base));
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    const nextStudies = async (): Promise<{ name: string; trials: number; finishSeq: number }[]> => {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: studies$/m.test(block) && data) return JSON.parse(data).studies;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("event stream ended");
        buffer += value;
      }
    };
    const first = await nextStudies();
    assert.equal(first.find((s) => s.name === "re-2")!.trials, 30);
    // The same study with a larger budget: the search resumes and adds 10 trials.
    await searchStudy({ storage: file, study: "re-2", table, budget: 40, seed: 2 });
    let latest = first;
    while (latest.find((s) => s.name === "re-2")!.finishSeq < 40) latest = await nextStudies();
    assert.equal(latest.find((s) => s.name === "re-2")!.trials, 40);
    await reader.cancel();
    const page = await getJson(base, "/api/studies/re-2/trials?sort=finishSeq&order=desc&limit=1");
    assert.equal(page.body.total, 40);
    assert.equal((page.body.rows as { finishSeq: number }[])[0]!.finishSeq, 40);
  });
});

describe("dashboard storage", () => {
  it("never writes: the study file's bytes are unchanged and no -wal/-shm file is left", async () => {
    const path = join(dir, "readonly.db");
    await searchStudy({ storage: path, study: "default", table, budget: 12 });
    const hash = sha256(path);
    const files = readdirSync(dir).filter((f) => f.startsWith("readonly.db"));
    const d = await startDashboard({ storage: path, port: 0 });
    try {
      for (const p of [
        "/api/studies",
        "/api/studies/default",
        "/api/studies/default/trials?sort=objective:0&order=desc",
        "/api/studies/default/trials/3",
        "/api/studies/default/best-so-far",
        "/api/studies/default/scatter?x=objective:0&y=table:params_M",
      ])
        assert.equal((await getJson(d.url, p)).status, 200, p);
    } finally {
      await d.close();
    }
    assert.equal(sha256(path), hash);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith("readonly.db")),
      files,
    );
  });

  it("refuses a file that is not a study store, a missing one and an empty one in one line", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "these are not the trials you are looking for\n".repeat(20));
    await assert.rejects(startDashboard({ storage: text, port: 0 }), /is not a nasprobe study store/);
    await assert.rejects(startDashboard({ storage: join(dir, "absent.db"), port: 0 }), /no study store at/);
    assert.equal(existsSync(join(dir, "absent.db")), false);
    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    await assert.rejects(startDashboard({ storage: empty, port: 0 }), /holds no nasprobe study/);
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", cliMain, "dashboard", "--storage", text, "--port", "0"],
      {
        encoding: "utf8",
        timeout: 90_000,
      },
    );
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^nasprobe: error: .*notes\.txt is not a nasprobe study store.*\n$/);
    const port = spawnSync(
      process.execPath,
      ["--import", "tsx", cliMain, "dashboard", "--storage", file, "--port", "70000"],
      {
        encoding: "utf8",
        timeout: 90_000,
      },
    );
    assert.equal(port.status, 1);
    assert.match(port.stderr, /--port must be in \[0, 65535\]/);
  });

  it("the CLI prints its URL, warns off loopback, serves, and stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cliMain, "dashboard", "--storage", file, "--port", "0", "--host", "0.0.0.0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const url = await new Promise<string>((resolvePromise, reject) => {
      child.stdout.on("data", (d) => {
        stdout += d;
        const m = /at (http:\/\/\S+\/) /.exec(stdout);
        if (m) resolvePromise(m[1]!);
      });
      child.on("exit", () => reject(new Error(`exited: ${stderr}`)));
    });
    assert.match(url, /^http:\/\/0\.0\.0\.0:\d+\/$/);
    assert.match(stderr, /^nasprobe: warning: the dashboard has no authentication/);
    const port = new URL(url).port;
    const r = await getJson(`http://127.0.0.1:${port}/`, "/api/studies");
    assert.equal(r.status, 200);
    const code = await new Promise<number | null>((resolvePromise) => {
      child.on("exit", (c) => resolvePromise(c));
      child.kill("SIGTERM");
    });
    assert.equal(code, 0);
  });

  it("reads a PostgreSQL storage and sees a worker's new trials", async (t) => {
    const url = await testPostgresUrl(t);
    if (url === undefined) return;
    await searchStudy({ storage: url, study: "pg-1", table, budget: 10, seed: 4 });
    const d = await startDashboard({ storage: url, port: 0 });
    try {
      const r = await getJson(d.url, "/api/studies");
      assert.deepEqual(
        (r.body.studies as { name: string; trials: number }[]).map((s) => [s.name, s.trials]),
        [["pg-1", 10]],
      );
      await searchStudy({ storage: url, study: "pg-1", table, budget: 15, seed: 4 });
      const page = await getJson(d.url, "/api/studies/pg-1/trials?sort=finishSeq&order=desc&limit=3");
      assert.equal(page.body.total, 15);
      assert.deepEqual(
        (page.body.rows as { finishSeq: number }[]).map((row) => row.finishSeq),
        [15, 14, 13],
      );
    } finally {
      await d.close();
    }
  });

  it("pages a 100k-trial study fast", async () => {
    const path = join(dir, "big.db");
    const count = 100_000;
    await bigStudy(path, "big", count);
    const d = await startDashboard({ storage: path, port: 0 });
    try {
      const t0 = performance.now();
      const first = await getJson(d.url, "/api/studies/big/trials?limit=50");
      const firstMs = performance.now() - t0;
      assert.equal(first.body.total, count);
      const times: number[] = [];
      const values: number[] = [];
      for (const offset of [0, 50_000, 99_950]) {
        const t = performance.now();
        const page = await getJson(
          d.url,
          `/api/studies/big/trials?sort=objective:0&order=desc&state=complete&offset=${offset}&limit=50`,
        );
        times.push(performance.now() - t);
        assert.equal(page.status, 200);
        const rows = page.body.rows as { objectives: number[] }[];
        values.push(...rows.map((r) => r.objectives[0]!));
        if (offset === 0) assert.equal(rows[0]!.objectives[0], 100.06);
      }
      // Sorted descending across pages.
      for (let i = 1; i < values.length; i++) assert.ok(values[i]! <= values[i - 1]!);
      const failed = await getJson(d.url, "/api/studies/big/trials?state=failed&limit=1");
      assert.equal(failed.body.total, Math.floor((count - 14) / 97) + 1);
      // A page of a cached order is a slice: well under 100 ms; the first read of 100k trials a few seconds.
      const later = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await getJson(
          d.url,
          `/api/studies/big/trials?sort=objective:0&order=desc&state=complete&offset=${i * 997}`,
        );
        later.push(performance.now() - t);
      }
      console.log(
        `100k trials: first page ${firstMs.toFixed(0)} ms, sorted pages ${times.map((t) => t.toFixed(0)).join(", ")} ms, cached ${later.map((t) => t.toFixed(0)).join(", ")} ms`,
      );
      assert.ok(firstMs < 20_000, `first page ${firstMs} ms`);
      assert.ok(times[0]! < 3000, `first sorted page ${times[0]} ms`);
      assert.ok(Math.max(...later) < 250, `cached pages ${later.join(", ")} ms`);
    } finally {
      await d.close();
    }
  });

  it("summarises a 50k-trial two-objective study and its Pareto front in seconds", async () => {
    const path = join(dir, "big-moo.db");
    await bigStudy(path, "moo-big", 50_000, true);
    const d = await startDashboard({ storage: path, port: 0 });
    try {
      const t0 = performance.now();
      const list = await getJson(d.url, "/api/studies");
      const listMs = performance.now() - t0;
      const t1 = performance.now();
      const p = await getJson(d.url, "/api/studies/moo-big/pareto");
      const paretoMs = performance.now() - t1;
      console.log(
        `50k trials, 2 objectives: study list ${listMs.toFixed(0)} ms, Pareto ${paretoMs.toFixed(0)} ms`,
      );
      const front = p.body.front as { x: number; y: number }[];
      const complete = 50_000 - (Math.floor((50_000 - 14) / 97) + 1);
      assert.equal((p.body.points as unknown[]).length, Math.ceil(complete / Math.ceil(complete / 20_000)));
      assert.equal((list.body.studies as { front: number }[])[0]!.front, front.length);
      assert.ok(front.length >= 2);
      // Along the front: FLOPs rise, and so does accuracy.
      for (let i = 1; i < front.length; i++)
        assert.ok(front[i]!.x > front[i - 1]!.x && front[i]!.y > front[i - 1]!.y);
      assert.ok(listMs + paretoMs < 15_000, `${listMs} + ${paretoMs} ms`);
    } finally {
      await d.close();
    }
  });
});
